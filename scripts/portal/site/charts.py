"""Chart chooser, Altair specs, and static SVG/PNG rendering with a cache keyed by spec hash.

``choose(pkg)`` picks chart types from the table's shape (x-display, else guessed from
the schema): ranked bars for provinces (辽宁 highlighted), grouped bars for two periods,
share bars for compositions, progress bars for targets, ranked bars otherwise. Totals are
left out of bars. Every chart carries a one-sentence Chinese ``description``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.portal import settings
from scripts.portal.model.reader import Package
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "chart_texts.yaml")   # every word a reader sees in a chart
WORDS = T.data("vocabulary")     # what the charts recognise in printed titles and units
OPEN = "".join(re.escape(o) for o, _ in WORDS["brackets"])    # regex class bodies: ( （ and ) ）
CLOSE = "".join(re.escape(c) for _, c in WORDS["brackets"])
TIDY = rf"[\d\u3000-\u9fff{re.escape(WORDS['layout_joiners'])}]"
LAYOUT_SPACE = re.compile(rf"(?<={TIDY})\s+(?={TIDY})")

VL_VERSION = "6.4"
FONT = "Noto Sans CJK SC"
FONT_STACK = f"'{FONT}', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
BASE = "#4c78a8"
HIGHLIGHT = "#d9480f"
BAR_STEP = 20
WIDTH = 560
MAX_BARS = 40
MAX_CHART_ROWS = 200   # a table with more data rows is not charted (the page says so)
HIGHLIGHT_DEFAULT = settings.highlight()


@dataclass
class Chart:
    id: str            # file stem under assets/charts/
    title: str
    description: str   # one sentence for screen readers
    spec: dict
    png: bool = False  # set by render() when a PNG was written
    width: int = 0     # the static SVG's size in CSS pixels, once rendered (0: not known)
    height: int = 0
    label: str = ""    # words printed beside a chart drawn without axes (a sparkline: whose, when)

    @property
    def hash(self) -> str:
        canon = json.dumps(self.spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- chooser

def shape_of(pkg: Package) -> dict:
    """x-display completed from the schema: shape, category, measures, highlight."""
    disp = dict(pkg.display or {})
    content = pkg.content_fields
    if not disp.get("category"):
        strings = [f.name for f in content if not f.numeric]
        disp["category"] = strings[0] if strings else content[0].name
    if not disp.get("measures"):
        disp["measures"] = [f.name for f in content if f.numeric][:2]
    if not disp.get("shape"):  # a table that declares a place to highlight lists places
        disp["shape"] = "provinces" if disp.get("highlight") else "categories"
    spec = next((f for f in pkg.resource.get("schema", {}).get("fields", []) if f.get("name") == disp["category"]), {})
    if (spec.get("x-derived") or {}).get("pattern"):  # a clean label derived from the printed one
        disp.setdefault("clean", spec["x-derived"]["pattern"])
    return disp


def too_long_to_chart(pkg: Package) -> bool:
    """Tables over MAX_CHART_ROWS data rows get no chart (key figures chart their top MAX_BARS)."""
    return pkg.kind != "key-figures" and len(pkg.data_rows) > MAX_CHART_ROWS


def choose(pkg: Package) -> list:
    if too_long_to_chart(pkg):
        return []
    disp = shape_of(pkg)
    maker = {"provinces": provinces, "periods": periods, "composition": composition,
             "targets": targets, "key-figures": key_figures}.get(disp["shape"], categories)
    charts = maker(pkg, disp)
    if not charts:  # nothing chartable in the preferred form: fall back to ranked bars
        charts = categories(pkg, disp)
    for i, c in enumerate(charts, 1):
        c.id = f"{pkg.name}-{i}"
    return charts


SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


def label_of(row: dict, disp: dict) -> str:
    """A row's label for charts: the category cell without footnote marks (the printed label
    keeps them; packages with marks carry a clean label field, this is the safety net)."""
    value = row.get(disp["category"])
    text = "" if value is None else str(value)
    if row.get("row_type") == "subrow" and row.get("parent"):
        if not text:  # a sub-row without its own label: name it by its first other text cell
            text = next((str(v) for k, v in row.items() if isinstance(v, str) and v and k not in
                         ("row_type", "parent", disp["category"])), T("subrow"))
        parent = str(row["parent"])
        m = re.search(disp["clean"], parent) if disp.get("clean") else None
        text = T("subrow_label", parent=m.group(1) if m else parent, label=text)
    return tidy(SUPERSCRIPT.sub(" ", text))


def tidy(text: str) -> str:
    """Spaces of the printed layout dropped between Chinese characters and digits:
    "2019 年 12 月末 市值" -> "2019年12月末市值" (Latin words keep theirs)."""
    text = " ".join(str(text).split())
    return LAYOUT_SPACE.sub("", text)


# ---------------------------------------------------------------- units and titles

PERIOD = re.compile(WORDS["period"])


def unit_in_title(title: str, unit: str) -> bool:
    return bool(unit) and any(f"{o}{unit}{c}" in title.replace(" ", "") for o, c in WORDS["brackets"])


def bare_title(f) -> str:
    """The field title without a unit already printed in it, layout spaces dropped:
    "2019 年 12 月末 市值 (亿元)" -> "2019年12月末市值"."""
    title = f.title
    if f.unit:
        title = re.sub(rf"\s*[{OPEN}]\s*{re.escape(f.unit)}\s*[{CLOSE}]\s*$", "", title)
    return tidy(title.strip() or f.title)


def period_words(title: str) -> str:
    """The period a title names: "2019年12月末市值" -> "2019年12月末"; "2020.3 网民使用率" -> "2020.3"."""
    m = PERIOD.search(title)
    return tidy(m.group(0)) if m else title


def measure_words(title: str) -> str:
    """What a title measures, without its period: "2020.12 手机网民使用率" -> "手机网民使用率"."""
    return " ".join(PERIOD.sub(" ", title).split()).strip(WORDS["title_trim"])


def concrete_unit(f) -> str | None:
    """The field's unit, or None when the unit varies by row ("见 unit 列")."""
    return None if (not f.unit or WORDS["varies_by_row"] in f.unit) else f.unit


