"""Find where the reports meet: Liaoning vs national tables, Liaoning's rank in every
province table, and plan baselines against targets. Pure data; pages.py renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts.portal.site import charts as ch
from scripts.portal.site import ranking
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "chart_texts.yaml")

CONFIG = Path(__file__).with_name("comparisons.yaml")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@dataclass
class Pairing:
    title: str
    title_en: str
    left: object        # Package (辽宁)
    right: object       # Package (全国)
    left_series: str
    right_series: str
    unit: str
    noun: str = field(default_factory=lambda: T("compare.noun"))  # what one row is ("应用"), comparisons.yaml
    rows: list = field(default_factory=list)   # {label, left, right, diff}
    chart: ch.Chart = None

    @property
    def identical(self) -> int:
        return sum(1 for r in self.rows if r["diff"] == 0)


@dataclass
class Rank:
    package: object
    field: object
    rank: int
    of: int
    value: float
    top_label: str
    top_value: float


def normalise(label: str) -> str:
    label = re.sub(f"[{SUPERSCRIPTS}]", "", label or "")
    label = re.sub(rf"[{ch.OPEN}][^{ch.CLOSE}]*[{ch.CLOSE}]", "", label)  # a bracketed note
    return re.sub(r"\s+", "", label)


def find(portal, report: str, table: str):
    for pkg in portal.packages:
        if pkg.report.slug == report and pkg.source.get("table") == table:
            return pkg
    return None


def pick_measure(pkg, contains: str):
    fields = [f for f in pkg.content_fields if f.numeric and f.unit == "%"]
    preferred = [f for f in fields if contains and contains in f.title]
    chosen = preferred or fields
    return chosen[-1] if chosen else None


def pairings(portal, config: dict) -> list:
    out = []
    for item in config.get("liaoning_vs_national", []):
        left = find(portal, **{k: item["liaoning"][k] for k in ("report", "table")})
        right = find(portal, **{k: item["national"][k] for k in ("report", "table")})
        if not left or not right:
            continue
        lf, rf = pick_measure(left, item.get("measure_contains")), pick_measure(right, item.get("measure_contains"))
        if not lf or not rf:
            continue
        ldisp, rdisp = ch.shape_of(left), ch.shape_of(right)
        rvals = {normalise(ch.label_of(r, rdisp)): r.get(rf.name) for r in right.data_rows}
        p = Pairing(item["title"], item.get("title_en", ""), left, right, item["liaoning"]["series"],
                    item["national"]["series"], lf.unit, item.get("noun", T("compare.noun")))
        for r in left.data_rows:
            label = ch.label_of(r, ldisp)
            lv, rv = r.get(lf.name), rvals.get(normalise(label))
            if isinstance(lv, (int, float)) and isinstance(rv, (int, float)):
                p.rows.append({"label": label, "left": lv, "right": rv, "diff": round(lv - rv, 2)})
        if p.rows:
            p.rows.sort(key=lambda r: -r["diff"])
            long = [{"label": r["label"], "series": s, "value": v} for r in p.rows
                    for s, v in ((p.left_series, r["left"]), (p.right_series, r["right"]))]
            above = sum(1 for r in p.rows if r["diff"] > 0)
            widest = max(p.rows, key=lambda r: abs(r["diff"]))
            if widest["diff"] == 0:
                desc = T("compare.identical", title=p.title, count=len(p.rows), noun=p.noun)
            else:
                desc = T("compare.description", title=p.title, count=len(p.rows), noun=p.noun, above=above,
                         label=widest["label"], gap=ch.fmt(abs(widest["diff"])),
                         direction=T("compare.higher") if widest["diff"] > 0 else T("compare.lower"))
            p.chart = ch.Chart(f"compare-{len(out) + 1}", p.title, desc,
                               ch.dumbbell(long, [p.left_series, p.right_series], ch.axis_title([lf, rf], lf.unit), desc))
            out.append(p)
    return out


def ranks(portal, highlight: str) -> list:
    """Liaoning's rank among the provinces (ranking.placing) in every province table."""
    out = []
    for pkg in portal.packages:
        disp = ch.shape_of(pkg)
        if disp["shape"] != "provinces":
            continue
        for m in disp["measures"]:
            pts = ch.points(pkg, disp, m)
            mine = next((p["label"] for p in pts if p["label"].startswith(highlight)), None)
            got = ranking.placing([(p["label"], p["value"]) for p in pts], mine) if mine else None
            if got:
                out.append(Rank(pkg, pkg.field(m), got.rank, got.of, got.value, got.top, got.top_value))
    return out


def rank_chart(items: list, highlight: str, short_names: dict = None):
    if not items:
        return None
    short_names = short_names or {}
    rows = [{"label": f"{short_names.get(r.package.report.slug, r.package.report.slug)} "
                      f"{r.package.source.get('table', '')} {r.field.title}", "rank": r.rank, "of": r.of,
             "text": T("compare.rank_text", rank=r.rank, of=r.of)} for r in items]
    best = min(items, key=lambda r: r.rank)
    desc = T("compare.rank_description", place=highlight, count=len(items), field=best.field.title,
             rank=best.rank, of=best.of)
    return ch.Chart("compare-ranks", T("compare.rank_title", place=highlight), desc, ch.rank_dots(rows, desc))


def targets(portal) -> list:
    """Plan tables: [{pkg, base, target, rows: [{label, unit, base, target, progress}]}]."""
    out = []
    for pkg in portal.packages:
        disp = ch.shape_of(pkg)
        if disp["shape"] != "targets":
            continue
        base_f, target_f = pkg.field(disp["measures"][0]), pkg.field(disp["measures"][-1])
        has_unit = any(f.name == "unit" for f in pkg.fields)
        rows = []
        for r in pkg.data_rows:
            b, t = r.get(base_f.name), r.get(target_f.name)
            progress = round(100 * b / t, 1) if isinstance(b, (int, float)) and isinstance(t, (int, float)) and t else None
            rows.append({"label": ch.label_of(r, disp), "unit": (r.get("unit") or "") if has_unit else target_f.unit,
                         "base": b, "target": t, "progress": progress})
        out.append({"pkg": pkg, "base": base_f, "target": target_f, "rows": rows})
    return out


def page_data(portal, highlight: str) -> tuple:
    """The comparisons page's data and its charts (Liaoning vs national, ranks, plan targets)."""
    cfg = load_config()
    found = pairings(portal, cfg)
    ranked = ranks(portal, highlight)
    chart = rank_chart(ranked, highlight, cfg.get("short_names"))
    extra = [p.chart for p in found] + ([chart] if chart else [])
    return {"pairings": found, "ranks": ranked, "rank_chart": chart, "targets": targets(portal)}, extra


def load_config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
