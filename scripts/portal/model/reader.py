"""The one package reader: registry + data packages into plain objects, for validate and the site.

Reads each package the one way every stage relies on: no symlink leaving the packages
directory, the descriptor as strict JSON checked against model/schemas/datapackage.schema.json,
a plain resource file name, size and row bounds, hash and bytes as declared, UTF-8 (a BOM is
accepted and ignored), header equal to the schema, every cell free of control/bidi/zero-width
characters, within the length bound and parsing as its declared type. Anything else is a
PortalError naming package, file, row and field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from scripts.portal.errors import PortalError
from scripts.portal.model.registry import REPORT_KEYS, Report, report_objects  # noqa: F401 (public API)
from scripts.portal.model.schema import MAX_INT, check, parse_json, pattern_risk, read_json, safe_text
from scripts.portal.rowtypes import data_rows

BOOKKEEPING = ("row_type", "parent", "source_line")
MAX_BYTES = 5 * 1024 * 1024   # one data file
MAX_ROWS = 10_000             # rows of one table (pages and downloads stay usable)
MAX_CELL = 1_000              # characters in one cell
DESCRIPTOR = "datapackage.json"
NUMBER = re.compile(r"-?\d+(\.\d+)?")
INTEGER = re.compile(r"-?\d+")
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


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
        """Chinese header with the unit, e.g. ``2020年网民使用率 (%)`` (unless the title has it,
        or the unit varies by row, "见 unit 列": then the unit column says it)."""
        if not self.unit or "列" in self.unit or f"({self.unit})" in self.title.replace(" ", "") or f"（{self.unit}）" in self.title:
            return self.title
        return f"{self.title} ({self.unit})"


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
    def derived(self) -> bool:
        """Built from other packages (the fact table): several reports, no dataset page of its own."""
        return bool(self.source.get("derived"))

    @property
    def kind(self) -> str:
        """'derived', 'key-figures' (numbers stated in a report's prose) or 'table'."""
        if self.derived:
            return "derived"
        return "key-figures" if self.source.get("table") == "key-figures" else "table"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.csv_bytes).hexdigest()

    @property
    def data_rows(self) -> list:
        """Every row but the totals, sub-rows included (rowtypes.data_rows, the one definition)."""
        return data_rows(self.rows)

    @property
    def missing_values(self) -> dict:
        """Printed missing-value markers other than the empty cell -> their meaning
        (Table Schema ``missingValues``: strings, or ``{"value", "label"}`` objects)."""
        return missing_values(self.resource.get("schema", {}))

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


def missing_values(schema: dict) -> dict:
    out = {}
    for item in schema.get("missingValues", [""]):
        value, label = (item.get("value"), item.get("label", "")) if isinstance(item, dict) else (item, "")
        if isinstance(value, str) and value:
            out[value] = str(label or "缺失值")
    return out


def load_portal(packages_dir: Path, accepted=None) -> Portal:
    """Every package of `packages_dir` with its report (see load_package for `accepted`)."""
    packages_dir = Path(packages_dir)
    reports = report_objects(packages_dir)
    by_slug = {r.slug: r for r in reports}
    packages, derived = [], {}
    for desc_path in sorted(packages_dir.glob(f"*/{DESCRIPTOR}")):
        pkg = load_package(desc_path.parent, root=packages_dir, accepted=accepted)
        if pkg.derived:  # e.g. the fact table: many reports, no dataset page of its own
            derived_reports(pkg, by_slug)
            derived[pkg.name] = pkg
            continue
        pkg.report = report_of(pkg, by_slug)
        pkg.report.packages.append(pkg)
        packages.append(pkg)
    if not packages:
        raise PortalError(f"no data packages (*/{DESCRIPTOR}) found in {packages_dir}")
    for r in reports:
        r.packages.sort(key=table_order)
    order = [r.slug for r in reports]
    packages.sort(key=lambda p: (order.index(p.report.slug), table_order(p)))
    return Portal(reports=reports, packages=packages, derived=derived)