def row_unit(pkg, f, row: dict) -> str:
    unit = concrete_unit(f)
    if unit is None and any(x.name == "unit" for x in pkg.fields):
        return str(row.get("unit") or "")
    return unit or ""


def axis_title(fields, unit: str = "") -> str:
    """One axis title for fields sharing a unit: the words they have in common (periods left
    out), and the unit once: ["2019 年 12 月末 市值 (亿元)", "2020 年 …"] -> "市值 (亿元)"."""
    words = [measure_words(bare_title(f)) for f in fields]
    name = words[0] if words and all(w == words[0] for w in words) and words[0] else ""
    name = name or (bare_title(fields[0]) if len(fields) == 1 else T("value"))
    return T("with_unit", name=name, unit=unit) if unit else name


def magnitude_labels(unit: str) -> bool:
    """Axis labels in 万/亿 only for a base unit (个, 元, Mbps …), not for 万人, 亿元 or %."""
    return bool(unit) and unit[0] not in WORDS["scaled_prefixes"] and WORDS["rate"] not in unit


def fmt_cn(v, unit: str = "") -> str:
    """A value the Chinese way for labels: 387508224 -> 3.875亿; 50877 -> 5.088万."""
    if isinstance(v, (int, float)) and magnitude_labels(unit) and abs(v) >= 1e4:
        scale, word = (1e8, WORDS["hundred_million"]) if abs(v) >= 1e8 else (1e4, WORDS["ten_thousand"])
        return f"{v / scale:.4g}{word}"
    return fmt(v)


# ---------------------------------------------------------------- chart makers

def is_highlight(label: str, disp: dict) -> bool:
    """辽宁 (or the table's highlight) wherever it is the place a label names."""
    target = disp.get("highlight") or HIGHLIGHT_DEFAULT
    return bool(target) and (label == target or label.startswith(target + WORDS["province"])
                             or (disp.get("shape") == "provinces" and label.startswith(target)))


def points(pkg: Package, disp: dict, measure: str) -> list:
    """(label, value, unit) for data rows (totals left out) that have a value."""
    f = pkg.field(measure)
    out = []
    for r in pkg.data_rows:
        v = r.get(measure)
        if isinstance(v, (int, float)):
            out.append({"label": label_of(r, disp), "value": v, "unit": row_unit(pkg, f, r)})
    return out


def fmt(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}"


def ranked_points(pkg, disp, measure, highlight: bool = True, limit: int | None = None) -> list:
    """The measure's points, largest first, each marked whether it is the highlighted label."""
    pts = sorted(points(pkg, disp, measure), key=lambda p: -p["value"])[:limit]
    for p in pts:
        p["highlight"] = highlight and is_highlight(p["label"], disp)
        p["text"] = fmt_cn(p["value"], p["unit"])
    return pts


