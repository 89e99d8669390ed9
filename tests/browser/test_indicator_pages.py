"""Indicator, topic and plan pages of the built portal in headless Chromium: they render, their
charts render, no console error or failed request, and at phone width (375 px) nothing is
wider than the screen. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.browser.conftest import reach_charts

PHONE = {"width": 375, "height": 800}


def series_indicator(built) -> tuple:
    """(indicator id, topic id) of an indicator page whose chart is a time series with 辽宁省,
    preferring one that also has 全国."""
    found = []
    for md in sorted((built.docs / "indicators").glob("*.md")):
        text = md.read_text("utf-8")
        m = re.search(r"<figcaption>(?:(?!</figcaption>).)*?(折线图[^<]*)", text, re.S)
        if m and "辽宁省" in m.group(1):
            topic = re.search(r'href="[./]*topics/([^/"]+)/"', text).group(1)
            found.append((("全国" in m.group(1)), md.stem, topic))
    assert found, "no indicator page with a time series of 辽宁省"
    best = max(found, key=lambda f: f[0])
    return best[1], best[2]


def wait_for_charts(page, n: int = 1):
    reach_charts(page, first_only=True)  # the runtime loads when a reader reaches a chart
    page.wait_for_selector("figure.portal-chart[data-rendered=yes] .portal-chart__view svg", timeout=20000)
    assert page.locator("figure.portal-chart[data-rendered=yes]").count() >= n


def no_overflow(page) -> None:
    wide = page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        return [...document.querySelectorAll('article *')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > w + 1 && !e.closest('pre, .md-typeset__scrollwrap, .portal-table-wrap');
        }).map(e => e.tagName + '.' + e.className).slice(0, 5);
    }""")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], wide
    assert not wide, wide


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_indicator_page(page, base_url, built, artifacts, viewport):
    ind, _ = series_indicator(built)
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{base_url}indicators/{ind}/")
    wait_for_charts(page)
    label = page.locator("figure.portal-chart [role=graphics-document]").first.get_attribute("aria-label")
    assert label and label.startswith("折线图")
    assert page.locator("table.portal-stack tbody tr").count() >= 2
    fm = yaml.safe_load((built.docs / "indicators" / f"{ind}.md").read_text("utf-8").split("---\n")[1])
    assert fm["search_answer"] in page.locator(".portal-answer").inner_text()
    page.screenshot(path=str(artifacts / f"indicator-{viewport}.png"), full_page=True)
    if viewport == "phone":
        no_overflow(page)
        # the values table is a list of cards on a phone: its header row is hidden
        assert page.locator("table.portal-stack thead").first.is_hidden()
    assert not page.log.errors, page.log.errors
    assert not page.log.failed, page.log.failed


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_topic_page(page, base_url, built, artifacts, viewport):
    _, topic = series_indicator(built)
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{base_url}topics/{topic}/")
    page.wait_for_load_state("networkidle")
    sparks = page.locator("img.portal-spark")
    assert sparks.count() >= 1
    for i in range(sparks.count()):
        sparks.nth(i).scroll_into_view_if_needed()
        assert sparks.nth(i).evaluate("img => img.decode().then(() => img.naturalWidth > 0)"), i
    assert page.locator("article a[href*='indicators/']").count() >= 2
    page.screenshot(path=str(artifacts / f"topic-{viewport}.png"), full_page=True)
    if viewport == "phone":
        no_overflow(page)
    assert not page.log.errors, page.log.errors
    assert not page.log.failed, page.log.failed


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_plan_page(page, base_url, built, artifacts, viewport):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{base_url}plan/")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.portal-plan tbody tr")
    assert rows.count() >= 20
    text = page.locator("article").inner_text()
    assert "尚无后续数据" in text
    if "沈阳市" in text:  # a later Shenyang figure is labelled as Shenyang's and not used for progress
        assert "为沈阳市数据，不是全省数值" in text
    page.screenshot(path=str(artifacts / f"plan-{viewport}.png"), full_page=True)
    if viewport == "phone":
        no_overflow(page)
        assert rows.first.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert not page.log.errors, page.log.errors
    assert not page.log.failed, page.log.failed


def test_indicator_sections_in_the_menu(page, base_url, built):
    ind, topic = series_indicator(built)
    page.goto(f"{base_url}indicators/{ind}/")
    page.wait_for_load_state("networkidle")
    nav = page.locator("nav.md-nav--primary")
    assert nav.locator("a[href$='plan/']").count() >= 1
    assert nav.locator(f"a[href*='topics/{topic}/']").count() >= 1
    assert nav.locator("a[href*='/s1/']").count() == 0   # key-figure section pages stay out of the menu
