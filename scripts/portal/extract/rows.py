"""Turn source text into table rows by following a recipe.

A recipe says where the rows are (line ranges), how a line splits into cells,
which printed labels are totals or sub-rows, and how cells map to fields.
Cell values are kept as printed; only thousands separators and `%` signs are
normalised. A printed missing-value marker ("-", "未透露", …) is kept as printed when the
recipe names its meaning (`missing_values: {"-": 该期未统计}`, published as Table Schema
`missingValues`); an undeclared marker is an error, so that no blank hides what was printed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import PortalError
from ..texts import Texts
from .recipe import Recipe

WORDS = Texts.beside(__file__, "rows.yaml")  # the printed missing-value markers
MISSING = set(WORDS.data("missing_markers"))
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def read_source(path: Path) -> list[str]:
    if not path.exists():
        raise PortalError(f"source text not found: {path} (set PORTAL_SOURCES)", file=str(path))
    return path.read_text(encoding="utf-8").splitlines()


def split_line(line: str, how: str) -> list[str]:
    """Split one printed table line into cells."""
    if how == "tab":
        cells = line.split("\t")
    elif how == "spaces":
        cells = re.split(r"\t+| {2,}", line.strip())
    elif how.startswith("rsplit:"):
        cells = line.strip().rsplit(None, int(how.split(":", 1)[1]))
    elif how.startswith("regex:"):
        match = re.match(how.split(":", 1)[1], line.strip())
        if not match:
            return []
        cells = list(match.groups())
    else:
        raise PortalError(f"unknown split {how!r}")
    return [c.strip() for c in cells]


def missing_marker(cell: str, declared: dict, *, recipe: str, line: int, field: str) -> str | None:
    """The printed marker if `cell` is a missing-value marker ("" for an empty cell), else None."""
    if cell == "":
        return ""
    if cell not in MISSING:
        return None
    if cell not in declared:
        raise PortalError(f"cell {cell!r} is a missing-value marker the recipe does not explain: "
                          f"add it to missing_values with its meaning", package=recipe, row=line,
                          field=field, file="source line")
    return cell


def clean_number(text: str, *, recipe: str, line: int, field: str, declared: dict | None = None) -> str:
    """Normalise a printed number: drop separators and `%`, keep printed decimals."""
    value = text.replace(",", "").replace("，", "").replace(" ", "").rstrip("%％")
    marker = missing_marker(value, declared or {}, recipe=recipe, line=line, field=field)
    if marker is not None:
        return marker
    if not NUMBER.match(value):
        raise PortalError(f"cell {text!r} is not a number", package=recipe,
                          row=line, field=field, file="source line")
    return value


def row_lines(recipe: Recipe) -> list[int]:
    """Line numbers (1-based) holding rows, in printed order."""
    skip = set(recipe.skip)
    joined = {b for _, b in recipe.join}
    numbers = []
    for first, last in recipe.rows:
        numbers.extend(n for n in range(first, last + 1) if n not in skip and n not in joined)
    return numbers


def line_cells(recipe: Recipe, lines: list[str], number: int) -> list[str] | None:
    overrides = {int(k): v for k, v in recipe.cells.items()}
    if number in overrides:
        return [str(c) for c in overrides[number]]
    text = lines[number - 1]
    for a, b in recipe.join:
        if a == number:
            text = text.rstrip() + recipe.join_with + lines[b - 1].strip()
    if not text.strip():
        return None
    return split_line(text, recipe.split)


def extract_rows(recipe: Recipe, lines: list[str]) -> list[dict]:
    """Rows as dicts of strings (fields in recipe order, plus row_type/parent/source_line)."""
    fields = recipe.fields
    label = recipe.label
    totals = set(recipe.totals)
    subrow_parents = {int(k): v for k, v in recipe.subrows.items()}
    group_field = recipe.group_field
    group = ""
    rows, last_parent = [], ""
    for number in row_lines(recipe):
        cells = line_cells(recipe, lines, number)
        if cells is None:
            continue
        value_fields = [f for f in fields if f["name"] != group_field and not f.get("derived")]
        if group_field and len(cells) == 1:
            group = cells[0]
            continue
        if len(cells) > len(value_fields) and all(c == "" for c in cells[len(value_fields):]):
            cells = cells[:len(value_fields)]
        if len(cells) != len(value_fields):
            raise PortalError(f"line has {len(cells)} cells, recipe expects {len(value_fields)}: {cells}",
                              package=recipe.name, file="source line", row=number)
        row = {}
        declared = recipe.missing_values
        for spec, cell in zip(value_fields, cells):
            if spec.get("type", "string") == "string":
                marker = None if spec["name"] == label else missing_marker(
                    cell, declared, recipe=recipe.name, line=number, field=spec["name"])
                row[spec["name"]] = cell if marker is None else marker
            else:
                row[spec["name"]] = clean_number(cell, recipe=recipe.name, line=number, field=spec["name"],
                                                 declared=declared)
        if group_field:
            row[group_field] = group
        for spec in fields:
            if spec.get("derived"):
                row[spec["name"]] = derive(spec, row)
        printed_label = row.get(label, "")
        if number in subrow_parents:
            row_type, parent = "subrow", subrow_parents[number]
        elif printed_label == "" and recipe.empty_label_is_subrow:
            row_type, parent = "subrow", last_parent
        elif printed_label in totals:
            row_type, parent = "total", ""
        else:
            row_type, parent = "data", ""
            last_parent = printed_label
        row.update(row_type=row_type, parent=parent, source_line=str(number))
        rows.append(row)
    if not rows:
        raise PortalError("recipe found no rows", package=recipe.name)
    return rows


SUPERSCRIPT_DIGITS = str.maketrans(SUPERSCRIPTS, "0123456789")


def derive(spec: dict, row: dict) -> str:
    """A companion of a printed cell: a number where it is definite (`13.4亿元` -> 13.4), a
    clean label without its footnote mark (`网络直播 ³⁷` -> 网络直播), or the footnote
    reference itself (`superscript_digits: true`: ³⁷ -> 37)."""
    match = re.search(spec["pattern"], row.get(spec["from"], ""))
    if not match:
        return ""
    value = match.group(1).replace(",", "").strip()
    return value.translate(SUPERSCRIPT_DIGITS) if spec.get("superscript_digits") else value