def by_unit(pts: list) -> dict:
    groups = {}
    for p in pts:
        groups.setdefault(p["unit"], []).append(p)
    return groups


def chart_title(pkg, f, suffix: str = "", unit: str = "") -> str:
    """Whole field title with its unit once ("金额（万元）"); a title that is only a period
    ("2020.12") gets the table title in front."""
    words = measure_words(bare_title(f))
    base = bare_title(f) if words else T("table_and_field", table=tidy(pkg.title), field=bare_title(f))
    return (T("title_with_unit", title=base, unit=unit) if unit and words else base) + suffix


def ranked_charts(pkg, disp, measures, suffix, describe, labels=False) -> list:
    """One ranked-bar chart per measure (largest first); `describe(field, points, unit)` is the
    chart's one-sentence finding."""
    out = []
    for m in measures:
        f = pkg.field(m)
        pts = ranked_points(pkg, disp, m)
        if not pts:
            continue
        unit = pts[0]["unit"]
        desc = describe(f, pts, unit)
        out.append(Chart("", chart_title(pkg, f, suffix, unit), desc,
                         ranked_bars(pts, axis_title([f], unit), desc, unit, labels=labels)))
    return out


def provinces(pkg, disp):
    disp = {**disp, "highlight": disp.get("highlight") or HIGHLIGHT_DEFAULT}

    def describe(f, pts, unit):
        rank = next((i for i, p in enumerate(pts, 1) if p["highlight"]), None)
        where = (T("provinces.rank", place=disp["highlight"], rank=rank, value=fmt(pts[rank - 1]["value"]), unit=unit)
                 if rank else T("provinces.absent", place=disp["highlight"]))
        return T("provinces.description", table=pkg.title, measure=bare_title(f), unit_or_none=unit or T("no_unit"),
                 count=len(pts), where=where, top=pts[0]["label"], top_value=fmt(pts[0]["value"]), unit=unit)
    return ranked_charts(pkg, disp, disp["measures"][:3], T("provinces.title_suffix"), describe)


def categories(pkg, disp):
    """Ranked bars per measure; a measure whose unit varies by row gets one chart per unit."""
    charts = []
    for m in disp["measures"][:2]:
        f = pkg.field(m)
        for unit, pts in list(by_unit(ranked_points(pkg, disp, m, limit=MAX_BARS)).items())[:3]:
            if not pts or (len(pts) < 2 and concrete_unit(f) is None):
                continue
            desc = T("categories.description", table=pkg.title, measure=bare_title(f),
                     unit_or_none=unit or T("no_unit"), count=len(pts), top=pts[0]["label"],
                     top_value=fmt(pts[0]["value"]), unit=unit)
            title = chart_title(pkg, f, unit=unit)
            charts.append(Chart("", title, desc, ranked_bars(pts, axis_title([f], unit), desc, unit)))
    return charts


def composition(pkg, disp):
    has_total = any(r.get("row_type") == "total" for r in pkg.rows)

    def describe(f, pts, unit):
        return T("composition.description", table=pkg.title, measure=bare_title(f), unit_or_none=unit or T("no_unit"),
                 total_note=T("composition.total_left_out") if has_total else "", top=pts[0]["label"],
                 top_value=fmt(pts[0]["value"]), unit=unit)
    return ranked_charts(pkg, disp, disp["measures"][:1], T("composition.title_suffix"), describe, labels=True)


SPREAD = 1000   # rows of one unit whose values differ more than this are not drawn on one scale


def readable_on_one_axis(values: list) -> bool:
    positive = [abs(v) for v in values if v]
    return not positive or max(positive) / min(positive) <= SPREAD


def periods(pkg, disp):
    """Two or more periods of the same measure. Grouped bars when every row has the same unit
    and similar magnitudes; otherwise the change between the first and last period (one unit:
    %), or, when that cannot be computed, one small panel per row with its own scale."""
    fields = [pkg.field(m) for m in disp["measures"]]
    rows = [r for r in pkg.data_rows if any(isinstance(r.get(f.name), (int, float)) for f in fields)]
    units = {row_unit(pkg, fields[-1], r) for r in rows}
    values = [r.get(f.name) for r in rows for f in fields if isinstance(r.get(f.name), (int, float))]
    if len(fields) < 2 or not rows:
        return categories(pkg, {**disp, "measures": disp["measures"][-1:]})
    if len(units) == 1 and readable_on_one_axis(values):
        return [grouped_periods(pkg, disp, fields, units.pop())]
    change = period_change(pkg, disp, fields[0], fields[-1], len(units) > 1)
    return [change] if change else [panels(pkg, disp, fields)]


