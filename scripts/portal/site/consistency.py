"""Consistency notes computed from the values a page lists (issue 20): two listed values of
one indicator for the same place, period, part and kind of statement that differ beyond the
precision they are printed with (4.51 % and 4.52 % differ; 3.3 % and 3.33 % do not) are a
note, with both values and their sources. Pure data: indicator_pages.py renders it; the
fact table's acknowledged reasons (x-quality `reason`) are attached where one explains a pair.
"""

from __future__ import annotations

import math
import re

from scripts.portal.texts import Texts
from scripts.portal.site import facts as fx

T = Texts.beside(__file__, "consistency.yaml")
LOWER, UPPER = set(T.data("lower_bounds")), set(T.data("upper_bounds"))
LEVEL = "level"   # observed levels (实际值, 占比, 基数) are compared with each other


def decimals(printed) -> int:
    """Decimals of a number as printed ("4.51" -> 2, "3052.1" -> 1, "48000" -> 0)."""
    m = re.fullmatch(r"-?\d+(?:\.(\d+))?", str(printed or "").replace(",", ""))
    return len(m.group(1) or "") if m else 0


def half_step(fact: dict) -> float:
    """Half the last printed digit, in the fact's canonical unit (printed 9.89 亿 = 98,900 万人:
    half of 0.01 亿 is 50 万人)."""
    value, printed = fact.get("value"), fact.get("value_printed")
    try:
        factor = abs(float(value) / float(printed)) if float(printed) else 1.0
    except (TypeError, ValueError):
        factor = 1.0
    return 0.5 * 10 ** -decimals(printed) * factor


def key_of(fact: dict) -> tuple:
    kind = fact.get("kind") or ""
    return (fact.get("geography") or "", fact.get("period") or "", fact.get("breakdown") or "",
            fact.get("unit") or "", kind if kind in fx.NOT_OBSERVED else LEVEL)


def grouped(values: list) -> dict:
    groups: dict = {}
    for v in values:
        f = v["fact"]
        if isinstance(f.get("value"), (int, float)) and not math.isnan(f["value"]):
            groups.setdefault(key_of(f), []).append(v)
    return groups


def precision_only(values: list) -> list:
    """The groups whose values are printed differently but agree within the coarser precision
    (3.3 % and 3.33 %): a page that shows both says they agree. Same shape as differences()."""
    out = []
    for (geo, period, part, _unit, kind), entries in grouped(values).items():
        nums = [float(e["fact"]["value"]) for e in entries]
        if len(set(nums)) > 1 and agree([e["fact"] for e in entries], bounds=kind != "target"):
            out.append({"geography": geo, "period": period, "breakdown": part, "kind": kind, "entries": entries,
                        "gap": max(nums) - min(nums), "reason": ""})
    return out


def differences(values: list, findings: list = ()) -> list:
    """[{"geography", "period", "breakdown", "kind", "entries": [value entry, ...], "gap",
    "reason"}]: the groups of listed values (fx.values entries) that do not agree."""
    groups = grouped(values)
    reasons = {str(q.get("row") or ""): str(q.get("reason") or "") for q in findings if q.get("reason")}
    out = []
    for (geo, period, part, _unit, kind), entries in groups.items():
        if len(entries) < 2 or agree([e["fact"] for e in entries], bounds=kind != "target"):
            continue
        nums = [float(e["fact"]["value"]) for e in entries]
        kinds = {e["fact"]["kind"] for e in entries}
        reason = next((reasons[f"{geo}|{period}|{k}"] for k in kinds if f"{geo}|{period}|{k}" in reasons), "")
        out.append({"geography": geo, "period": period, "breakdown": part, "kind": kind, "entries": entries,
                    "gap": max(nums) - min(nums), "reason": reason})
    return out


def agree(group: list, bounds: bool = True) -> bool:
    """Whether facts agree: points within the coarser printed precision of each other; with
    `bounds`, a value printed as a bound ("超过 3000") holds for every point."""
    points = [f for f in group if not bounds or (f.get("qualifier") or "") not in LOWER | UPPER]
    nums = [float(f["value"]) for f in points]
    if nums and max(nums) - min(nums) > max(half_step(f) for f in points) + 1e-9 * max(1.0, abs(max(nums))):
        return False
    for b in (f for f in group if f not in points):
        slack, value = half_step(b), float(b["value"])
        if b["qualifier"] in LOWER and any(n < value - slack for n in nums):
            return False
        if b["qualifier"] in UPPER and any(n > value + slack for n in nums):
            return False
    return True


def uncovered(findings: list, notes: list) -> list:
    """The fact table's findings that no computed note already states (a note covers a finding
    about its place and period: row "上海市|2020-12|share" or check "consistency:<id>:上海市:2020-12")."""
    covered = {(n["geography"], n["period"]) for n in notes}

    def where(q):
        row = str(q.get("row") or "").split("|")
        check = str(q.get("check") or "").split(":")
        return tuple(row[:2]) if len(row) >= 2 else tuple(check[2:4]) if len(check) >= 4 else None
    return [q for q in findings if where(q) not in covered]
