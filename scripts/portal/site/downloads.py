"""Download files for every package, with deterministic bytes.

Per package, under downloads/<name>/: data.csv (byte-identical copy), datapackage.json
(copy), <name>.xlsx (written by xlsx.py: typed cells; every text cell, headers included, is a
string cell, never a formula, and one starting like a formula gets Excel's quote prefix),
<name>.json (records + schema), <name>.zip (package + README + citation).
For the portal: downloads/portal-all.zip.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scripts.portal.model.reader import Package, Portal
from scripts.portal.site import xlsx
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "meta_texts.yaml")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


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


FIELD_COLUMNS = ["name", "title", "title_en", "type", "unit", "description"]   # the "fields" sheet


def field_row(f) -> list:
    return [f.name, f.title, f.title_en, f.type, f.unit, f.description]


def xlsx_bytes(pkg: Package) -> bytes:
    """Sheets: data (typed cells, bold frozen header), fields, about."""
    src = pkg.source
    about = [("name", pkg.name), ("title", pkg.title), ("title_en", pkg.title_en),
             ("version", pkg.version), ("report", pkg.report.title), ("publisher", pkg.report.publisher),
             ("table", src.get("table", "")), ("caption", src.get("caption", "")),
             ("licence", ", ".join(l.get("name", "") for l in pkg.licenses)),
             ("csv sha256", pkg.sha256)]
    return xlsx.workbook([
        xlsx.Sheet("data", [[f.header for f in pkg.fields]]
                   + [[xlsx.number(row[f.name], raw[f.name]) for f in pkg.fields]
                      for row, raw in zip(pkg.rows, pkg.raw_rows)], header=True, freeze=True),
        xlsx.Sheet("fields", [FIELD_COLUMNS] + [field_row(f) for f in pkg.fields]),
        xlsx.Sheet("about", [[k, str(v)] for k, v in about]),
    ])
