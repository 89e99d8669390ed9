"""Write a Data Package (descriptor + CSV) from extracted rows and recipe metadata."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from .. import __version__
from .. import acknowledged as ack
from ..quality import run_checks
from ..texts import Texts

WORDS = Texts.beside(__file__, "writer.yaml")  # licence, bookkeeping fields, blank-cell meaning
LICENSE = WORDS.data("license")
META_FIELDS = WORDS.data("bookkeeping_fields")
PUBLIC_FIELD_KEYS = ("name", "title", "title_en", "type", "unit", "description", "constraints", "rounded",
                     "decimals")


def csv_bytes(fields: list[dict], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [f["name"] for f in fields]
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(n, "") for n in names])
    return out.getvalue().encode("utf-8")


def schema_fields(fields: list[dict]) -> list[dict]:
    out = []
    for spec in fields:
        public = {k: spec[k] for k in PUBLIC_FIELD_KEYS if k in spec}
        if spec.get("derived"):  # numeric companion of a text cell: say how it was derived
            public["x-derived"] = {"from": spec["from"], "pattern": spec["pattern"]}
            if spec.get("superscript_digits"):
                public["x-derived"]["superscript_digits"] = True
        out.append(public)
    return out


def missing_values(declared: dict | None) -> list:
    """Table Schema missingValues: [""], or with printed markers the object form (Data Package
    v2) that says what each means, e.g. {"value": "-", "label": "该期未统计（无数据）"}."""
    if not declared:
        return [""]
    return [{"value": "", "label": WORDS("blank_cell")}] + [{"value": k, "label": v} for k, v in declared.items()]


def blank_missing(rows: list[dict], declared: dict | None) -> list[dict]:
    """Rows with the printed missing-value markers as empty cells (what the checks read)."""
    if not declared:
        return rows
    return [{k: ("" if v in declared else v) for k, v in r.items()} for r in rows]


def source_entry(report: dict) -> dict:
    entry = {"title": report["title"], "publisher": report["publisher"],
             "x-report": report["slug"], "x-published": report["published"]}
    if report.get("url"):
        entry["path"] = report["url"]
    return entry


def descriptor(meta: dict, report: dict | list[dict], fields: list[dict], data: bytes, quality: list[dict],
               checks: list[dict], label: str, primary_key: list[str] | None,
               acknowledged: list[dict] | None = None) -> dict:
    schema = {"fields": schema_fields(fields), "missingValues": missing_values(meta.get("missing_values"))}
    if primary_key:
        schema["primaryKey"] = primary_key
    desc = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": meta["name"],
        "title": meta["title"],
        "title_en": meta["title_en"],
        "description": meta["description"].strip(),
        "version": meta.get("version", __version__),
        **({"created": meta["created"]} if meta.get("created") else {}),  # the version's date (feed.xml)
        "licenses": [LICENSE],
        "sources": [source_entry(r) for r in (report if isinstance(report, list) else [report])],
        "keywords": meta["keywords"],
        "x-source": meta["x-source"],
        "x-display": meta.get("display", {}),
        "x-row-label": label,
        "x-checks": checks,
        "x-acknowledged": acknowledged or [],
        "x-quality": quality,
        **{k: v for k, v in meta.items() if k.startswith("x-") and k != "x-source"},
        "resources": [resource(data, schema)],
    }
    return desc


def resource(data: bytes, schema: dict) -> dict:
    """The package's one resource: data.csv, its size and hash, its Table Schema."""
    return {"name": "data", "path": "data.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "schema": schema}


def json_bytes(document) -> bytes:
    """A descriptor (or reports.json) as written: UTF-8, not ASCII-escaped, indented by 2, final newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render(meta: dict, report: dict | list[dict], fields: list[dict], rows: list[dict], checks: list[dict],
           label: str, primary_key: list[str] | None,
           acknowledged: list[dict] | None = None) -> dict[str, bytes]:
    """The files of one package, as bytes, keyed by file name (a derived package names several
    reports). Unacknowledged discrepancies are written as found (without a reason); `validate`
    refuses them."""
    data = csv_bytes(fields, rows)
    quality, _ = ack.apply(run_checks(blank_missing(rows, meta.get("missing_values")), fields, checks, label),
                           acknowledged or [])
    desc = descriptor(meta, report, fields, data, quality, checks, label, primary_key, acknowledged)
    return {"datapackage.json": json_bytes(desc), "data.csv": data}


def write(files: dict[str, bytes], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
