"""The plan tracker's rows: every target in the fact table (the plan's 主要指标 table and the
quantified targets of its 专栏 and sections; for a registry `plan` indicator whose target is a
growth rate, that rate to the plan's horizon) with its 2020 baseline, the latest later value
found in any report, the progress toward the target and, before the horizon, the annual growth
still needed; after it (the plan's period has ended), whether the target was met.

One definition of progress, used wherever the portal shows one: (latest − baseline) ÷ (target −
baseline), only from a later value of the same indicator (same measure), the same place and the
same unit as the target. A later value of another place (沈阳市) is shown as context, labelled,
never as progress. Two targets for one indicator, place and period that differ are flagged with
the consistency finding that names both. Pure data: indicator_pages.py renders it.
"""

from __future__ import annotations

from scripts.portal.quality import ABOUT, ABOUT_SHARE
from scripts.portal.site import facts as fx
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "indicator_texts.yaml")
RATE_UNITS = tuple(T.data("rates.units"))


def horizon_of(layer) -> int:
    """The plan's horizon: the latest year of its targets (2025)."""
    targets = layer.facts[layer.facts["kind"] == "target"]
    return max((k[0] for k in targets["pkey"]), default=0)


def rows(layer, sources, today=None) -> list:
    """[{"group", "report", "plan" (the plan's own, or another report's), "items": [row]}]: the
    plan (the report stating most targets) first, each in source order; `sources` finds a
    fact's source row; `today` (a date) tells whether the plan's horizon has passed."""
    groups: dict = {}
    targets = layer.facts[layer.facts["kind"] == "target"]
    horizon = horizon_of(layer)
    ended = today is not None and today.year > horizon
    plan = targets["report"].mode().iloc[0] if len(targets) else ""
    for ind in layer.indicators:
        df = layer.facts_of(ind["id"])
        goals = df[df["kind"] == "target"]
        if goals.empty and ind.get("plan"):  # a plan target stated as a growth rate to the plan's horizon
            goals = df[(df["kind"] == "growth") & df["pkey"].map(lambda k: k[0] == horizon)]
        for v in fx.values(goals):
            t = v["fact"]
            item = tracked(ind, df, t, ended)
            item["also"] = v["sources"][1:]
            item["conflict"] = conflict_of(layer, ind, t)
            groups.setdefault((t["report"], group_of(t, sources)), []).append(item)

    def where(item):
        return int(item["target"]["source_line"] or 0)

    out = [{"group": name, "report": report, "plan": report == plan, "items": sorted(items, key=where)}
           for (report, name), items in groups.items()]
    return sorted(out, key=lambda g: (not g["plan"], g["report"], min(where(i) for i in g["items"])))


def group_of(fact: dict, sources) -> str:
    """The plan table's name (主要指标) or the key figure's section (专栏 3 …)."""
    pkg, row = sources(fact)
    if pkg is None:
        return fact["source_package"]
    if row is not None and row.get("section"):
        return str(row["section"])
    return str(pkg.source.get("caption") or pkg.source.get("table") or pkg.title)


def conflict_of(layer, ind: dict, t: dict) -> dict | None:
    """The consistency finding about this target's indicator, place, period and kind, when the
    sources state it differently (互联网医院 80 vs 50左右; 二级节点 30 vs 20以上)."""
    row = "|".join((t["geography"], t["period"], t["kind"]))
    return next((q for q in layer.findings_of(ind["id"]) if q.get("row") == row), None)


def tracked(ind: dict, df, t: dict, ended: bool = False) -> dict:
    geo, unit = t["geography"], t["unit"]
    base = baseline(df, t)
    later = latest_after(df, t, base)
    same_place = later is not None and later["geography"] == geo and later["unit"] == unit
    start = later if same_place else base
    return {"indicator": ind, "target": t, "baseline": base, "latest": later, "same_place": same_place,
            "progress": progress(base, later, t) if same_place and t["kind"] == "target" else None,
            "status": status(base, later if same_place else None, t) if ended else None,
            "needed": None if ended or start is None or start["unit"] != unit else needed(start, t)}


def status(base: dict | None, later: dict | None, t: dict) -> str:
    """After the plan's horizon: `met` (the latest same-place value reaches the target),
    `not_met` (a value of the horizon year or later falls short), `short` (the latest value,
    from before the horizon, falls short: no value for the end of the period), `no_data` (no
    same-place value after the baseline), `growth` (a target stated as a growth rate: compared
    with no level)."""
    if t["kind"] != "target":
        return "growth"
    if later is None:
        return "no_data"
    goal, now = float(t["value"]), float(later["value"])
    lower = base is not None and float(base["value"]) > goal  # a target to come down to
    q = t.get("qualifier") or ""
    if q in ABOUT:
        goal = goal * (1 + ABOUT_SHARE) if lower else goal * (1 - ABOUT_SHARE)
    reached = now <= goal if lower else now >= goal
    if reached:
        return "met"
    return "not_met" if later["pkey"][0] >= t["pkey"][0] else "short"


def baseline(df, t: dict) -> dict | None:
    """The baseline of the target's place, in its unit (the same package's first)."""
    b = df[(df["kind"] == "baseline") & (df["geography"] == t["geography"]) & (df["unit"] == t["unit"])
           & df["value"].notna()]
    if b.empty:
        return None
    b = b.assign(same=(b["source_package"] != t["source_package"]).astype(int)).sort_values(["same", "row"])
    return b.iloc[0].drop("same").to_dict()


def latest_after(df, t: dict, base: dict | None) -> dict | None:
    """The latest level value after the baseline year (2020 when there is none): of the
    target's place when there is one, else of any other place."""
    since = (fx.year_of(base["period"]) if base else None) or 2020
    lv = fx.level_facts(df, t["unit"])
    lv = lv[(lv["unit"] == t["unit"]) & (lv["kind"] != "baseline") & lv["pkey"].map(lambda k: k[0] > since)]
    if lv.empty:
        return None
    mine = lv[lv["geography"] == t["geography"]]
    pick = mine if len(mine) else lv
    return pick.loc[pick["pkey"].idxmax()].to_dict()


def progress(base: dict | None, later: dict, t: dict) -> float | None:
    """Share of the way from the baseline to the target (of the target itself without a
    baseline), in %."""
    goal, now = float(t["value"]), float(later["value"])
    if base is not None and float(t["value"]) != float(base["value"]):
        b = float(base["value"])
        return round(100 * (now - b) / (goal - b), 1)
    return round(100 * now / goal, 1) if goal else None


def needed(start: dict, t: dict) -> dict | None:
    """Annual change still needed from `start` to reach the target in its year:
    percentage points a year for rates, compound growth in % otherwise."""
    y0, y1 = fx.year_of(start["period"]), fx.year_of(t["period"])
    if not y0 or not y1 or y1 <= y0:
        return None
    a, b, years = float(start["value"]), float(t["value"]), y1 - y0
    if t["unit"] in RATE_UNITS:
        return {"value": round((b - a) / years, 2), "unit": T("rates.points_per_year"), "from": start["period"], "years": years}
    if a <= 0 or b <= 0:
        return None
    return {"value": round(100 * ((b / a) ** (1 / years) - 1), 1), "unit": T("rates.percent_per_year"), "from": start["period"],
            "years": years}
