"""Stage 2: validate every data package in one process.

The package reader (model/reader.py) is the one reader: it refuses what the JSON Schemas,
the file rules and the cell rules refuse. Frictionless then checks the table against its
Table Schema (types, required values, enums, primary keys). This module adds only what
neither knows: the report registry link, markup and formulas in text, and the quality
checks, whose results must match the package's `x-quality`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import acknowledged as ack
from .errors import PortalError, one_line
from .model import reader
from .model.schema import MARKUP, json_path
from .model.registry import REPORT_KEYS, report_objects
from .quality import CheckError, run_checks

FORMULA = re.compile(r"^[=+\-@\t\r]")
NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
DESCRIPTOR = reader.DESCRIPTOR


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


# Descriptor parts that are not printed text: code the quality checks evaluate (x-checks: `a+b`,
# `@353` source-line references), findings compared with a fresh run (x-quality), URLs and hashes
# (their schema allows no markup characters), `pattern` constraints (a regular expression, never
# printed on a page; its shape is checked by model/schema.py pattern_risk).
NOT_TEXT = {"x-checks", "x-quality", "$schema", "path", "hash", "pattern"}
DASHES = re.compile(r"-+")  # "-", "--": printed missing-value markers, not formulas
# Free text printed as paragraphs (Markdown block syntax at a line start is escaped there, see
# tests/test_publish.py): markup is refused in it, a leading "=" is not (`=== "tab"` is text).
FREE_TEXT = {"description", "source_note", "footnotes", "notes", "reason"}


def descriptor_texts(value, path: tuple = ()):
    """(JSON path, string) for every string in a descriptor, keys included, but NOT_TEXT."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NOT_TEXT:
                continue
            yield path + (key,), key
            yield from descriptor_texts(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from descriptor_texts(item, path + (index,))
    elif isinstance(value, str):
        yield path, value


def check_metadata(pkg, reports: dict, result: Result) -> None:
    """The registry link, and every descriptor string held to the cell rules: no markup
    anywhere, no spreadsheet formula lead in the one-line texts (titles, units, keywords,
    labels, enums, markers, keys: they reach the pages, the downloads and the fields sheet)."""
    try:
        (reader.derived_reports if pkg.derived else reader.report_of)(pkg, reports)
    except PortalError as exc:
        result.errors.append(exc)
    for path, text in descriptor_texts(pkg.descriptor):
        where, name = json_path(path), next((p for p in reversed(path) if isinstance(p, str)), "text")
        if MARKUP.search(text):
            result.error(f"{name} contains markup or a script: {text[:60]!r}", file=DESCRIPTOR, field=where)
        elif name not in FREE_TEXT and FORMULA.match(text) and not NUMERIC.match(text) and not DASHES.fullmatch(text):
            result.error(f"{name} starts like a spreadsheet formula: {text[:60]!r}", file=DESCRIPTOR,
                         field=where)


def check_cells(pkg, result: Result) -> None:
    """No markup or spreadsheet formula in text cells (types, enums, keys: Frictionless)."""
    rel = pkg.resource["path"]
    text_fields = [f.name for f in pkg.fields if not f.numeric]
    missing = set(pkg.missing_values)  # printed markers such as 未透露 or "-", declared in missingValues
    for number, raw in enumerate(pkg.raw_rows, start=2):
        for name in text_fields:
            cell = raw[name]
            if cell in missing:
                continue
            if MARKUP.search(cell):
                result.error(f"text contains markup or a script: {cell[:60]!r}", file=rel, row=number, field=name)
            elif FORMULA.match(cell) and not NUMERIC.match(cell):
                result.error(f"text starts like a spreadsheet formula: {cell[:60]!r}", file=rel, row=number,
                             field=name)


def placeholders(value, path: str = "") -> list[str]:
    """Key paths whose text still holds a `TODO` left by `make new-report`."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in placeholders(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders(v, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and "TODO" in value else []


def check_placeholders(desc: dict, reports: dict, result: Result) -> None:
    left = placeholders({k: v for k, v in desc.items() if k not in ("x-quality", "x-checks")})
    if left:
        result.error(f"placeholders left by new-report (replace TODO): {', '.join(left[:6])}"
                     + (f" and {len(left) - 6} more" if len(left) > 6 else ""), file=DESCRIPTOR)
    report = reports.get((desc.get("x-source") or {}).get("report"))
    left = placeholders({k: getattr(report, k) for k in REPORT_KEYS}) if report else []
    if left:
        result.error(f"report {report.slug!r} still has TODO in: {', '.join(left)}", file="reports.json")


def check_pending(pkg, result: Result) -> None:
    """The fact table: no `TODO` left where extraction found no answer (a fact on no indicator
    without its reason, a share or rank without its reference); each named with the meaning row."""
    if not pkg.derived:
        return
    names = {f.name for f in pkg.fields}
    for number, raw in enumerate(pkg.raw_rows, start=2):
        for name in ("unmapped_reason", "reference"):
            if name in names and raw[name] == "TODO":
                result.error(f"{raw.get('source_package')} {raw.get('source_row')} ({raw.get('indicator')}): "
                             f"{name} still TODO (answer it in recipes/meaning/{raw.get('report')}.csv or the "
                             f"registry)", file=pkg.resource["path"], row=number, field=name)


def check_quality(desc: dict, records: list[dict], fields: list[dict], result: Result) -> None:
    """Run the declared checks; every discrepancy must be acknowledged in the recipe, every
    acknowledgement must match a discrepancy, and the findings must equal `x-quality`."""
    label = desc.get("x-row-label") or (fields[0]["name"] if fields else "")
    try:
        findings = run_checks(records, fields, desc.get("x-checks", []), label)
    except (CheckError, ValueError, ArithmeticError) as exc:
        result.error(f"quality check cannot run: {exc}", file=DESCRIPTOR)
        return
    acks = desc.get("x-acknowledged", [])  # typed by the package schema
    for index, item in enumerate(acks):
        if not item["reason"].strip():  # (markup in it: check_metadata, with every descriptor string)
            result.error(f"x-acknowledged[{index}] needs a reason", file=DESCRIPTOR)
    result.checks = len(findings)
    findings, problems = ack.apply(findings, acks)
    for problem in problems:
        result.error(problem["message"], file=DESCRIPTOR, row=problem["row"], field=problem["field"])
    result.discrepancies = sum(f["status"] == "discrepancy" and "reason" in f for f in findings)
    if not problems and findings != desc.get("x-quality", []):
        result.error("x-quality does not match the quality checks run on the data (re-extract)", file=DESCRIPTOR)


def validate_package(directory: Path, reports: dict, root: Path | None = None) -> Result:
    result = Result(directory.name)
    try:
        pkg = reader.load_package(directory, root=root)
    except PortalError as exc:
        result.errors.append(exc)
        return result
    result.rows, result.fields = len(pkg.rows), len(pkg.fields)
    check_metadata(pkg, reports, result)
    check_placeholders(pkg.descriptor, reports, result)
    check_cells(pkg, result)
    check_pending(pkg, result)
    if not result.errors:
        frictionless_errors(directory, pkg.resource, result, pkg.descriptor.get("$schema", ""))
    if not result.errors:
        missing = set(pkg.missing_values)
        records = [{k: "" if v in missing else v for k, v in raw.items()} for raw in pkg.raw_rows]
        check_quality(pkg.descriptor, records, pkg.resource["schema"]["fields"], result)
    return result


def frictionless_errors(directory: Path, resource: dict, result: Result, profile: str = "") -> None:
    """Frictionless's own validation of the table against its schema."""
    from frictionless import FrictionlessException, Resource

    descriptor = {k: resource[k] for k in ("name", "path", "format", "encoding", "schema") if k in resource}
    if str(profile).startswith("https://datapackage.org/profiles/2."):  # v2: missingValues may be {value, label}
        descriptor["$schema"] = profile.replace("/datapackage.json", "/dataresource.json")
    try:
        report = Resource(descriptor, basepath=str(directory)).validate()
    except FrictionlessException as exc:
        reasons = "; ".join(e.note for e in exc.reasons) or exc.error.note
        result.error(f"frictionless: invalid resource descriptor: {reasons}", file=resource.get("path"))
        return
    key = resource["schema"].get("primaryKey") or []
    for task in report.tasks:
        for err in task.errors:
            field_name = getattr(err, "field_name", None)
            text = f"frictionless {err.type}: {err.note or err.message}"
            if err.type in ("primary-key", "unique-error"):
                field_name = field_name or ",".join([key] if isinstance(key, str) else key)
                text = f"duplicate primary key ({err.note})"
            result.error(text, file=resource["path"], row=getattr(err, "row_number", None), field=field_name)


def validate_registry(recipes_dir: Path) -> Result:
    """The indicator registry (indicators.yaml, indicators.d/, topics.yaml, meaning/*.csv) by its
    one loader, and every meaning row that still owes an answer (a figure on no indicator without
    its reason, a share or rank without its reference)."""
    from .indicators.registry import load_registry, pending

    result = Result("registry")
    try:
        reg = load_registry(recipes_dir)
    except PortalError as exc:
        result.errors.append(exc)
        return result
    result.rows = len(reg.indicators)
    result.errors.extend(pending(reg))
    return result


def validate_all(packages_dir: Path, recipes_dir: Path | None = None) -> list[Result]:
    """Every package, then the indicator registry the fact table is built from (`recipes_dir`, by
    default the project's recipes, when `packages_dir` holds a fact table)."""
    from . import paths

    packages_dir = Path(packages_dir)
    reports = {r.slug: r for r in report_objects(packages_dir)}
    results = [validate_package(directory, reports, packages_dir)
               for directory in sorted(p for p in packages_dir.iterdir() if p.is_dir() and not p.name.startswith("."))]
    if recipes_dir is None and not (packages_dir / "indicators" / DESCRIPTOR).is_file():
        return results
    return results + [validate_registry(recipes_dir or paths.RECIPES)]


def summary(results: list[Result]) -> str:
    head = f"{'package':58} {'rows':>5} {'fields':>6} {'checks':>6} {'discr.':>6}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        status = "ok" if not r.errors else f"{len(r.errors)} error(s)"
        lines.append(f"{one_line(r.name)[:58]:58} {r.rows:>5} {r.fields:>6} {r.checks:>6} {r.discrepancies:>6}  {status}")
    bad = [e for r in results for e in r.errors]
    lines.append("-" * len(head))
    lines.append(f"{len(results)} packages, {sum(r.rows for r in results)} rows, "
                 f"{sum(r.discrepancies for r in results)} source discrepancies acknowledged, {len(bad)} errors")
    for error in bad:
        lines.append(f"ERROR {error}")
    return "\n".join(lines)