def grouped_periods(pkg, disp, fields, unit):
    order = [p["label"] for p in sorted(points(pkg, disp, fields[-1].name), key=lambda p: -p["value"])]
    series = [bare_title(f) for f in fields]
    rows = [{"label": p["label"], "series": s, "value": p["value"], "text": fmt_cn(p["value"], unit),
             "highlight": is_highlight(p["label"], disp)}
            for f, s in zip(fields, series) for p in points(pkg, disp, f.name)]
    top = order[0] if order else rows[0]["label"]
    desc = T("periods.description", table=pkg.title, series=T("and").join(series), unit_or_none=unit or T("no_unit"),
             count=len({r["label"] for r in rows}), last=series[-1], top=top)
    title = T("list").join(series) if len(series) <= 2 else axis_title(fields)
    return Chart("", title, desc, grouped_bars(rows, order, series, axis_title(fields, unit), desc, unit))


def period_change(pkg, disp, old_f, new_f, mixed_units: bool):
    """Change in % from old_f to new_f for every row with both values (old ≠ 0)."""
    pts = []
    for r in pkg.data_rows:
        o, n = r.get(old_f.name), r.get(new_f.name)
        if isinstance(o, (int, float)) and isinstance(n, (int, float)) and o:
            change = round((n - o) / abs(o) * 100, 1)
            label = label_of(r, disp)
            pts.append({"label": label, "value": change, "text": f"{change:+.1f}%", "unit": "%",
                        "highlight": is_highlight(label, disp), "old": o, "new": n,
                        "row_unit": row_unit(pkg, new_f, r)})
    if len(pts) < 2:
        return None
    pts.sort(key=lambda p: -p["value"])
    old_t, new_t = period_words(bare_title(old_f)), period_words(bare_title(new_f))
    what = measure_words(bare_title(new_f))
    why = (T("change.mixed_units", units=T("list").join(dict.fromkeys(p["row_unit"] for p in pts if p["row_unit"])))
           if mixed_units else T("change.spread"))
    low = pts[-1]
    tail = (T("change.low", which=T("change.fell_most") if low["value"] < 0 else T("change.grew_least"),
              label=low["label"], change=low["text"]) if low is not pts[0] else T("change.end"))
    desc = T("change.description", table=pkg.title, why=why, measure=what, old=old_t, new=new_t, count=len(pts),
             top=pts[0]["label"], top_change=pts[0]["text"], low=tail)
    title = T("change.title", measure=T("change.title_measure", measure=what) if what else "", old=old_t, new=new_t)
    return Chart("", title, desc, change_bars(pts, T("change.axis", old=old_t, new=new_t), desc))


def panels(pkg, disp, fields):
    """One small panel per row, each with its own scale and unit."""
    rows = []
    for r in pkg.data_rows:
        label = label_of(r, disp)
        unit = row_unit(pkg, fields[-1], r)
        for f in fields:
            v = r.get(f.name)
            if isinstance(v, (int, float)):
                rows.append({"panel": f"{label} ({unit})" if unit else label, "series": bare_title(f),
                             "value": v, "text": fmt_cn(v, unit), "highlight": is_highlight(label, disp)})
    desc = T("panels.description", table=pkg.title, series=T("and").join(bare_title(f) for f in fields),
             count=len({r["panel"] for r in rows}))
    return Chart("", T("panels.title", table=pkg.title), desc,
                 small_multiples(rows, [bare_title(f) for f in fields], desc))


def targets(pkg, disp):
    base_m, target_m = disp["measures"][0], disp["measures"][-1]
    rows = []
    for r in pkg.data_rows:
        b, t = r.get(base_m), r.get(target_m)
        if isinstance(b, (int, float)) and isinstance(t, (int, float)) and t:
            label = label_of(r, disp)
            value = round(100 * b / t, 1)
            rows.append({"label": label, "value": value, "text": fmt(value), "baseline": b, "target": t,
                         "unit": "%", "row_unit": row_unit(pkg, pkg.field(target_m), r),
                         "highlight": is_highlight(label, disp)})
    if not rows:
        return []
    rows.sort(key=lambda p: -p["value"])
    bf, tf = pkg.field(base_m), pkg.field(target_m)
    desc = T("targets.description", table=pkg.title, count=len(rows), base=bf.title, target=tf.title,
             top=rows[0]["label"], top_value=fmt(rows[0]["value"]), last=rows[-1]["label"],
             last_value=fmt(rows[-1]["value"]))
    return [Chart("", T("targets.title", base=bf.title, target=tf.title), desc,
                  progress_bars(rows, bf.title, tf.title, desc))]


