"""Key-figure packages: numbers stated in the prose, transcribed by hand, one row per figure."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import PortalError
from ..texts import Texts
from .recipe import load_key_figures

WORDS = Texts.beside(__file__, "key-figures-fields.yaml")  # the fields and the package description
FIELDS = WORDS.data("fields")
COLUMNS = [f["name"] for f in FIELDS]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CAPTION = re.compile(r"^图\s*(\d+)\s+\S")


def figure_captions(lines: list[str]) -> list[dict]:
    """The report's figures (images lost in extraction): id, caption as printed, line.
    The first caption line per number, skipping table-of-contents lines (`图 1 …\t9`)."""
    seen, figures = set(), []
    for number, line in enumerate(lines, start=1):
        match = CAPTION.match(line)
        if not match or "...." in line or re.search(r"\t\d+\s*$", line):
            continue
        fid = f"图{match.group(1)}"
        if fid not in seen:
            seen.add(fid)
            figures.append({"id": fid, "caption": line.strip(), "line": number})
    return figures


def description(report_title: str) -> str:
    """The package description, unless key-figures.yaml gives one for the report."""
    return WORDS("description", title=report_title)


def meta_for(recipes_dir: Path) -> dict:
    return load_key_figures(recipes_dir / "key-figures.yaml")


def transcribed(path: Path) -> bool:
    """The transcription exists and has at least one figure (new-report writes the header only)."""
    return path.exists() and len(path.read_text(encoding="utf-8").strip().splitlines()) > 1


def read_rows(path: Path, package: str) -> list[dict]:
    if not path.exists():
        raise PortalError("key-figure transcription missing", package=package, file=str(path))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise PortalError(f"columns must be {COLUMNS}, found {reader.fieldnames}",
                              package=package, file=path.name)
        rows = list(reader)
    seen = set()
    for number, row in enumerate(rows, start=2):
        if not NUMBER.match(row["value"]):
            raise PortalError(f"value {row['value']!r} is not a number", package=package,
                              file=path.name, row=number, field="value")
        if not row["source_line"].isdigit():
            raise PortalError("source_line must be a line number", package=package,
                              file=path.name, row=number, field="source_line")
        if row["id"] in seen:
            raise PortalError(f"duplicate id {row['id']}", package=package, file=path.name,
                              row=number, field="id")
        seen.add(row["id"])
    return rows
