"""The one ranking of places: a place's rank among the provinces (the 31 province-level
divisions of ranking.yaml) by one measure, largest first. Rows that are not a province (全国,
合计, 其他（未能判明省份）, 未能判明, cities) are never ranked and never counted, so every page
that shows a rank (/comparisons/, the indicator pages) shows the same one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripts.portal.texts import Texts
from scripts.portal.site import charts as ch

T = Texts.beside(__file__, "ranking.yaml")
PROVINCES = {str(k): str(v) for k, v in T.data("provinces").items()}
NAMES = {**{full: full for full in PROVINCES}, **{short: full for full, short in PROVINCES.items()}}
NOISE = re.compile(rf"[\s*⁰¹²³⁴⁵⁶⁷⁸⁹]|[{ch.OPEN}][^{ch.CLOSE}]*[{ch.CLOSE}]")   # footnote marks, a bracketed note


@dataclass
class Placing:
    place: str      # the province's full name
    rank: int       # 1 = largest; equal values share a rank
    of: int         # provinces with a value
    value: float
    top: str        # the first province (full name) and its value
    top_value: float


def province(label) -> str | None:
    """The full name of the province a label names (辽宁, 辽宁省, 辽宁¹), else None."""
    text = NOISE.sub("", str(label or ""))
    return NAMES.get(text)


def placing(points, place: str) -> Placing | None:
    """The rank of `place` (a label naming a province) among the provinces in `points`
    ([(label, value)]; non-provinces and non-numbers dropped; a province given twice keeps its
    first value), or None when `place` has no value there."""
    values: dict = {}
    for label, value in points:
        name = province(label)
        if name and isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
            values.setdefault(name, value)
    mine = province(place)
    if mine not in values:
        return None
    top = max(values, key=lambda n: values[n])
    rank = 1 + sum(1 for v in values.values() if v > values[mine])
    return Placing(mine, rank, len(values), values[mine], top, values[top])