def key_figures(pkg, disp):
    by_unit_rows = {}
    for r in pkg.data_rows:
        if isinstance(r.get("value"), (int, float)):
            by_unit_rows.setdefault(r.get("unit") or "", []).append(r)
    if not by_unit_rows:
        return []
    unit = "%" if len(by_unit_rows.get("%", [])) >= 2 else max(by_unit_rows, key=lambda u: len(by_unit_rows[u]))
    geos = [str(r.get("geography") or "") for r in by_unit_rows[unit]]
    usual = max(set(geos), key=geos.count)   # the report's own place: bars of another place name theirs
    pts, seen = [], {}
    for r in by_unit_rows[unit]:
        label = SUPERSCRIPT.sub("", str(r.get("indicator_simplified") or r.get("indicator") or r.get("id")))
        geo = str(r.get("geography") or "")
        if geo and geo != usual and not label.startswith(geo):
            label = T("key_figures.place", place=geo, label=label)
        if r.get("period"):
            label += T("key_figures.period", period=r["period"])
        if seen.get(label) == r["value"]:
            continue  # the same figure stated again elsewhere in the text: one bar
        if label in seen:  # same words, another value: each bar needs its own label
            label += T("key_figures.line", line=r.get("source_line"))
        seen[label] = r["value"]
        if len(pts) == MAX_BARS:
            break
        pts.append({"label": label, "value": r["value"], "text": fmt_cn(r["value"], unit), "unit": unit,
                    "highlight": is_highlight(geo, {}), "geo": geo})
    pts.sort(key=lambda p: -p["value"])
    mine = sum(1 for p in pts if p["highlight"])
    if mine == len(pts):  # every figure is Liaoning's: colouring all of them says nothing
        for p in pts:
            p["highlight"] = False
        mine = 0
    desc = T("key_figures.description", report=pkg.report.title, unit=unit or T("none"), count=len(pts),
             top=pts[0]["label"], top_value=fmt(pts[0]["value"]), unit_after=unit,
             mine=T("key_figures.mine", count=mine, place=HIGHLIGHT_DEFAULT) if mine else T("key_figures.end"))
    x_title = T("with_unit", name=T("value"), unit=unit) if unit else T("value")
    return [Chart("", T("key_figures.title", unit=unit or T("none")), desc,
                  ranked_bars(pts, x_title, desc, unit, labels=True))]


# ---------------------------------------------------------------- Altair specs

@functools.lru_cache(maxsize=1)
def altair():
    """Altair, imported on first use (a build with nothing to chart does not load it), with its
    debug mode off: in debug mode every Altair object validates itself against the Vega-Lite
    schema as it is made (a third of a chart's build time); the specs are the same, and every
    chart of the portal is validated once, in tests/test_site_charts.py."""
    import altair as alt
    from altair.utils import schemapi

    schemapi.disable_debug_mode()
    return alt


WRAP = 24          # characters per line of a category label (portal.js lowers it on phones)
TICK_SPACING = 70  # pixels per x-axis tick at most: fewer ticks on narrow charts


@functools.lru_cache(maxsize=1)
def chart_config() -> str:
    """The configuration every chart shares, made once by Altair (as JSON: each chart gets a copy)."""
    alt = altair()
    chart = alt.Chart().configure(font=FONT_STACK, background="white").configure_axis(
        labelFontSize=12, titleFontSize=12, labelLimit=0).configure_view(stroke=None)
    return json.dumps(chart.to_dict(validate=False)["config"])


def base_config(chart, description: str) -> dict:
    """The chart's Vega-Lite spec with the portal's width, description and configuration, set on
    the spec itself (Altair's properties()/configure() would copy and re-validate the whole chart,
    data included, for each of them: most of a chart's build time)."""
    spec = spec_dict(chart)
    spec["width"] = WIDTH
    spec["description"] = description
    spec["config"] = json.loads(chart_config())
    spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json"
    spec.setdefault("params", []).append({"name": "wrap", "value": WRAP})
    return spec


