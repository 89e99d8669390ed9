"""Downloads for analysts, with deterministic bytes: the whole fact table (CSV, JSON, XLSX) and one
SQLite database holding every package and the fact table (one table each; field titles, units and
descriptions in the `_fields` table, package titles and sources in `_tables`).

`analysis_files(portal)` returns {path under docs/: bytes}; the site build stores them like its
other downloads. `ANALYSIS_DOWNLOADS` names them for the pages (label, path, media type).
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from pathlib import Path

from scripts.portal.model.frames import FACTS_PACKAGE
from scripts.portal.model.reader import Package, Portal
from scripts.portal.site.downloads import XLSX_TIME, normalise_zip, set_cell

ANALYSIS_DOWNLOADS = [
    ("事实表 CSV (UTF-8)", "downloads/indicators/facts.csv", "text/csv"),
    ("事实表 JSON", "downloads/indicators/facts.json", "application/json"),
    ("事实表 Excel (XLSX)", "downloads/indicators/facts.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("SQLite 数据库（全部数据包 + 事实表）", "downloads/portal.sqlite", "application/vnd.sqlite3"),
]
SQL_TYPES = {"integer": "INTEGER", "number": "REAL"}


def analysis_files(portal: Portal) -> dict[str, bytes]:
    """The analysts' downloads; without a fact table (a portal not yet re-extracted) only the database."""
    facts = portal.derived.get(FACTS_PACKAGE)
    files = {}
    if facts is not None:
        files["downloads/indicators/facts.csv"] = facts.csv_bytes
        files["downloads/indicators/facts.json"] = facts_json(facts)
        files["downloads/indicators/facts.xlsx"] = facts_xlsx(facts)
    files["downloads/portal.sqlite"] = sqlite_bytes(portal.packages + ([facts] if facts else []))
    return files


def facts_json(pkg: Package) -> bytes:
    doc = {"name": pkg.name, "title": pkg.title, "title_en": pkg.title_en, "version": pkg.version,
           "description": pkg.description, "licenses": pkg.licenses, "sources": pkg.descriptor.get("sources", []),
           "x-coverage": pkg.descriptor.get("x-coverage", {}), "x-quality": pkg.quality,
           "schema": pkg.resource.get("schema", {}), "records": pkg.rows}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def facts_xlsx(pkg: Package) -> bytes:
    """Sheets: facts (typed cells, text never a formula), fields, findings (consistency checks)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "facts"
    for col, f in enumerate(pkg.fields, 1):
        set_cell(ws.cell(row=1, column=col), f.name)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, row in enumerate(pkg.rows, 2):
        for col, f in enumerate(pkg.fields, 1):
            set_cell(ws.cell(row=r, column=col), row[f.name])
    ws.freeze_panes = "A2"
    sheet(wb, "fields", ["name", "title", "title_en", "type", "unit", "description"],
          [[f.name, f.title, f.title_en, f.type, f.unit, f.description] for f in pkg.fields])
    sheet(wb, "findings", ["check", "status", "detail"],
          [[q["check"], q["status"], q["detail"]] for q in pkg.quality])
    wb.properties.creator = wb.properties.lastModifiedBy = "portal"
    wb.properties.created = wb.properties.modified = XLSX_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue())


def sheet(wb, title: str, header: list, rows: list) -> None:
    ws = wb.create_sheet(title)
    for r, values in enumerate([header, *rows], 1):
        for c, value in enumerate(values, 1):
            set_cell(ws.cell(row=r, column=c), value)


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
