"""Downloads for analysts, with deterministic bytes: the whole fact table (CSV, JSON, XLSX) and one
SQLite database holding every package and the fact table (one table each; field titles, units and
descriptions in the `_fields` table, package titles and sources in `_tables`).

`analysis_sources(portal)` gives {path under docs/: (inputs key, maker)}; the site build stores
the files like its other downloads, made again only when their inputs changed. `ANALYSIS_DOWNLOADS` names them for the pages (label, path, media type).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from pathlib import Path

from scripts.portal.model.frames import FACTS_PACKAGE
from scripts.portal.model.reader import Package, Portal
from scripts.portal.texts import Texts
from scripts.portal.site import xlsx
from scripts.portal.site.downloads import FIELD_COLUMNS, field_row

T = Texts.beside(__file__, "meta_texts.yaml")
ANALYSIS_DOWNLOADS = [
    (T("downloads.facts_csv"), "downloads/indicators/facts.csv", "text/csv"),
    (T("downloads.facts_json"), "downloads/indicators/facts.json", "application/json"),
    (T("downloads.facts_xlsx"), "downloads/indicators/facts.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (T("downloads.sqlite"), "downloads/portal.sqlite", "application/vnd.sqlite3"),
]
SQL_TYPES = {"integer": "INTEGER", "number": "REAL"}


def analysis_sources(portal: Portal) -> dict:
    """{path under docs/: (key of its inputs, function making its bytes)}: the build makes a file
    again only when its key changed. Without a fact table (not yet extracted) only the database."""
    facts = portal.derived.get(FACTS_PACKAGE)
    packages = portal.packages + ([facts] if facts else [])
    out = {}
    if facts is not None:
        key = inputs_key([facts])
        out["downloads/indicators/facts.csv"] = (key, lambda: facts.csv_bytes)
        out["downloads/indicators/facts.json"] = (key, lambda: facts_json(facts))
        out["downloads/indicators/facts.xlsx"] = (key, lambda: facts_xlsx(facts))
    out["downloads/portal.sqlite"] = (inputs_key(packages), lambda: sqlite_bytes(packages))
    return out


def analysis_files(portal: Portal) -> dict[str, bytes]:
    """The analysts' downloads as bytes, keyed by path under docs/."""
    return {path: make() for path, (_, make) in analysis_sources(portal).items()}


def inputs_key(packages: list[Package]) -> str:
    """What the files depend on: every package's descriptor and data bytes."""
    digest = hashlib.sha256()
    for pkg in packages:
        for part in (pkg.name.encode(), (pkg.path / "datapackage.json").read_bytes(), pkg.csv_bytes):
            digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def facts_json(pkg: Package) -> bytes:
    doc = {"name": pkg.name, "title": pkg.title, "title_en": pkg.title_en, "version": pkg.version,
           "description": pkg.description, "licenses": pkg.licenses, "sources": pkg.descriptor.get("sources", []),
           "x-coverage": pkg.descriptor.get("x-coverage", {}), "x-quality": pkg.quality,
           "schema": pkg.resource.get("schema", {}), "records": pkg.rows}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def facts_xlsx(pkg: Package) -> bytes:
    """Sheets: facts (typed cells, text never a formula), fields, findings (consistency checks)."""
    return xlsx.workbook([
        xlsx.Sheet("facts", [[f.name for f in pkg.fields]]
                   + [[value_cell(row, raw) if f.name == "value" else row[f.name] for f in pkg.fields]
                      for row, raw in zip(pkg.rows, pkg.raw_rows)], header=True, freeze=True),
        xlsx.Sheet("fields", [FIELD_COLUMNS] + [field_row(f) for f in pkg.fields]),
        xlsx.Sheet("findings", [["check", "status", "detail"]]
                   + [[q["check"], q["status"], q["detail"]] for q in pkg.quality]),
    ])


def value_cell(row: dict, raw: dict):
    """A fact's value as a number shown with its printed decimals (58.30 stays 58.30): those of
    value_printed when value is the printed number (a decrease, negative in value, is printed
    without its sign), else (a value converted into the canonical unit) those of the CSV's value."""
    value, printed = row["value"], str(raw.get("value_printed") or "").replace(",", "")
    try:
        same = value is not None and abs(value) == abs(float(printed))
    except ValueError:
        same = False
    return xlsx.number(value, printed if same else raw["value"])


def table_name(pkg: Package) -> str:
    """SQL table of a package: its name with `_` for `-` (the fact table is `facts`)."""
    return "facts" if pkg.name == FACTS_PACKAGE else pkg.name.replace("-", "_")


def sqlite_bytes(packages: list[Package]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="portal-sqlite-") as tmp:
        path = Path(tmp) / "portal.sqlite"
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA page_size = 4096")
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("CREATE TABLE _tables (table_name TEXT PRIMARY KEY, package TEXT, title TEXT, "
                        "title_en TEXT, report TEXT, source_table TEXT, rows INTEGER)")
            con.execute("CREATE TABLE _fields (table_name TEXT, position INTEGER, column_name TEXT, title TEXT, "
                        "title_en TEXT, type TEXT, unit TEXT, description TEXT, PRIMARY KEY (table_name, column_name))")
            for pkg in packages:
                add_table(con, pkg)
            con.commit()
            con.execute("VACUUM")
        finally:
            con.close()
        return path.read_bytes()


def add_table(con, pkg: Package) -> None:
    name = table_name(pkg)
    columns = ", ".join(f'"{f.name}" {SQL_TYPES.get(f.type, "TEXT")}' for f in pkg.fields)
    con.execute(f'CREATE TABLE "{name}" ({columns})')
    marks = ", ".join("?" for _ in pkg.fields)
    con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', [[row[f.name] for f in pkg.fields] for row in pkg.rows])
    report = pkg.report.slug if pkg.report else ",".join(pkg.source.get("reports", []))
    con.execute("INSERT INTO _tables VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, pkg.name, pkg.title, pkg.title_en, report, str(pkg.source.get("table", "")), len(pkg.rows)))
    con.executemany("INSERT INTO _fields VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(name, i, f.name, f.title, f.title_en, f.type, f.unit, f.description)
                     for i, f in enumerate(pkg.fields, 1)])
