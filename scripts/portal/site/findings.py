"""Read quality findings (x-quality entries) for the pages, whatever their shape.

Findings are read only through these functions, so that the site does not depend on how a
finding is stored: today ``{"check": "kind:field:row", "status", "detail"}``; structured
findings (``check`` = the kind, with ``row``, ``field``, ``printed``, ``computed``) work the same.
"""

from __future__ import annotations

import re


def _parts(q: dict) -> tuple[str, str, str]:
    kind, _, rest = str(q.get("check", "")).partition(":")
    field, _, row = rest.partition(":")
    return kind, field, row


def kind_of(q: dict) -> str:
    """The check kind (a key of quality.CHECKS): ``sum``, ``share``, ``formula`` …"""
    return q.get("kind") or _parts(q)[0]


def field_of(q: dict) -> str:
    return str(q["field"]) if "field" in q and q["field"] is not None else _parts(q)[1]


def row_of(q: dict) -> str:
    """The row label the finding is about ("" when it is not about one row)."""
    if "row" in q and q["row"] is not None:
        return str(q["row"])
    kind, _, row = _parts(q)
    return "" if kind == "formula" else row


def passed(q: dict) -> bool:
    return q.get("status") == "pass"


def detail_of(q: dict, titles: dict) -> str:
    """The finding in words, field names (ASCII, e.g. ``market_value_2019``) given as their
    Chinese titles so that a reader sees no internal names."""
    text = str(q.get("detail", ""))
    if not titles:
        return text
    names = sorted(titles, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda m: f"“{titles[m.group(1)]}”", text)