def spec_dict(chart) -> dict:
    """The chart's Vega-Lite dict, unvalidated (every chart of the portal is validated once, in
    tests/test_site_charts.py), without Altair's top-level to_dict: that copies the chart (a
    layer chart copies each layer twice more as it is made again) to add the theme's
    configuration and $schema, which base_config replaces. The same dict (tested)."""
    from altair.utils.schemapi import SchemaBase

    return SchemaBase.to_dict(chart, validate=False, context={"top_level": False, "datasets": {},
                                                              "pre_transform": False, "data": chart.data})


def label_axis(alt):
    """The category axis: long labels wrap onto lines of `wrap` characters (never cut off), the
    highlighted place (辽宁) in the highlight colour."""
    target, province = HIGHLIGHT_DEFAULT, HIGHLIGHT_DEFAULT + WORDS["province"]
    test = f"datum.value === '{target}' || indexof(datum.value, '{province}') === 0"
    return alt.Axis(
        labelExpr="length(datum.value) > wrap ? split(replace(datum.value, regexp('(.{' + wrap + '})(?=.)', 'g'), "
                  "'$1\\n'), '\\n') : datum.value",
        labelColor={"condition": {"test": test, "value": HIGHLIGHT}, "value": "#333"},
        labelFontWeight={"condition": {"test": test, "value": "bold"}, "value": "normal"})


def value_axis(alt, unit: str):
    """The value axis: few ticks (one per TICK_SPACING px), no overlapping labels, large
    numbers as 万/亿 when the unit is a base unit (the unit itself is in the title)."""
    expr = (f"abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '~g') + '{WORDS['hundred_million']}' : "
            f"abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '~g') + '{WORDS['ten_thousand']}' : "
            "format(datum.value, ',~g')"
            if magnitude_labels(unit) else "format(datum.value, ',~g')")
    return alt.Axis(labelExpr=expr, labelOverlap=True, labelFlush=True, labelSeparation=6,
                    tickCount=alt.ExprRef(f"max(2, floor(width / {TICK_SPACING}))"))


def room_for_text(values, labels: bool):
    """x scale with room for the value written after the longest bar."""
    alt = altair()
    top = max([v for v in values] + [0])
    if labels and top > 0:
        return alt.Scale(domainMax=top * 1.2, nice=False, zero=True)
    return alt.Scale(zero=True)


def ranked_bars(pts, x_title, description, unit="", labels=False) -> dict:
    alt = altair()
    data = alt.Data(values=pts)
    order = [p["label"] for p in pts]
    show = labels or len(pts) <= 12
    if show and any("text" not in p for p in pts):  # it would be drawn as "undefined" after the bar
        raise ValueError("ranked_bars: every point needs its 'text' (the value written after the bar)")
    encoding = dict(
        y=alt.Y("label:N", sort=order, title=None, axis=label_axis(alt)),
        x=alt.X("value:Q", title=x_title, axis=value_axis(alt, unit), stack=None,
                scale=room_for_text([p["value"] for p in pts], show)),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.item")), alt.Tooltip("value:Q", title=x_title, format=",")],
    )
    # each layer made in one step, the data given to the layer chart: every Altair method
    # (encode, mark_*, layer's lifting of shared data) copies the whole chart
    layers = [alt.Chart(mark=alt.MarkDef(type="bar"), encoding=alt.FacetedEncoding(
        **encoding, color=alt.ColorValue(condition={"test": "datum.highlight", "value": HIGHLIGHT}, value=BASE)))]
    if show:
        layers.append(alt.Chart(mark=alt.MarkDef(type="text", align="left", dx=3, fontSize=11, color="#333"),
                                encoding=alt.FacetedEncoding(**encoding, text=alt.Text("text:N"))))
    chart = alt.LayerChart(data=data, layer=layers, height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def change_bars(pts, x_title, description) -> dict:
    """Diverging bars of the change between two periods (%), increases and decreases coloured."""
    alt = altair()
    data = alt.Data(values=pts)
    order = [p["label"] for p in pts]
    lo, hi = min(p["value"] for p in pts + [{"value": 0}]), max(p["value"] for p in pts + [{"value": 0}])
    pad = (hi - lo) * 0.25 or 1
    scale = alt.Scale(domain=[lo - (pad if lo < 0 else 0), hi + pad], nice=False)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=label_axis(alt)),
        x=alt.X("value:Q", title=x_title, axis=value_axis(alt, "%"), scale=scale),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.item")), alt.Tooltip("old:Q", title=T("tooltip.old"), format=","),
                 alt.Tooltip("new:Q", title=T("tooltip.new"), format=","), alt.Tooltip("row_unit:N", title=T("tooltip.unit")),
                 alt.Tooltip("text:N", title=T("tooltip.change"))])
    bars = base.mark_bar().encode(color=alt.ColorValue(condition={"test": "datum.value < 0", "value": "#9e9e9e"},
                                                       value=BASE))
    text = base.transform_calculate(pos="datum.value < 0 ? 0 : datum.value").mark_text(
        align="left", dx=3, fontSize=11, color="#333").encode(x=alt.X("pos:Q"), text=alt.Text("text:N"))
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#666").encode(x=alt.X("x:Q"))
    return base_config(alt.layer(bars, zero, text, height=alt.Step(BAR_STEP)), description)