def report_of(pkg: Package, by_slug: dict) -> Report:
    """The registry entry a package names in x-source.report (its name must start with that slug)."""
    slug = pkg.source["report"]
    if slug not in by_slug:
        raise PortalError(f"x-source.report {slug!r} is not in reports.json",
                          package=pkg.name, file=DESCRIPTOR, field="x-source.report")
    if not pkg.name.startswith(slug + "-"):
        raise PortalError(f"package name must start with its report slug {slug!r}",
                          package=pkg.name, file=DESCRIPTOR, field="name")
    return by_slug[slug]


def derived_reports(pkg: Package, by_slug: dict) -> list:
    """The registry entries a derived package names in x-source.reports (all must exist)."""
    slugs = pkg.source.get("reports") or []
    unknown = [s for s in slugs if s not in by_slug]
    if not slugs or unknown:
        raise PortalError(f"x-source.reports {unknown or slugs!r}: every report must be in reports.json",
                          package=pkg.name, file=DESCRIPTOR, field="x-source.reports")
    return [by_slug[s] for s in slugs]


def load_reports(path: Path) -> list:
    """The registry at `path` (a reports.json) as Report objects."""
    return report_objects(Path(path).parent)


def load_package(pkg_dir: Path, root: Path | None = None, accepted=None) -> Package:
    """One package directory, checked as the module docstring says; `root` (default: the
    directory holding the package) is the boundary no symlink may leave.

    `accepted(descriptor bytes, data bytes) -> bool` may say that these exact bytes passed
    this very check before (the build's cache records the packages its last build of the same
    code loaded): the JSON Schema check, most of a warm build's reading time, is then not run
    again; every other check is."""
    pkg_dir = Path(pkg_dir)
    name = pkg_dir.name
    root = Path(root) if root is not None else pkg_dir.parent
    inside(pkg_dir, root, name, None)
    inside(pkg_dir / DESCRIPTOR, root, name, DESCRIPTOR)
    desc, data = accepted_bytes(pkg_dir, root, accepted) if accepted else (None, None)
    if desc is None:
        desc = read_json(pkg_dir / DESCRIPTOR, package=name, file=DESCRIPTOR)
        check(desc, "datapackage", package=name, file=DESCRIPTOR)
    if desc["name"] != name:
        raise PortalError(f"package name {desc['name']!r} differs from its directory {name!r}",
                          package=name, file=DESCRIPTOR, field="name")
    res = desc["resources"][0]
    check_references(desc, name)
    data = data if data is not None else read_data(pkg_dir, res, name, root)
    fields = [Field(name=f["name"], title=f["title"], title_en=f.get("title_en", ""),
                    type=f.get("type", "string"), unit=f.get("unit", ""), description=f.get("description", ""))
              for f in res["schema"]["fields"]]
    raw_rows, rows = read_rows(name, data, fields, res["path"], set(missing_values(res["schema"])))
    return Package(name=name, path=pkg_dir, descriptor=desc, fields=fields, rows=rows,
                   raw_rows=raw_rows, csv_bytes=data)


def package_bytes(pkg_dir: Path, root: Path | None = None) -> tuple[bytes, bytes]:
    """(descriptor bytes, data file bytes) of one package, read by load_package's rules that need
    no schema: no symlink out of `root`, strict JSON, a safe relative data path, a plain file
    within the size limit, the declared hash and size. The build's cache fingerprints these
    bytes before loading anything (a package that fails here is not fingerprinted: the full
    build then reports it, located); load_package checks everything else."""
    pkg_dir = Path(pkg_dir)
    name = pkg_dir.name
    root = Path(root) if root is not None else pkg_dir.parent
    inside(pkg_dir, root, name, None)
    inside(pkg_dir / DESCRIPTOR, root, name, DESCRIPTOR)
    try:
        raw = (pkg_dir / DESCRIPTOR).read_bytes()
    except OSError as exc:
        raise PortalError(f"cannot read {DESCRIPTOR}: {exc.strerror}", package=name, file=DESCRIPTOR) from None
    desc = parse_json(raw, package=name, file=DESCRIPTOR)
    res = desc.get("resources") if isinstance(desc, dict) else None
    if not (isinstance(res, list) and res and isinstance(res[0], dict) and isinstance(res[0].get("path"), str)):
        raise PortalError("no resources[0].path (run make validate)", package=name, file=DESCRIPTOR,
                          field="resources[0].path")
    return raw, read_data(pkg_dir, res[0], name, root)


