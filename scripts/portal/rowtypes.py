"""The row types of a table package (docs/conventions.md): the one definition of its data rows.

Every table has a `row_type` column: `data`, `total` (a total row, left out when summing) or
`subrow` (a part of the row above it, see `parent`); a package without the column (key
figures, the fact table) has data rows only. The package model owns this definition
(`model.reader.Package.data_rows` and the writer's schema use it); it is a module of its own,
before the quality checks, because the writer runs the checks to fill `x-quality` (so
`quality.py` may not import the model). Rows are dicts of printed strings or of typed values.
"""

from __future__ import annotations

ROW_TYPES = ("data", "total", "subrow")


def row_type(row: dict) -> str:
    """A row's type; a missing column counts as `data`."""
    return row.get("row_type", "data")


def data_rows(rows: list[dict], *, subrows: bool = True) -> list[dict]:
    """The rows that are not totals; with `subrows=False` also without the sub-rows (what the
    sum and share checks add up: a sub-row is already part of its parent)."""
    if subrows:
        return [r for r in rows if row_type(r) != "total"]
    return [r for r in rows if row_type(r) == "data"]