def grouped_bars(rows, order, series, x_title, description, unit="") -> dict:
    alt = altair()
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None, axis=label_axis(alt)),
        yOffset=alt.YOffset("series:N", sort=series),
        x=alt.X("value:Q", title=x_title, axis=value_axis(alt, unit)),
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(range=["#9ecae9", BASE, "#f58518", "#54a24b"]),
                        legend=alt.Legend(orient="top", direction="vertical", labelLimit=0)),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.item")), alt.Tooltip("series:N", title=T("tooltip.series")),
                 alt.Tooltip("value:Q", title=x_title, format=",")],
    ).properties(height=alt.Step(12 * len(series)))
    return base_config(chart, description)


def small_multiples(rows, series, description) -> dict:
    """One panel per row (label and unit in its header), each with its own x scale."""
    alt = altair()
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(color=BASE).encode(
        y=alt.Y("series:N", sort=series, title=None),
        x=alt.X("value:Q", title=None, axis=value_axis(alt, WORDS["count_unit"])),
        tooltip=[alt.Tooltip("panel:N", title=T("tooltip.item")), alt.Tooltip("series:N", title=T("tooltip.period")),
                 alt.Tooltip("value:Q", title=T("value"), format=",")],
    ).properties(width=WIDTH - 120, height=alt.Step(BAR_STEP)).facet(
        row=alt.Row("panel:N", title=None, sort=None, header=alt.Header(labelAngle=0, labelAlign="left",
                                                                       labelAnchor="start", labelOrient="top"))
    ).resolve_scale(x="independent").configure(font=FONT_STACK, background="white").configure_view(stroke=None)
    spec = chart.to_dict(validate=False)  # validated once, in tests/test_site_charts.py (every chart of the portal)
    spec["description"] = description
    spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json"
    return spec


def progress_bars(rows, base_title, target_title, description) -> dict:
    alt = altair()
    data = alt.Data(values=rows)
    order = [r["label"] for r in rows]
    top = max(100, max(r["value"] for r in rows)) * 1.15
    bars = alt.Chart(data).mark_bar(color=BASE).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=label_axis(alt)),
        x=alt.X("value:Q", title=T("targets.axis", base=base_title, target=target_title), axis=value_axis(alt, "%"),
                scale=alt.Scale(domainMin=0, domainMax=top, nice=False)),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.indicator")), alt.Tooltip("baseline:Q", title=base_title),
                 alt.Tooltip("target:Q", title=target_title), alt.Tooltip("row_unit:N", title=T("tooltip.unit")),
                 alt.Tooltip("value:Q", title=T("tooltip.progress"))],
    )
    text = bars.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(text=alt.Text("text:N"))
    rule = alt.Chart(alt.Data(values=[{"x": 100}])).mark_rule(color=HIGHLIGHT, strokeDash=[4, 3]).encode(
        x=alt.X("x:Q"))
    chart = alt.layer(bars, text, rule, height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def dumbbell(rows, series, x_title, description) -> dict:
    """Two values per label (e.g. 辽宁 vs 全国) as dots joined by a line."""
    alt = altair()
    data = alt.Data(values=rows)
    order = sorted({r["label"] for r in rows},
                   key=lambda l: -max(r["value"] for r in rows if r["label"] == l))
    y = alt.Y("label:N", sort=order, title=None, axis=label_axis(alt))
    line = alt.Chart(data).mark_line(color="#bbb").encode(y=y, x=alt.X("value:Q"), detail=alt.Detail("label:N"))
    dots = alt.Chart(data).mark_point(filled=True, size=80).encode(
        y=y, x=alt.X("value:Q", title=x_title, axis=value_axis(alt, "%")),
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(range=[HIGHLIGHT, BASE]),
                        legend=alt.Legend(orient="top", direction="vertical", labelLimit=0)),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.item")), alt.Tooltip("series:N", title=T("tooltip.series")),
                 alt.Tooltip("value:Q", title=x_title)])
    chart = alt.layer(line, dots, height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def rank_dots(rows, description) -> dict:
    """Liaoning's rank in each province table: rank on x (1 = first), table on y."""
    alt = altair()
    data = alt.Data(values=rows)
    top = max(r["rank"] for r in rows) * 1.3
    chart = alt.Chart(data).mark_bar(color=HIGHLIGHT).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=label_axis(alt)),
        x=alt.X("rank:Q", title=T("rank.axis", place=HIGHLIGHT_DEFAULT), axis=value_axis(alt, WORDS["rank_unit"]),
                scale=alt.Scale(domainMin=0, domainMax=top, nice=False)),
        tooltip=[alt.Tooltip("label:N", title=T("tooltip.indicator")), alt.Tooltip("rank:Q", title=T("tooltip.rank")),
                 alt.Tooltip("of:Q", title=T("tooltip.regions"))])
    text = chart.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(text=alt.Text("text:N"))
    return base_config(alt.layer(chart, text, height=alt.Step(BAR_STEP)), description)