def accepted_bytes(pkg_dir: Path, root: Path, accepted) -> tuple:
    """(descriptor, data bytes) when `accepted` knows these exact bytes (read once: what was
    judged is what is used), else (None, None)."""
    try:
        raw, data = package_bytes(pkg_dir, root)
    except PortalError:
        return None, None
    if not accepted(raw, data):
        return None, None
    return parse_json(raw, package=pkg_dir.name, file=DESCRIPTOR), data


def check_references(desc: dict, name: str) -> None:
    """Field names the descriptor refers to (display, row label, primary key) are fields of its
    table; `pattern` constraints are of a shape that cannot backtrack for minutes."""
    schema = desc["resources"][0]["schema"]
    known = {f["name"] for f in schema["fields"]}
    display = desc.get("x-display", {})
    key = schema.get("primaryKey", [])
    refs = [("x-display.category", display.get("category")), ("x-row-label", desc.get("x-row-label"))]
    refs += [(f"x-display.measures[{i}]", m) for i, m in enumerate(display.get("measures", []))]
    refs += [(f"resources[0].schema.primaryKey", k) for k in ([key] if isinstance(key, str) else key)]
    for where, ref in refs:
        if ref is not None and ref not in known:
            raise PortalError(f"names field {ref!r}, which the table schema does not have", package=name,
                              file=DESCRIPTOR, field=where)
    for index, spec in enumerate(schema["fields"]):
        why = pattern_risk(spec["constraints"]["pattern"]) if "pattern" in spec.get("constraints", {}) else None
        if why:
            raise PortalError(why, package=name, file=DESCRIPTOR,
                              field=f"resources[0].schema.fields[{index}].constraints.pattern")


def inside(path: Path, root: Path, package: str, file: str | None) -> None:
    """Refuse a symlink (the path itself or one of its folders) that leads out of `root`."""
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        raise PortalError("is a symbolic link leading outside the packages directory: refused",
                          package=package, file=file)


def safe_path(path) -> str | None:
    """Why a resource path is refused, or None if it is a plain file name in the package directory."""
    if not isinstance(path, str) or not path:
        return "resource path must be a non-empty string"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", path) or path.startswith("//"):
        return f"resource path {path[:80]!r} is a URL: the build never fetches anything"
    if path.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", path):
        return f"resource path {path[:80]!r} is absolute"
    if ".." in Path(path).parts or ".." in path.split("\\"):
        return f"resource path {path[:80]!r} leaves the package directory"
    if not FILE_NAME.fullmatch(path) or len(path) > 120:
        return f"resource path {path[:80]!r} must be a plain file name (letters, digits, _ . -)"
    return None


def read_data(pkg_dir: Path, res: dict, name: str, root: Path) -> bytes:
    """The data file's bytes: a plain file in the package, within MAX_BYTES, hash and bytes as declared."""
    rel = res["path"]
    why = safe_path(rel)
    if why:
        raise PortalError(why, package=name, file=DESCRIPTOR, field="resources[0].path")
    path = pkg_dir / rel
    inside(path, root, name, rel)
    if not path.is_file():
        raise PortalError("resource file missing", package=name, file=rel)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PortalError(f"file is {size} bytes, over the limit of {MAX_BYTES}", package=name, file=rel)
    if size == 0:
        raise PortalError("file is empty", package=name, file=rel)
    data = path.read_bytes()
    if res.get("hash") and res["hash"].removeprefix("sha256:") != hashlib.sha256(data).hexdigest():
        raise PortalError("hash does not match the file (edited without re-extracting?)", package=name,
                          file=rel, field="hash")
    if res.get("bytes") not in (None, len(data)):
        raise PortalError(f"bytes is {res['bytes']} but the file has {len(data)}", package=name, file=rel)
    return data


