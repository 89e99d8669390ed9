"""Charts of one indicator, from the fact table views (facts.py), as charts.Chart objects that
the site renders like every other chart (Altair spec, static SVG, interactive on the page).

- a time series where a place has two or more periods (targets count as a period: drawn as
  open diamonds joined to the last value by a dashed line), 辽宁省 highlighted;
- ranked bars of the places otherwise (辽宁省 highlighted), when there are two or more;
- a sparkline (no axes, static SVG only) of the series for the topic pages, with the words
  printed beside it naming its place and periods (``Chart.label``): the row's value may be
  another place's.
An indicator with a single value gets no chart.
"""

from __future__ import annotations

from scripts.portal.site import charts as ch
from scripts.portal.site import facts as fx
from scripts.portal.site import periods
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "chart_texts.yaml")

MAX_PLACES = 6          # lines in one time series
SCALE_GAP = 10          # a place whose values are this many times larger (or smaller) is left out
PALETTE = ["#4c78a8", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#bab0ac"]
SPARK_W, SPARK_H = 120, 28


def choose(ind: dict, df) -> ch.Chart | None:
    """The indicator page's chart, or None when there is nothing to compare."""
    unit = ind.get("unit") or ""
    ser = fx.series(df, unit)
    goals = [t for t in fx.targets(df) if not ser or t["unit"] in {p[2]["unit"] for s in ser.values() for p in s}]
    moments = {g: {periods.period_end(p) for p, _, _ in pts} | {periods.period_end(t["period"]) for t in goals
                                                                 if t["geography"] == g}
               for g, pts in ser.items()}   # 2020 and 2020-12 are one moment
    if any(len(m) >= 2 for m in moments.values()) or (goals and ser):
        return time_series(ind, ser, goals)
    if len(ser) >= 2:
        return places(ind, ser)
    return None


def chart_unit(ser: dict, ind: dict) -> str:
    units = {p[2]["unit"] for pts in ser.values() for p in pts}
    return ind.get("unit") if ind.get("unit") in units else next(iter(units), "")


def comparable(ser: dict) -> tuple:
    """(kept series, places left out): places within SCALE_GAP of 辽宁省 (else of the first),
    at most MAX_PLACES; the left out as {"scale": [...], "room": [...]} (another magnitude, or
    no room for another line)."""
    ref_geo = fx.LIAONING if fx.LIAONING in ser else next(iter(ser))
    ref = max(abs(v) for _, v, _ in ser[ref_geo]) or 1
    kept, dropped = {}, {"scale": [], "room": []}
    for geo, pts in ser.items():
        top = max(abs(v) for _, v, _ in pts) or 1
        if not 1 / SCALE_GAP <= top / ref <= SCALE_GAP:
            dropped["scale"].append(geo)
        elif len(kept) < MAX_PLACES:
            kept[geo] = pts
        else:
            dropped["room"].append(geo)
    return kept, dropped


def colours(geos: list) -> list:
    others = iter(PALETTE)
    return [ch.HIGHLIGHT if g == fx.LIAONING else next(others) for g in geos]


def dated(pts: list) -> list:
    """A place's points as (period, value, fact, date) in time order, one per date: each
    period at its end (periods.period_end), so 2020 and 2020-12 are one point (the first
    stated is kept, as fx.series keeps the first of a period)."""
    out, seen = [], set()
    for p, v, f in sorted(pts, key=lambda x: periods.period_end(x[0])):
        day = periods.period_end(p)
        if day not in seen:
            seen.add(day)
            out.append((p, v, f, day))
    return out


def time_axis(alt, days: list):
    """The x encoding of a chart over time: a UTC time scale (the same day for every reader's
    clock), ticks at year ends ("2020年") or, over three years or less, at quarter ends
    ("2020年6月"); a margin at both ends."""
    ticks, kind = periods.ticks(days)
    lo, hi = periods.domain(days)
    years = kind == "year"
    title = T("indicator.time_axis_year") if years else T("indicator.time_axis_month")
    fmt = T("indicator.time_format_year") if years else T("indicator.time_format_month")
    return alt.X("date:T", title=title,
                 scale=alt.Scale(type="utc", domain=[periods.vl_datetime(lo), periods.vl_datetime(hi)]),
                 axis=alt.Axis(values=[periods.vl_datetime(d) for d in ticks], format=fmt,
                               labelAngle=0, labelOverlap=True, labelFlush=True))


def time_series(ind: dict, ser: dict, goals: list) -> ch.Chart:
    alt = ch.altair()
    unit = chart_unit(ser, ind) if ser else (goals[0]["unit"] if goals else "")
    kept, dropped = comparable(ser) if ser else ({}, {"scale": [], "room": []})
    kept = {g: dated(pts) for g, pts in kept.items()}
    goals = [t for t in goals if t["geography"] in kept or not kept]
    geos = list(kept) + [t["geography"] for t in goals if t["geography"] not in kept]
    rows = [{"period": p, "date": day.isoformat(), "value": v, "geo": g, "kind": T("indicator.actual"),
             "text": fx.display_value(f)} for g, pts in kept.items() for p, v, f, day in pts]
    marks = [{"period": t["period"], "date": periods.iso(t["period"]), "value": float(t["value"]),
              "geo": t["geography"], "kind": T("indicator.target"),
              "text": T("indicator.target_text", value=fx.display_value(t))} for t in goals]
    links = [row for t, m in zip(goals, marks) if kept.get(t["geography"])
             for row in ({**_last(kept[t["geography"]], t["geography"])}, m)]
    x = time_axis(alt, [dt_of(r) for r in rows + marks])
    y = alt.Y("value:Q", title=T("with_unit", name=ind["name"], unit=unit) if unit else ind["name"])
    colour = alt.Color("geo:N", title=None, sort=geos, scale=alt.Scale(domain=geos, range=colours(geos)),
                       legend=alt.Legend(orient="top", direction="horizontal"))
    tip = [alt.Tooltip("geo:N", title=T("indicator.place")), alt.Tooltip("period:N", title=T("indicator.period")),
           alt.Tooltip("text:N", title=T("value")), alt.Tooltip("kind:N", title=T("indicator.kind"))]
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
    chart = alt.layer(*layers, height=260)
    return ch.Chart(f"indicator-{ind['id']}", T("indicator.series_title", name=ind["name"]), desc,
                    ch.base_config(chart, desc))


def dt_of(row: dict):
    return periods.period_end(row["period"])


def _last(pts: list, geo: str) -> dict:
    p, v, f, day = pts[-1]
    return {"period": p, "date": day.isoformat(), "value": v, "geo": geo, "kind": T("indicator.actual"),
            "text": fx.display_value(f)}


def series_sentence(ind, kept, goals, dropped, unit) -> str:
    """The chart's sentence, each place's values in the order drawn (time): kept holds each
    place's points from dated()."""
    parts = []
    for geo, pts in kept.items():
        first, last = pts[0], pts[-1]
        parts.append(T("indicator.from_to", place=geo, first=first[0], first_value=ch.fmt(first[1]), last=last[0],
                       last_value=ch.fmt(last[1])) if len(pts) > 1
                     else T("indicator.single", place=geo, period=first[0], value=ch.fmt(first[1])))
    text = T("indicator.series", name=ind["name"], unit_or_none=unit or T("no_unit"),
             parts=T("indicator.parts").join(parts))
    if goals:
        text += T("indicator.goals", goals=T("list").join(
            T("indicator.goal", place=t["geography"], period=t["period"], value=ch.fmt(float(t["value"])))
            for t in sorted(goals, key=lambda t: periods.period_end(t["period"]))))
    if dropped["scale"]:
        text += T("indicator.dropped", places=T("list").join(dropped["scale"]))
    if dropped["room"]:
        text += T("indicator.no_room", count=len(dropped["room"]), lines=MAX_PLACES)
    return text + T("indicator.end")


def places(ind: dict, ser: dict) -> ch.Chart:
    """Ranked bars of the places' latest values; among three or more places the nation (their
    total) and the unattributed rest (其他…) are not ranked, the sentence gives the nation's value."""
    unit = chart_unit(ser, ind)
    ranked = {g: s for g, s in ser.items() if g != fx.NATION and not g.startswith(T("indicator.others"))}
    ranked = ranked if len(ranked) >= 3 else ser
    pts = sorted(({"label": g, "value": s[-1][1], "highlight": g == fx.LIAONING, "period": s[-1][0],
                   "text": fx.display_value(s[-1][2])}  # the value written after the bar
                  for g, s in ranked.items()), key=lambda p: -p["value"])[:ch.MAX_BARS]
    rank = next((i for i, p in enumerate(pts, 1) if p["highlight"]), None)
    periods = sorted({p["period"] for p in pts}, key=lambda p: (fx.period_key(p), len(p), p))  # ties: as the series
    where = (T("indicator.rank", place=fx.LIAONING, rank=rank, value=ch.fmt(pts[rank - 1]["value"]), unit=unit)
             if rank else T("indicator.absent", place=fx.LIAONING))
    nation = (T("indicator.nation", place=fx.NATION, value=ch.fmt(ser[fx.NATION][-1][1]), unit=unit)
              if fx.NATION in ser and ranked is not ser else "")
    desc = T("indicator.places", name=ind["name"], unit_or_none=unit or T("no_unit"), periods=T("list").join(periods),
             count=len(pts), where=where, top=pts[0]["label"], top_value=ch.fmt(pts[0]["value"]), unit=unit,
             nation=nation)
    title = T("with_unit", name=ind["name"], unit=unit) if unit else ind["name"]
    return ch.Chart(f"indicator-{ind['id']}", T("indicator.places_title", name=ind["name"]), desc,
                    ch.ranked_bars(pts, title, desc))


def sparkline(ind: dict, df) -> ch.Chart | None:
    """A tiny line of 辽宁省's series (else of the place with the longest one), or None."""
    ser = fx.series(df, ind.get("unit") or "")
    geo = fx.LIAONING if len(ser.get(fx.LIAONING, [])) >= 2 else max(ser, key=lambda g: len(ser[g]), default=None)
    if geo is None or len(ser[geo]) < 2:
        return None
    alt = ch.altair()
    pts = dated(ser[geo])
    if len(pts) < 2:  # 2020 and 2020-12: one point
        return None
    rows = [{"period": p, "date": day.isoformat(), "value": v} for p, v, _, day in pts]
    desc = T("indicator.spark", place=geo, name=ind["name"], first=pts[0][0], first_value=ch.fmt(pts[0][1]),
             last=pts[-1][0], last_value=ch.fmt(pts[-1][1]))
    line = alt.Chart(alt.Data(values=rows)).mark_line(color=ch.HIGHLIGHT if geo == fx.LIAONING else ch.BASE,
                                                      point=alt.OverlayMarkDef(size=16)).encode(
        x=alt.X("date:T", axis=None, scale=alt.Scale(type="utc")),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)))
    spec = line.properties(width=SPARK_W, height=SPARK_H, description=desc).configure(
        background="white").configure_view(stroke=None).to_dict(validate=False)  # validated in the tests
    spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{ch.VL_VERSION.split('.')[0]}.json"
    return ch.Chart(f"spark-{ind['id']}", T("indicator.spark_title", name=ind["name"], place=geo), desc, spec,
                    label=T("indicator.spark_label", place=geo, first=pts[0][0], last=pts[-1][0]))