# ---------------------------------------------------------------- rendering

def cjk_font_available() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return FONT in out


def raster_bytes(c: Chart) -> int:
    """Rough size of the pixel buffer its PNG needs (RGBA at scale 2): a band of BAR_STEP per
    data row. vl-convert holds the whole raster in memory while it encodes the PNG."""
    rows = len((c.spec.get("data") or {}).get("values") or [])
    return (rows * BAR_STEP + 200) * 2 * (WIDTH + 300) * 2 * 4


def spec_bytes(c: Chart) -> bytes:
    """<id>.vl.json: the spec as published."""
    return json.dumps(c.spec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def cache_key(c: Chart, identity: str) -> str:
    """A rendered chart in the cache: its spec, and what else decides its bytes (`identity`:
    renderer.drawing_identity())."""
    return hashlib.sha256(f"{c.hash}|{identity}".encode()).hexdigest()[:32]


def render_one(c: Chart, cache_dir: Path, png: bool, identity: str, renderer=lambda: None) -> tuple:
    """({ext: (bytes, cache file)} for svg (and png), files rendered, files from cache).

    The SVG is drawn by the build's own Vega (renderer.py; `renderer()` gives it, made on
    first use, or None), else by vl-convert (one call: compiling to Vega and rendering in its
    engine); the bytes are the same. Its text is then drawn as glyph outlines (outlined()). The PNG is rasterised from that SVG by vl-convert (the
    bytes vegalite_to_png gives, without rendering twice). Renders are cached by spec hash and
    `identity` (renderer.drawing_identity(): versions, renderer code, font).
    """
    import vl_convert as vlc

    key = cache_key(c, identity)
    out, rendered, cached = {}, 0, 0
    svg_path = cache_dir / f"{key}.svg"
    try:
        svg = svg_path.read_bytes()
        cached += 1
    except FileNotFoundError:
        draw = renderer()
        text = draw.svg(c.spec) if draw is not None else None
        if text is None:  # no renderer, or a character its advance table lacks
            text = vlc.vegalite_to_svg(c.spec, vl_version=VL_VERSION)
        svg = outlined(text).encode("utf-8")
        _store(svg_path, svg)
        rendered += 1
    out["svg"] = (svg, svg_path)
    if png:
        png_path = cache_dir / f"{key}.png"
        try:
            data = png_path.read_bytes()
            cached += 1
        except FileNotFoundError:
            data = vlc.svg_to_png(svg.decode("utf-8"), scale=2)
            _store(png_path, data)
            rendered += 1
        out["png"] = (data, png_path)
    return out, rendered, cached


def outlined(svg: str) -> str:
    """The SVG with its text as the chart font's glyph outlines (outlines.py): the same
    picture on every device; as drawn when HarfBuzz or the font is missing."""
    from scripts.portal.site import outlines

    return outlines.to_paths(svg) if outlines.available() else svg


SVG_SIZE = re.compile(rb'<svg\b[^>]*?\swidth="(\d+(?:\.\d+)?)"[^>]*?\sheight="(\d+(?:\.\d+)?)"')


def svg_size(svg: bytes) -> tuple:
    """(width, height) of a rendered SVG in whole CSS pixels, (0, 0) when it does not say: the
    page gives its <img> that size, so the browser reserves the room before the file arrives."""
    m = SVG_SIZE.search(svg[:2000])
    return (round(float(m.group(1))), round(float(m.group(2)))) if m else (0, 0)


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
