"""Charts over time and sparklines as a reader sees them (issue 20, points 2 and 3), on a
phone (390 px) and a desktop (1280 px), screenshots in test-artifacts/.

- an indicator's time series places each period at its end, spaced as time: the gaps between
  drawn points are proportional to the days between the periods; ticks read 2020年 or
  2020年6月; every chart sentence goes from the earlier period to the later one;
- every sparkline of a topic page has the name of its place (and its periods) printed beside
  it, visible on the page, the place its alt text names.
"""

from __future__ import annotations

import json
import re

import pytest

from scripts.portal.site import periods

POINTS = r"""() => [...document.querySelectorAll('path[aria-roledescription="point"]')].map(p => ({
  label: p.getAttribute('aria-label'), x: p.getBoundingClientRect().x + p.getBoundingClientRect().width / 2}))"""
TICKS = r"""() => [...document.querySelectorAll('g.role-axis-label [data-text]')].map(g => g.getAttribute('data-text'))"""


def time_charts(site) -> list:
    """(chart id, spec) of the indicator charts drawn over time."""
    out = []
    for p in sorted((site / "assets" / "charts").glob("indicator-*.vl.json")):
        spec = json.loads(p.read_text("utf-8"))
        if '"temporal"' in json.dumps(spec):
            out.append((p.name[:-len(".vl.json")], spec))
    return out


def widest(site) -> str:
    """The time chart with the most distinct moments for one place (the best test of spacing)."""
    def moments(spec):
        per = {}
        for layer in spec.get("layer", []):
            for v in (layer.get("data") or {}).get("values", []):
                if v.get("kind") == "实际":
                    per.setdefault(v["geo"], set()).add(v["date"])
        return max((len(d) for d in per.values()), default=0)
    return max(time_charts(site), key=lambda c: moments(c[1]))[0]


def test_every_time_chart_sentence_follows_the_drawn_order(built):
    charts = time_charts(built.site)
    assert len(charts) > 20
    for cid, spec in charts:
        for first, last in re.findall(r"从(\S+?)的[-\d.,]+(?:[^到]*)到(\S+?)的", spec["description"]):
            assert periods.period_end(first) < periods.period_end(last), (cid, spec["description"])


@pytest.mark.parametrize("width", [390, 1280])
def test_points_are_spaced_as_time(browser, built, base_url, artifacts, width):
    cid = widest(built.site)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}indicators/{cid[len('indicator-'):]}/")
    page.wait_for_load_state("networkidle")
    figure = page.locator(f"figure.portal-chart:has(img[src$='{cid}.svg'])").first
    assert figure.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    figure.scroll_into_view_if_needed()   # in view, the chart becomes interactive (the same spec)
    page.wait_for_function("f => ['yes', 'failed'].includes(f.getAttribute('data-rendered'))",
                           arg=figure.element_handle(), timeout=20000)
    figure.screenshot(path=str(artifacts / f"time-series-{width}.png"))
    live = figure.locator(".portal-chart__view svg g.role-axis-label text").evaluate_all(
        "ts => ts.map(t => t.textContent)")
    assert any(re.fullmatch(r"\d{4}年(\d{1,2}月)?", t) for t in live), live
    page.goto((built.site / "assets" / "charts" / f"{cid}.svg").as_uri())
    pts, ticks = page.evaluate(POINTS), page.evaluate(TICKS)
    context.close()
    assert ticks and all(re.fullmatch(r"\d{4}年(\d{1,2}月)?|[-\d.,]+[万亿]?", t) for t in ticks), ticks
    assert any(re.fullmatch(r"\d{4}年(\d{1,2}月)?", t) for t in ticks)
    by_place = {}
    for p in pts:
        place = re.search(r"地区: ([^;]+)", p["label"]).group(1)
        period = re.search(r"时期: ([^;]+)", p["label"]).group(1)
        if "类型: 实际" in p["label"]:
            by_place.setdefault(place, []).append((periods.period_end(period), p["x"]))
    place, drawn = max(by_place.items(), key=lambda kv: len(kv[1]))
    drawn.sort()
    assert len(drawn) >= 3, by_place
    px_per_day = (drawn[-1][1] - drawn[0][1]) / (drawn[-1][0] - drawn[0][0]).days
    for (d0, x0), (d1, x1) in zip(drawn, drawn[1:]):
        assert x1 - x0 == pytest.approx((d1 - d0).days * px_per_day, abs=1.0), (place, d0, d1)


@pytest.mark.parametrize("width", [390, 1280])
def test_every_sparkline_names_its_place_beside_it(browser, built, base_url, artifacts, width):
    topics = sorted(p.parent.name for p in (built.site / "topics").glob("*/index.html"))
    assert topics
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    seen, other_place = 0, 0
    for t in topics:
        page.goto(f"{base_url}topics/{t}/")
        page.wait_for_load_state("domcontentloaded")
        sparks = page.locator("img.portal-spark")
        for i in range(sparks.count()):
            img = sparks.nth(i)
            label = img.locator("xpath=following-sibling::*[contains(@class, 'portal-spark__place')][1]")
            assert label.count() == 1, f"{t}: sparkline {i} has no place beside it"
            label.scroll_into_view_if_needed()
            assert label.is_visible()
            text = label.inner_text().strip()
            place = text.split()[0]
            alt = img.get_attribute("alt")
            assert alt.startswith(f"迷你折线图：{place}"), (t, text, alt)
            box, pic = label.bounding_box(), img.bounding_box()
            assert box["width"] > 10 and 0 <= box["x"] and box["x"] + box["width"] <= width
            assert abs(box["y"] - (pic["y"] + pic["height"])) < 30, "the place is not beside its sparkline"
            value = img.locator("xpath=ancestor::tr[1]/td[1]").inner_text()
            other_place += not value.startswith(place) and place != "辽宁省"
            seen += 1
        if t == topics[0] or other_place and not (artifacts / f"sparkline-place-{width}.png").exists():
            row = page.locator("tr:has(img.portal-spark)").first
            if row.count():
                row.scroll_into_view_if_needed()
                row.screenshot(path=str(artifacts / f"sparkline-place-{width}.png"))
    context.close()
    assert seen >= 5
    assert other_place, "no row where the sparkline's place differs from the value's (the case the issue found)"
