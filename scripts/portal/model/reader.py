"""Read the report registry and every data package into plain objects.

Checks what the site relies on (files present, CSV hash as declared, cells parse as
their declared type) and raises PortalError naming package, file, row and field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from scripts.portal.errors import PortalError

REPORT_KEYS = ("slug", "title", "title_en", "publisher", "published", "language", "url", "source_file")
BOOKKEEPING = ("row_type", "parent", "source_line")


@dataclass
class Field:
    name: str
    title: str
    title_en: str
    type: str
    unit: str
    description: str

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number")

    @property
    def header(self) -> str:
        """Chinese header with the unit, e.g. ``2020年网民使用率 (%)`` (unless the title has it)."""
        if not self.unit or f"({self.unit})" in self.title.replace(" ", "") or f"（{self.unit}）" in self.title:
            return self.title
        return f"{self.title} ({self.unit})"


@dataclass
class Report:
    slug: str
    title: str
    title_en: str
    publisher: str
    published: str
    language: str
    url: str
    source_file: str
    packages: list = field(default_factory=list)


@dataclass
class Package:
    name: str
    path: Path
    descriptor: dict
    fields: list
    rows: list          # list of dicts: field name -> typed value (None when empty)
    raw_rows: list      # list of dicts: field name -> text exactly as in data.csv
    csv_bytes: bytes
    report: Report = None

    def _get(key, default=""):
        return property(lambda self: self.descriptor.get(key, default))

    title = _get("title")
    title_en = _get("title_en")
    description = _get("description")
    version = _get("version", "1.0.0")
    keywords = _get("keywords", [])
    licenses = _get("licenses", [])
    source = _get("x-source", {})
    quality = _get("x-quality", [])
    display = _get("x-display", {})
    del _get

    @property
    def resource(self) -> dict:
        return self.descriptor["resources"][0]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.csv_bytes).hexdigest()

    @property
    def data_rows(self) -> list:
        return [r for r in self.rows if r.get("row_type", "data") != "total"]

    @property
    def content_fields(self) -> list:
        return [f for f in self.fields if f.name not in BOOKKEEPING]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise PortalError(f"x-display names field '{name}' which the schema does not have",
                          package=self.name, file="datapackage.json", field=name)


@dataclass
class Portal:
    reports: list
    packages: list
    derived: dict = field(default_factory=dict)  # name -> Package built from other packages (x-source.derived)

    def report(self, slug: str) -> Report:
        for r in self.reports:
            if r.slug == slug:
                return r
        raise KeyError(slug)


def load_portal(packages_dir: Path) -> Portal:
    packages_dir = Path(packages_dir)
    reports = load_reports(packages_dir / "reports.json")
    by_slug = {r.slug: r for r in reports}
    packages, derived = [], {}
    for desc_path in sorted(packages_dir.glob("*/datapackage.json")):
        pkg = load_package(desc_path.parent)
        if pkg.source.get("derived"):  # e.g. the fact table: many reports, no dataset page of its own
            derived[pkg.name] = pkg
            continue
        slug = pkg.source.get("report")
        if slug not in by_slug:
            raise PortalError(f"x-source.report '{slug}' is not in reports.json",
                              package=pkg.name, file="datapackage.json", field="x-source.report")
        pkg.report = by_slug[slug]
        by_slug[slug].packages.append(pkg)
        packages.append(pkg)
    if not packages:
        raise PortalError(f"no data packages (*/datapackage.json) found in {packages_dir}")
    for r in reports:
        r.packages.sort(key=table_order)
    packages.sort(key=lambda p: ([r.slug for r in reports].index(p.report.slug), table_order(p)))
    return Portal(reports=reports, packages=packages, derived=derived)


def load_reports(path: Path) -> list:
    if not path.exists():
        raise PortalError("the report registry is missing", file=str(path))
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise PortalError(f"not valid JSON: {e}", file=str(path)) from None
    reports = []
    for i, item in enumerate(items, 1):
        missing = [k for k in REPORT_KEYS if k not in item]
        if missing:
            raise PortalError(f"report entry lacks {', '.join(missing)}", file=str(path), row=i)
        reports.append(Report(**{k: "" if item[k] is None else str(item[k]) for k in REPORT_KEYS}))
    return reports


def load_package(pkg_dir: Path) -> Package:
    name = pkg_dir.name
    try:
        desc = json.loads((pkg_dir / "datapackage.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise PortalError(f"not valid JSON: {e}", package=name, file="datapackage.json") from None
    if desc.get("name") != name:
        raise PortalError(f"package name '{desc.get('name')}' differs from its directory",
                          package=name, file="datapackage.json", field="name")
    for key in ("title", "resources", "x-source"):
        if not desc.get(key):
            raise PortalError(f"'{key}' is missing", package=name, file="datapackage.json", field=key)
    res = desc["resources"][0]
    csv_path = pkg_dir / res.get("path", "data.csv")
    if not csv_path.exists():
        raise PortalError("data file is missing", package=name, file=res.get("path", "data.csv"))
    data = csv_path.read_bytes()
    declared = res.get("hash", "")
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if declared and declared.replace("sha256:", "") != actual.replace("sha256:", ""):
        raise PortalError(f"hash {actual} differs from the declared {declared}",
                          package=name, file=res.get("path"), field="hash")
    fields = [Field(name=f["name"], title=f.get("title", f["name"]), title_en=f.get("title_en", ""),
                    type=f.get("type", "string"), unit=f.get("unit", ""), description=f.get("description", ""))
              for f in res.get("schema", {}).get("fields", [])]
    raw_rows, rows = read_rows(name, data, fields)
    return Package(name=name, path=pkg_dir, descriptor=desc, fields=fields, rows=rows,
                   raw_rows=raw_rows, csv_bytes=data)


def read_rows(name: str, data: bytes, fields: list):
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    expected = [f.name for f in fields]
    if header != expected:
        raise PortalError(f"CSV header {header} differs from the schema fields {expected}",
                          package=name, file="data.csv", row=1)
    raw_rows, rows = [], []
    for line_no, cells in enumerate(reader, 2):
        if len(cells) != len(fields):
            raise PortalError(f"{len(cells)} cells, expected {len(fields)}", package=name,
                              file="data.csv", row=line_no)
        raw = dict(zip(expected, cells))
        raw_rows.append(raw)
        rows.append({f.name: parse_cell(name, line_no, f, raw[f.name]) for f in fields})
    return raw_rows, rows


def parse_cell(package: str, row: int, f: Field, text: str):
    if text == "":
        return None
    try:
        if f.type == "integer":
            return int(text)
        if f.type == "number":
            return float(text)
    except ValueError:
        raise PortalError(f"'{text}' is not a valid {f.type}", package=package, file="data.csv",
                          row=row, field=f.name) from None
    return text


def table_order(pkg: Package):
    """表1 < 表2 < … < 附表1 < … < 主要指标 / others < key-figures."""
    table = str(pkg.source.get("table", ""))
    m = re.fullmatch(r"(附?)表(\d+)", table)
    if m:
        return (1 if m.group(1) else 0, int(m.group(2)), pkg.name)
    if table == "key-figures":
        return (9, 0, pkg.name)
    return (5, 0, pkg.name)
