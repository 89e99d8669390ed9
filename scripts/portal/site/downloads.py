"""Download files for every package, with deterministic bytes.

Per package, under downloads/<name>/: data.csv (byte-identical copy), datapackage.json
(copy), <name>.xlsx (typed cells; every text cell, headers included, is a string cell, never a
formula, and one starting like a formula (= + - @ tab CR) also gets Excel's quote prefix, so
editing it keeps it text; fixed timestamps),
<name>.json (records + schema), <name>.zip (package + README + citation).
For the portal: downloads/portal-all.zip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scripts.portal.model.reader import Package, Portal
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "meta_texts.yaml")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
XLSX_TIME = dt.datetime(2000, 1, 1)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Download:
    format: str       # label shown to readers
    path: str         # relative to the docs dir, e.g. downloads/<name>/data.csv
    mediatype: str
    bytes: int
    sha256: str


def package_files(pkg: Package, readme: str, citation_text: str, bibtex: str) -> list:
    """[(Download, bytes)] of one package, in the order pages list them."""
    rel = f"downloads/{pkg.name}"
    desc_bytes = (pkg.path / "datapackage.json").read_bytes()
    files = [
        ("CSV (UTF-8)", "data.csv", "text/csv", pkg.csv_bytes),
        ("Excel (XLSX)", f"{pkg.name}.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes(pkg)),
        ("JSON", f"{pkg.name}.json", "application/json", json_bytes(pkg)),
        ("datapackage.json", "datapackage.json", "application/json", desc_bytes),
        ("ZIP", f"{pkg.name}.zip", "application/zip", zip_bytes([
            (f"{pkg.name}/datapackage.json", desc_bytes),
            (f"{pkg.name}/data.csv", pkg.csv_bytes),
            (f"{pkg.name}/README.md", readme.encode("utf-8")),
            (f"{pkg.name}/CITATION.txt", citation_text.encode("utf-8")),
            (f"{pkg.name}/CITATION.bib", bibtex.encode("utf-8")),
        ])),
    ]
    return [(Download(label, f"{rel}/{fname}", mediatype, len(data), hashlib.sha256(data).hexdigest()), data)
            for label, fname, mediatype, data in files]


def portal_zip_file(portal: Portal, packages_dir: Path, readme: str) -> tuple:
    """(Download, bytes) of downloads/portal-all.zip: every package and the report registry."""
    entries = [("portal/README.md", readme.encode("utf-8")),
               ("portal/reports.json", (packages_dir / "reports.json").read_bytes())]
    for pkg in portal.packages:
        entries.append((f"portal/{pkg.name}/datapackage.json", (pkg.path / "datapackage.json").read_bytes()))
        entries.append((f"portal/{pkg.name}/data.csv", pkg.csv_bytes))
    data = zip_bytes(entries)
    rel = "downloads/portal-all.zip"
    return Download(T("downloads.portal_zip"), rel, "application/zip", len(data), hashlib.sha256(data).hexdigest()), data


def zip_bytes(entries: list) -> bytes:
    """A ZIP whose bytes depend only on the entries: fixed dates, permissions and order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def json_bytes(pkg: Package) -> bytes:
    doc = {
        "name": pkg.name, "title": pkg.title, "title_en": pkg.title_en, "version": pkg.version,
        "description": pkg.description, "licenses": pkg.licenses, "x-source": pkg.source,
        "schema": pkg.resource.get("schema", {}), "records": pkg.rows,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def safe_text(value: str) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def xlsx_bytes(pkg: Package) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for col, f in enumerate(pkg.fields, 1):  # headers come from data too: never ws.append (it makes "=..." a formula)
        set_cell(ws.cell(row=1, column=col), f.header)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, (row, raw) in enumerate(zip(pkg.rows, pkg.raw_rows), 2):
        for col, f in enumerate(pkg.fields, 1):
            set_cell(ws.cell(row=r, column=col), row[f.name], raw[f.name])
    ws.freeze_panes = "A2"
    fd = wb.create_sheet("fields")
    fd.append(["name", "title", "title_en", "type", "unit", "description"])
    for f in pkg.fields:
        row = fd.max_row + 1
        for col, v in enumerate([f.name, f.title, f.title_en, f.type, f.unit, f.description], 1):
            set_cell(fd.cell(row=row, column=col), v)
    about = wb.create_sheet("about")
    src = pkg.source
    for k, v in [("name", pkg.name), ("title", pkg.title), ("title_en", pkg.title_en),
                 ("version", pkg.version), ("report", pkg.report.title), ("publisher", pkg.report.publisher),
                 ("table", src.get("table", "")), ("caption", src.get("caption", "")),
                 ("licence", ", ".join(l.get("name", "") for l in pkg.licenses)),
                 ("csv sha256", pkg.sha256)]:
        row = about.max_row + 1 if about.max_row > 1 or about["A1"].value else 1
        set_cell(about.cell(row=row, column=1), k)
        set_cell(about.cell(row=row, column=2), str(v))
    wb.properties.creator = "portal"
    wb.properties.created = XLSX_TIME
    wb.properties.modified = XLSX_TIME
    wb.properties.lastModifiedBy = "portal"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue())


def set_cell(cell, value, printed: str | None = None) -> None:
    """Numbers as numbers, shown with the decimals they were printed with ("83.0" stays 83.0);
    any text (even '=cmd()') stored as a plain string, never a formula."""
    if value is None:
        return
    if isinstance(value, (int, float)):
        cell.value = value
        decimals = len(printed.partition(".")[2]) if printed else 0
        cell.number_format = "0." + "0" * decimals if decimals else "0"
        return
    cell.value = str(value)
    cell.data_type = "s"
    if safe_text(str(value)):
        cell.quotePrefix = True


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP (the XLSX container) with fixed dates so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries:  # keep order: [Content_Types].xml must stay first
            if name == "docProps/core.xml":  # openpyxl stamps the save time into 'modified'
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)
    return buf.getvalue()
