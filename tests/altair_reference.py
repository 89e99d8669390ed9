"""Reference: the chart specs as Altair builds them (the site's builders in
scripts/portal/site/charts.py write the same dicts directly, without Altair's cost).
Used by tests/test_site_charts.py only; not a test module itself."""

from __future__ import annotations

from scripts.portal.site.charts import BAR_STEP, BASE, FONT_STACK, HIGHLIGHT, VL_VERSION, WIDTH


def altair():
    """Altair, imported on first use (a build with nothing to chart does not load it)."""
    import altair as alt
    return alt


def base_config(chart, description: str) -> dict:
    chart = chart.properties(width=WIDTH, description=description).configure(
        font=FONT_STACK, background="white"
    ).configure_axis(labelFontSize=12, titleFontSize=12, labelLimit=260).configure_view(stroke=None)
    spec = chart.to_dict(validate=True)
    spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json"
    return spec


def ranked_bars(pts, x_title, description, labels=False) -> dict:
    alt = altair()
    data = alt.Data(values=pts)
    order = [p["label"] for p in pts]
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("value:Q", title=x_title),
        tooltip=[alt.Tooltip("label:N", title="项目"), alt.Tooltip("value:Q", title=x_title)],
    )
    bars = base.mark_bar().encode(
        color=alt.condition("datum.highlight", alt.value(HIGHLIGHT), alt.value(BASE)))
    layers = [bars]
    if labels or len(pts) <= 12:
        layers.append(base.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(
            text=alt.Text("value:Q", format=",")))
    chart = alt.layer(*layers).properties(height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def grouped_bars(rows, order, series, x_title, description) -> dict:
    alt = altair()
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None),
        yOffset=alt.YOffset("series:N", sort=series),
        x=alt.X("value:Q", title=x_title),
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(range=["#9ecae9", BASE, "#f58518", "#54a24b"]),
                        legend=alt.Legend(orient="top", direction="vertical")),
        tooltip=[alt.Tooltip("label:N", title="项目"), alt.Tooltip("series:N", title="系列"),
                 alt.Tooltip("value:Q", title=x_title)],
    ).properties(height=alt.Step(12 * len(series)))
    return base_config(chart, description)


def progress_bars(rows, base_title, target_title, description) -> dict:
    alt = altair()
    data = alt.Data(values=rows)
    order = [r["label"] for r in rows]
    bars = alt.Chart(data).mark_bar(color=BASE).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("value:Q", title=f"{base_title}占{target_title}的比例 (%)",
                scale=alt.Scale(domainMin=0, domainMax=max(100, max(r["value"] for r in rows)))),
        tooltip=[alt.Tooltip("label:N", title="指标"), alt.Tooltip("baseline:Q", title=base_title),
                 alt.Tooltip("target:Q", title=target_title), alt.Tooltip("unit:N", title="单位"),
                 alt.Tooltip("value:Q", title="进度 (%)")],
    )
    text = bars.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(text=alt.Text("value:Q"))
    rule = alt.Chart(alt.Data(values=[{"x": 100}])).mark_rule(color=HIGHLIGHT, strokeDash=[4, 3]).encode(x="x:Q")
    chart = alt.layer(bars, text, rule).properties(height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def dumbbell(rows, series, x_title, description) -> dict:
    """Two values per label (e.g. 辽宁 vs 全国) as dots joined by a line."""
    alt = altair()
    data = alt.Data(values=rows)
    order = sorted({r["label"] for r in rows},
                   key=lambda l: -max(r["value"] for r in rows if r["label"] == l))
    y = alt.Y("label:N", sort=order, title=None)
    line = alt.Chart(data).mark_line(color="#bbb").encode(y=y, x="value:Q", detail="label:N")
    dots = alt.Chart(data).mark_point(filled=True, size=80).encode(
        y=y, x=alt.X("value:Q", title=x_title),
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(range=[HIGHLIGHT, BASE]), legend=alt.Legend(orient="top", direction="vertical")),
        tooltip=[alt.Tooltip("label:N", title="项目"), alt.Tooltip("series:N", title="系列"),
                 alt.Tooltip("value:Q", title=x_title)])
    chart = alt.layer(line, dots).properties(height=alt.Step(BAR_STEP))
    return base_config(chart, description)


def rank_dots(rows, description) -> dict:
    """Liaoning's rank in each province table: rank on x (1 = first), table on y."""
    alt = altair()
    data = alt.Data(values=rows)
    chart = alt.Chart(data).mark_bar(color=HIGHLIGHT).encode(
        y=alt.Y("label:N", sort=None, title=None),
        x=alt.X("rank:Q", title="辽宁位次（1 = 最高）", scale=alt.Scale(domainMin=0)),
        tooltip=[alt.Tooltip("label:N", title="指标"), alt.Tooltip("rank:Q", title="位次"),
                 alt.Tooltip("of:Q", title="地区数")])
    text = chart.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(text="text:N")
    return base_config(alt.layer(chart, text).properties(height=alt.Step(BAR_STEP)), description)
