"""Charts of one indicator, from the fact table views (facts.py), as charts.Chart objects that
the site renders like every other chart (Altair spec, static SVG, interactive on the page).

- a time series where a place has two or more periods (targets count as a period: drawn as
  open diamonds joined to the last value by a dashed line), 辽宁省 highlighted;
- ranked bars of the places otherwise (辽宁省 highlighted), when there are two or more;
- a sparkline (no axes, static SVG only) of the series for the topic pages.
An indicator with a single value gets no chart.
"""

from __future__ import annotations

from scripts.portal.site import charts as ch
from scripts.portal.site import facts as fx

MAX_PLACES = 6          # lines in one time series
SCALE_GAP = 10          # a place whose values are this many times larger (or smaller) is left out
PALETTE = ["#4c78a8", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#bab0ac"]
SPARK_W, SPARK_H = 120, 28


def choose(ind: dict, df) -> ch.Chart | None:
    """The indicator page's chart, or None when there is nothing to compare."""
    unit = ind.get("unit") or ""
    ser = fx.series(df, unit)
    goals = [t for t in fx.targets(df) if not ser or t["unit"] in {p[2]["unit"] for s in ser.values() for p in s}]
    periods = {g: {p for p, _, _ in pts} | {t["period"] for t in goals if t["geography"] == g}
               for g, pts in ser.items()}
    if any(len(p) >= 2 for p in periods.values()) or (goals and ser):
        return time_series(ind, ser, goals)
    if len(ser) >= 2:
        return places(ind, ser)
    return None


def chart_unit(ser: dict, ind: dict) -> str:
    units = {p[2]["unit"] for pts in ser.values() for p in pts}
    return ind.get("unit") if ind.get("unit") in units else next(iter(units), "")


def comparable(ser: dict) -> tuple:
    """(kept series, places left out): places within SCALE_GAP of 辽宁省 (else of the first)."""
    ref_geo = fx.LIAONING if fx.LIAONING in ser else next(iter(ser))
    ref = max(abs(v) for _, v, _ in ser[ref_geo]) or 1
    kept, dropped = {}, []
    for geo, pts in ser.items():
        top = max(abs(v) for _, v, _ in pts) or 1
        if len(kept) < MAX_PLACES and 1 / SCALE_GAP <= top / ref <= SCALE_GAP:
            kept[geo] = pts
        else:
            dropped.append(geo)
    return kept, dropped


def colours(geos: list) -> list:
    others = iter(PALETTE)
    return [ch.HIGHLIGHT if g == fx.LIAONING else next(others) for g in geos]


def time_series(ind: dict, ser: dict, goals: list) -> ch.Chart:
    alt = ch.altair()
    unit = chart_unit(ser, ind) if ser else (goals[0]["unit"] if goals else "")
    kept, dropped = comparable(ser) if ser else ({}, [])
    goals = [t for t in goals if t["geography"] in kept or not kept]
    geos = list(kept) + [t["geography"] for t in goals if t["geography"] not in kept]
    rows = [{"period": p, "value": v, "geo": g, "kind": "实际", "text": fx.display_value(f)}
            for g, pts in kept.items() for p, v, f in pts]
    marks = [{"period": t["period"], "value": float(t["value"]), "geo": t["geography"], "kind": "目标",
              "text": "目标 " + fx.display_value(t)} for t in goals]
    links = [row for t, m in zip(goals, marks) if kept.get(t["geography"])
             for row in ({**_last(kept[t["geography"]], t["geography"])}, m)]
    order = sorted({r["period"] for r in rows + marks}, key=lambda p: (fx.period_key(p), len(p), p))
    x = alt.X("period:O", sort=order, title="时期", axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=f"{ind['name']} ({unit})" if unit else ind["name"])
    colour = alt.Color("geo:N", title=None, sort=geos, scale=alt.Scale(domain=geos, range=colours(geos)),
                       legend=alt.Legend(orient="top", direction="horizontal"))
    tip = [alt.Tooltip("geo:N", title="地区"), alt.Tooltip("period:N", title="时期"),
           alt.Tooltip("text:N", title="数值"), alt.Tooltip("kind:N", title="类型")]
    # 辽宁省 drawn last, on top (its points often equal the nation's: the same survey rates)
    layers = [alt.Chart(alt.Data(values=part)).mark_line(point=alt.OverlayMarkDef(filled=True, size=60))
              .encode(x=x, y=y, color=colour, tooltip=tip)
              for part in ([r for r in rows if r["geo"] != fx.LIAONING], [r for r in rows if r["geo"] == fx.LIAONING])
              if part]
    if marks:
        if links:
            layers.append(alt.Chart(alt.Data(values=links)).mark_line(strokeDash=[4, 3], opacity=0.7)
                          .encode(x=x, y=y, color=colour, detail=alt.Detail("geo:N")))
        layers.append(alt.Chart(alt.Data(values=marks)).mark_point(shape="diamond", size=140, filled=False,
                                                                   strokeWidth=2)
                      .encode(x=x, y=y, color=colour, tooltip=tip))
        layers.append(alt.Chart(alt.Data(values=marks)).mark_text(dy=-14, fontSize=11, color="#333")
                      .encode(x=x, y=y, text=alt.Text("text:N")))
    desc = series_sentence(ind, kept, goals, dropped, unit)
    chart = alt.layer(*layers).properties(height=260)
    return ch.Chart(f"indicator-{ind['id']}", f"{ind['name']}：历年数值", desc, ch.base_config(chart, desc))


def _last(pts: list, geo: str) -> dict:
    p, v, f = pts[-1]
    return {"period": p, "value": v, "geo": geo, "kind": "实际", "text": fx.display_value(f)}


def series_sentence(ind, kept, goals, dropped, unit) -> str:
    parts = []
    for geo, pts in kept.items():
        first, last = pts[0], pts[-1]
        parts.append(f"{geo}从{first[0]}的{ch.fmt(first[1])}到{last[0]}的{ch.fmt(last[1])}" if len(pts) > 1
                     else f"{geo}{first[0]}为{ch.fmt(first[1])}")
    text = f"折线图：{ind['name']}（{unit or '无单位'}），" + "；".join(parts)
    if goals:
        text += "；目标（空心菱形）：" + "、".join(f"{t['geography']}{t['period']}年{ch.fmt(float(t['value']))}"
                                          for t in goals)
    if dropped:
        text += f"；{'、'.join(dropped)}的数值量级不同，未画入（见下表）"
    return text + "。"


def places(ind: dict, ser: dict) -> ch.Chart:
    """Ranked bars of the places' latest values; among three or more places the nation (their
    total) and the unattributed rest (其他…) are not ranked, the sentence gives the nation's value."""
    unit = chart_unit(ser, ind)
    ranked = {g: s for g, s in ser.items() if g != fx.NATION and not g.startswith("其他")}
    ranked = ranked if len(ranked) >= 3 else ser
    pts = sorted(({"label": g, "value": s[-1][1], "highlight": g == fx.LIAONING, "period": s[-1][0]}
                  for g, s in ranked.items()), key=lambda p: -p["value"])[:ch.MAX_BARS]
    rank = next((i for i, p in enumerate(pts, 1) if p["highlight"]), None)
    periods = sorted({p["period"] for p in pts}, key=fx.period_key)
    where = f"辽宁省排第{rank}位（{ch.fmt(pts[rank - 1]['value'])}{unit}）" if rank else "其中没有辽宁省"
    nation = f"全国为{ch.fmt(ser[fx.NATION][-1][1])}{unit}（不参与排列）；" if fx.NATION in ser and ranked is not ser else ""
    desc = (f"条形图：{ind['name']}（{unit or '无单位'}，{'、'.join(periods)}），{len(pts)}个地区从高到低排列，"
            f"{where}，最高为{pts[0]['label']}（{ch.fmt(pts[0]['value'])}{unit}）；{nation}".rstrip("；") + "。")
    title = f"{ind['name']} ({unit})" if unit else ind["name"]
    return ch.Chart(f"indicator-{ind['id']}", f"{ind['name']}：各地区", desc, ch.ranked_bars(pts, title, desc))


def sparkline(ind: dict, df) -> ch.Chart | None:
    """A tiny line of 辽宁省's series (else of the place with the longest one), or None."""
    ser = fx.series(df, ind.get("unit") or "")
    geo = fx.LIAONING if len(ser.get(fx.LIAONING, [])) >= 2 else max(ser, key=lambda g: len(ser[g]), default=None)
    if geo is None or len(ser[geo]) < 2:
        return None
    alt = ch.altair()
    pts = ser[geo]
    rows = [{"period": p, "value": v} for p, v, _ in pts]
    desc = (f"迷你折线图：{geo}{ind['name']}，{pts[0][0]}为{ch.fmt(pts[0][1])}，"
            f"{pts[-1][0]}为{ch.fmt(pts[-1][1])}。")
    order = [r["period"] for r in rows]
    line = alt.Chart(alt.Data(values=rows)).mark_line(color=ch.HIGHLIGHT if geo == fx.LIAONING else ch.BASE,
                                                      point=alt.OverlayMarkDef(size=16)).encode(
        x=alt.X("period:O", sort=order, axis=None), y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)))
    spec = line.properties(width=SPARK_W, height=SPARK_H, description=desc).configure(
        background="white").configure_view(stroke=None).to_dict(validate=False)  # validated in the tests
    spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{ch.VL_VERSION.split('.')[0]}.json"
    return ch.Chart(f"spark-{ind['id']}", f"{ind['name']}（{geo}）", desc, spec)
