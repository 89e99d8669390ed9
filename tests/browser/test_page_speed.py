"""What makes a page fast on a phone (issue 9), checked in Chromium on the built portal: the
search index is fetched only when a reader goes to search, the page scripts do not hold back
the first paint, nothing moves when the scripts come alive, and a chart keeps its room."""

from __future__ import annotations

import re

import pytest

# Sum of the page's layout shifts (the Cumulative Layout Shift of web-vitals, without the
# session windows), collected from the start of the page; an init script is not subject to the
# page's Content-Security-Policy.
CLS_PROBE = """
window.__shift = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
}).observe({type: "layout-shift", buffered: true});
"""


def index_requested(page) -> bool:
    return any(re.search(r"/search/portal-index\.[0-9a-f]+\.json$", u) for u in page.log.requests)


def test_search_index_waits_for_the_page_and_comes_at_once_for_a_reader_who_searches(page, base_url):
    page.goto(f"{base_url}indicators/")
    page.wait_for_load_state("load")
    assert not index_requested(page), "the 650 KB search index was fetched while the page was loading"
    page.keyboard.press("s")   # Material's shortcut: focus the search box; the index is asked for now
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('.md-search__input')")
    page.wait_for_function("() => !/初始化/.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=20000)
    page.keyboard.type("5G基站")
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    assert index_requested(page)
    assert not page.log.errors, page.log.errors


def test_search_index_is_fetched_after_the_page_has_loaded_when_idle(page, base_url):
    import time

    seen = {}
    page.on("load", lambda: seen.setdefault("load", time.monotonic()))
    page.on("request", lambda r: seen.setdefault("index", time.monotonic())
            if re.search(r"/search/portal-index\.[0-9a-f]+\.json$", r.url) else None)
    page.goto(base_url)
    deadline = time.monotonic() + 20
    while "index" not in seen and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "index" in seen, "the search index was never fetched on an idle page"
    assert seen["index"] - seen["load"] >= 1.5, seen   # IDLE_SEARCH (2 s) after the load event


def test_page_scripts_are_deferred(page, base_url):
    page.goto(base_url)
    scripts = page.locator("script[src]").evaluate_all("ss => ss.map(s => [s.getAttribute('src'), s.defer])")
    assert scripts and all(deferred for _, deferred in scripts), scripts


@pytest.mark.parametrize("path", ["", "catalog/", "datasets/cnnic-47-key-figures/s1/", "indicators/cn-domains/"])
def test_nothing_moves_when_the_page_comes_alive_on_a_phone(browser, base_url, path):
    context = browser.new_context(viewport={"width": 412, "height": 823}, device_scale_factor=2)
    page = context.new_page()
    page.add_init_script(CLS_PROBE)
    page.goto(f"{base_url}{path}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    shift = page.evaluate("window.__shift")
    bar = page.locator("[data-filter-bar]")
    if bar.count():
        assert bar.evaluate("b => !b.hasAttribute('data-pending') && getComputedStyle(b).visibility === 'visible'")
    context.close()
    assert shift < 0.01, f"{path or 'home'}: layout shift {shift:.3f} while the page loaded"


def test_first_chart_of_an_indicator_is_fetched_at_once_and_every_chart_keeps_its_room(page, base_url):
    page.goto(f"{base_url}indicators/cn-domains/")
    imgs = page.locator("figure.portal-chart img")
    assert imgs.count() >= 1
    first = imgs.first
    assert first.get_attribute("loading") is None and first.get_attribute("fetchpriority") == "high"
    page.goto(f"{base_url}comparisons/")
    sizes = page.locator("figure.portal-chart img").evaluate_all(
        "is => is.map(i => [i.getAttribute('width'), i.getAttribute('height'), i.getAttribute('loading')])")
    assert len(sizes) >= 3
    assert all(w and h and int(w) > 0 and int(h) > 0 for w, h, _ in sizes), sizes
    assert all(loading == "lazy" for _, _, loading in sizes)