def decode(data: bytes, name: str, rel: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PortalError(f"not UTF-8 (GBK or another legacy encoding?) at byte {exc.start}; save as UTF-8",
                          package=name, file=rel, row=data[:exc.start].count(b"\n") + 1) from None


def excerpt(cells: list) -> str:
    """A short, escaped excerpt of a line (never more of a refused file than this)."""
    text = ",".join(cells)
    return ascii(text[:40]) + ("..." if len(text) > 40 else "")


def read_rows(name: str, data: bytes, fields: list, rel: str = "data.csv", missing: set = frozenset()):
    reader = csv.reader(io.StringIO(decode(data, name, rel), newline=""))
    expected = [f.name for f in fields]
    raw_rows, rows = [], []
    try:
        header = next(reader, None)
        if header != expected:
            shown = excerpt(header) if header else "(none)"
            raise PortalError(f"CSV header {shown} differs from the schema fields {','.join(expected)}",
                              package=name, file=rel, row=1)
        for line_no, cells in enumerate(reader, 2):
            if line_no > MAX_ROWS + 1:
                raise PortalError(f"more than {MAX_ROWS:,} rows: split the table", package=name, file=rel)
            if len(cells) != len(fields):
                raise PortalError(f"{len(cells)} cells, expected {len(fields)}", package=name,
                                  file=rel, row=line_no)
            raw = dict(zip(expected, cells))
            raw_rows.append(raw)
            rows.append({f.name: parse_cell(name, line_no, f, "" if raw[f.name] in missing else raw[f.name], rel)
                         for f in fields})
    except csv.Error as exc:
        raise PortalError(f"not a well-formed CSV: {exc}", package=name, file=rel, row=reader.line_num) from None
    return raw_rows, rows


def parse_cell(package: str, row: int, f: Field, text: str, rel: str = "data.csv"):
    where = {"package": package, "file": rel, "row": row, "field": f.name}
    if len(text) > MAX_CELL:
        raise PortalError(f"cell has {len(text):,} characters, over the limit of {MAX_CELL:,}", **where)
    if not safe_text().search(text):
        raise PortalError("cell contains a control, line-separator, bidi-override or zero-width character", **where)
    if text == "":
        return None
    if f.type == "integer":
        if not INTEGER.fullmatch(text):
            raise PortalError(f"{text[:40]!r} is not an integer", **where)
        return bounded(int(text) if len(text) <= 20 else MAX_INT + 1, text, where)
    if f.type == "number":
        if not NUMBER.fullmatch(text):
            raise PortalError(f"{text[:40]!r} is not a number", **where)
        return bounded(float(text), text, where)
    return text


def bounded(value, text: str, where: dict):
    """`value` if JSON, XLSX and SQLite all hold it exactly (finite, within ±MAX_INT), else a
    located PortalError (a 401-digit number would be published as Infinity, a 25-digit integer
    would stop the SQLite writer)."""
    if not abs(value) <= MAX_INT:  # also NaN and infinity
        shown = text[:40] + ("..." if len(text) > 40 else "")
        raise PortalError(f"{shown!r} is outside ±{MAX_INT:,} (the largest number JSON, XLSX and SQLite "
                          "all hold exactly)", **where)
    return value


def table_order(pkg: Package):
    """表1 < 表2 < … < 附表1 < … < 主要指标 / others < key-figures."""
    table = str(pkg.source.get("table", ""))
    m = re.fullmatch(r"(附?)表(\d+)", table)
    if m:
        return (1 if m.group(1) else 0, int(m.group(2)), pkg.name)
    if pkg.kind == "key-figures":
        return (9, 0, pkg.name)
    return (5, 0, pkg.name)
