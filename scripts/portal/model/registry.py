"""The report registry: every source document described once (datapackages/reports.json).

The one loader every stage uses (extract, validate, site): read as strict JSON, checked
against model/schemas/reports.schema.json, slugs unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import PortalError
from .schema import check, read_json

FILE = "reports.json"


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


REPORT_KEYS = tuple(f.name for f in fields(Report) if f.name != "packages")


def read_registry(packages_dir: Path) -> list[dict]:
    """The registry's entries as validated dicts, in file order."""
    path = Path(packages_dir) / FILE
    if not path.is_file():
        raise PortalError("report registry missing", file=str(path))
    if path.is_symlink() and not path.resolve().is_relative_to(Path(packages_dir).resolve()):
        raise PortalError("is a symbolic link leading outside the packages directory: refused", file=FILE)
    entries = read_json(path, file=FILE)
    check(entries, "reports", file=FILE)
    seen = {}
    for row, entry in enumerate(entries, start=1):
        if entry["slug"] in seen:
            raise PortalError(f"slug {entry['slug']!r} already used by entry {seen[entry['slug']]}",
                              file=FILE, row=row, field="slug")
        seen[entry["slug"]] = row
    return entries


def load_reports(packages_dir: Path) -> dict[str, dict]:
    """slug -> registry entry (a dict with every key of the file), for the extraction."""
    return {entry["slug"]: entry for entry in read_registry(packages_dir)}


def report_objects(packages_dir: Path) -> list[Report]:
    """The registry as Report objects (url "" when null), for the site and validation."""
    return [Report(**{k: "" if e[k] is None else e[k] for k in REPORT_KEYS}) for e in read_registry(packages_dir)]
