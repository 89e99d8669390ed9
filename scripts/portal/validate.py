"""Stage 2: validate every data package in one process.

Frictionless checks the table against its schema (types, ragged rows, primary
keys); we add what Frictionless does not know: required metadata, safe resource
paths, size limit, encoding, hashes, hostile text, and the quality checks,
whose results must match the package's `x-quality`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PortalError
from .quality import CheckError, run_checks
from .model.registry import load_reports

MAX_BYTES = 5 * 1024 * 1024
REQUIRED = ("name", "title", "title_en", "description", "version", "licenses", "sources",
            "keywords", "x-source", "resources")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MARKUP = re.compile(r"<\s*[a-zA-Z/!]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
FORMULA = re.compile(r"^[=+\-@\t\r]")
NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Result:
    name: str
    rows: int = 0
    fields: int = 0
    checks: int = 0
    discrepancies: int = 0
    errors: list[PortalError] = field(default_factory=list)

    def error(self, message: str, **where) -> None:
        self.errors.append(PortalError(message, package=self.name, **where))


def safe_path(path) -> str | None:
    """Why a resource path is refused, or None if it is a plain relative file name."""
    if not isinstance(path, str) or not path:
        return "resource path must be a non-empty string"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", path) or path.startswith("//"):
        return f"resource path {path!r} is a URL: the build never fetches anything"
    if path.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", path):
        return f"resource path {path!r} is absolute"
    if ".." in Path(path).parts or ".." in path.split("\\"):
        return f"resource path {path!r} leaves the package directory"
    return None


def load_descriptor(directory: Path, result: Result) -> dict | None:
    path = directory / "datapackage.json"
    if not path.exists():
        result.error("datapackage.json missing", file="datapackage.json")
        return None
    try:
        desc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        result.error("datapackage.json is not UTF-8", file="datapackage.json")
        return None
    except json.JSONDecodeError as exc:
        result.error(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                     file="datapackage.json")
        return None
    if not isinstance(desc, dict):
        result.error("descriptor must be a JSON object", file="datapackage.json")
        return None
    return desc


def check_metadata(desc: dict, directory: Path, reports: dict, result: Result) -> None:
    for key in REQUIRED:
        if not desc.get(key):
            result.error(f"required property {key!r} missing or empty", file="datapackage.json")
    name = desc.get("name", "")
    if name and (not isinstance(name, str) or not NAME.match(name)):
        result.error(f"package name {name!r} must be lowercase ASCII, digits and hyphens",
                     file="datapackage.json")
    elif name and name != directory.name:
        result.error(f"package name {name!r} differs from its directory {directory.name!r}",
                     file="datapackage.json")
    source = desc.get("x-source") or {}
    report = source.get("report") if isinstance(source, dict) else None
    if isinstance(source, dict) and source.get("derived"):  # built from packages of several reports
        unknown = [r for r in source.get("reports") or [None] if r not in reports]
        if unknown:
            result.error(f"x-source.reports {unknown!r} not in reports.json", file="datapackage.json")
    elif report not in reports:
        result.error(f"x-source.report {report!r} is not in reports.json", file="datapackage.json")
    elif name and not name.startswith(report):
        result.error(f"package name must start with its report slug {report!r}", file="datapackage.json")
    if isinstance(source, dict) and not source.get("table"):
        result.error("x-source.table missing", file="datapackage.json")
    for key in ("title", "title_en", "description"):
        if isinstance(desc.get(key), str) and MARKUP.search(desc[key]):
            result.error(f"{key} contains markup or a script: {desc[key][:60]!r}", file="datapackage.json")


def read_csv(directory: Path, resource: dict, result: Result) -> tuple[list[str], list[list[str]]] | None:
    rel = resource.get("path")
    why = safe_path(rel)
    if why:
        result.error(why, file=str(rel))
        return None
    path = directory / rel
    if not path.is_file():
        result.error("resource file missing", file=rel)
        return None
    size = path.stat().st_size
    if size > MAX_BYTES:
        result.error(f"file is {size} bytes, over the limit of {MAX_BYTES}", file=rel)
        return None
    raw = path.read_bytes()
    if size == 0:
        result.error("file is empty", file=rel)
        return None
    if resource.get("bytes") not in (None, size):
        result.error(f"bytes is {resource.get('bytes')} but the file has {size}", file=rel)
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    if resource.get("hash") not in (None, digest):
        result.error("hash does not match the file (edited without re-extracting?)", file=rel)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        result.error(f"not UTF-8 (GBK or another legacy encoding?) at byte {exc.start}; save as UTF-8",
                     file=rel, row=line)
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        result.error("file has no header row", file=rel)
        return None
    return rows[0], rows[1:]


def check_table(header: list[str], rows: list[list[str]], schema: dict, rel: str, result: Result) -> list[dict]:
    fields = schema.get("fields") or []
    names = [f.get("name") for f in fields]
    if header != names:
        result.error(f"header {header} does not match schema fields {names}", file=rel, row=1)
        return []
    missing = set(schema.get("missingValues", [""]))
    records, keys = [], {}
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    for number, row in enumerate(rows, start=2):
        if len(row) != len(names):
            result.error(f"row has {len(row)} cells, header has {len(names)}", file=rel, row=number)
            continue
        record = dict(zip(names, row))
        for spec in fields:
            cell = record[spec["name"]]
            kind = spec.get("type", "string")
            if cell in missing:
                if spec.get("constraints", {}).get("required"):
                    result.error("value required", file=rel, row=number, field=spec["name"])
                continue
            if kind == "integer" and not re.match(r"^-?\d+$", cell):
                result.error(f"{cell!r} is not an integer", file=rel, row=number, field=spec["name"])
            elif kind == "number" and not NUMERIC.match(cell):
                result.error(f"{cell!r} is not a number", file=rel, row=number, field=spec["name"])
            elif kind == "string":
                if MARKUP.search(cell):
                    result.error(f"text contains markup or a script: {cell[:60]!r}", file=rel, row=number,
                                 field=spec["name"])
                elif FORMULA.match(cell) and not NUMERIC.match(cell):
                    result.error(f"text starts like a spreadsheet formula: {cell[:60]!r}", file=rel,
                                 row=number, field=spec["name"])
            enum = spec.get("constraints", {}).get("enum")
            if enum and cell not in enum:
                result.error(f"{cell!r} is not one of {enum}", file=rel, row=number, field=spec["name"])
        if pk:
            key = tuple(record.get(k, "") for k in pk)
            if key in keys:
                result.error(f"duplicate primary key {'/'.join(key)} (first in row {keys[key]})",
                             file=rel, row=number, field=",".join(pk))
            keys.setdefault(key, number)
        records.append(record)
    for spec in fields:
        for key in ("name", "title", "title_en", "unit", "description"):
            if key in spec and not isinstance(spec[key], str):
                result.error(f"field {key} must be a string, got {spec[key]!r}", file=rel, field=str(spec.get("name")))
        if spec.get("type") in ("integer", "number") and not spec.get("unit"):
            result.error("numeric field has no unit", file=rel, field=spec.get("name"))
        if not spec.get("title"):
            result.error("field has no title", file=rel, field=spec.get("name"))
    return records


def check_quality(desc: dict, records: list[dict], fields: list[dict], result: Result) -> None:
    label = desc.get("x-row-label") or (fields[0]["name"] if fields else "")
    try:
        findings = run_checks(records, fields, desc.get("x-checks", []), label)
    except (CheckError, ValueError, ArithmeticError) as exc:
        result.error(f"quality check cannot run: {exc}", file="datapackage.json")
        return
    result.checks = len(findings)
    result.discrepancies = sum(f["status"] == "discrepancy" for f in findings)
    if findings != desc.get("x-quality", []):
        result.error("x-quality does not match the quality checks run on the data (re-extract)",
                     file="datapackage.json")


def validate_package(directory: Path, reports: dict) -> Result:
    result = Result(directory.name)
    desc = load_descriptor(directory, result)
    if desc is None:
        return result
    result.name = desc.get("name") or directory.name
    check_metadata(desc, directory, reports, result)
    resources = desc.get("resources") or []
    if not isinstance(resources, list):
        result.error("resources must be a list", file="datapackage.json")
        return result
    for resource in resources:
        table = read_csv(directory, resource, result)
        schema = resource.get("schema") or {}
        if table is None or not isinstance(schema, dict):
            continue
        records = check_table(*table, schema, resource.get("path"), result)
        result.rows += len(records)
        result.fields = len(schema.get("fields", []))
        if not result.errors:
            frictionless_errors(directory, resource, result)
            check_quality(desc, records, schema.get("fields", []), result)
    return result


def frictionless_errors(directory: Path, resource: dict, result: Result) -> None:
    """Frictionless's own validation of the table against its schema."""
    from frictionless import FrictionlessException, Resource

    descriptor = {k: resource[k] for k in ("name", "path", "format", "encoding", "schema") if k in resource}
    try:
        report = Resource(descriptor, basepath=str(directory)).validate()
    except FrictionlessException as exc:
        reasons = "; ".join(e.note for e in exc.reasons) or exc.error.note
        result.error(f"frictionless: invalid resource descriptor: {reasons}", file=resource.get("path"))
        return
    for task in report.tasks:
        for err in task.errors:
            result.error(f"frictionless {err.type}: {err.note or err.message}", file=resource.get("path"),
                         row=getattr(err, "row_number", None), field=getattr(err, "field_name", None))


def validate_all(packages_dir: Path) -> list[Result]:
    reports = load_reports(packages_dir)
    results, seen = [], {}
    for directory in sorted(p for p in packages_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        result = validate_package(directory, reports)
        if result.name in seen:
            result.error(f"package name collides with the package in {seen[result.name]}/")
        seen.setdefault(result.name, directory.name)
        results.append(result)
    return results


def summary(results: list[Result]) -> str:
    head = f"{'package':58} {'rows':>5} {'fields':>6} {'checks':>6} {'discr.':>6}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        status = "ok" if not r.errors else f"{len(r.errors)} error(s)"
        lines.append(f"{r.name[:58]:58} {r.rows:>5} {r.fields:>6} {r.checks:>6} {r.discrepancies:>6}  {status}")
    bad = [e for r in results for e in r.errors]
    lines.append("-" * len(head))
    lines.append(f"{len(results)} packages, {sum(r.rows for r in results)} rows, "
                 f"{sum(r.discrepancies for r in results)} source discrepancies recorded, {len(bad)} errors")
    for error in bad:
        lines.append(f"ERROR {error}")
    return "\n".join(lines)
