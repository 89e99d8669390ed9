"""Charts load lazily (docs/assets/javascripts/portal.js): the first view is the static SVG,
the chart runtime is fetched only when a reader touches or scrolls to a chart, only charts
in view become interactive, and a PNG is made in the browser from the SVG."""

from __future__ import annotations

import struct

from scripts.portal.model.reader import load_portal
from tests.browser.conftest import reach_charts


def runtime_requested(page) -> bool:
    return any("vega-bundle" in u for u in page.log.requests)


def chart_page(built):
    portal = load_portal(built.packages)
    return next(p for p in portal.packages if p.display.get("shape") == "provinces")


def test_opening_a_page_shows_static_svg_without_the_runtime(page, base_url, built):
    pkg = chart_page(built)
    page.goto(f"{base_url}datasets/{pkg.name}/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    img = page.locator("figure.portal-chart img").first
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert img.get_attribute("src").endswith(".svg")
    assert not runtime_requested(page), "the chart runtime was loaded for a page that was only opened"
    page.locator("figure.portal-chart").first.hover()
    page.wait_for_selector("figure.portal-chart[data-rendered=yes] .portal-chart__view svg", timeout=20000)
    assert runtime_requested(page)
    assert img.is_hidden(), "the static image is still shown beside the live chart"
    assert not page.log.errors, page.log.errors


def test_only_charts_in_view_become_interactive(page, base_url):
    page.goto(f"{base_url}comparisons/")
    page.wait_for_load_state("networkidle")
    figures = page.locator("figure.portal-chart[data-spec]")
    assert figures.count() >= 3
    reach_charts(page, first_only=True)
    page.wait_for_timeout(500)
    last = figures.nth(figures.count() - 1)
    assert last.get_attribute("data-rendered") is None, "a chart far below the view was rendered"
    last.scroll_into_view_if_needed()
    page.wait_for_function("f => f.getAttribute('data-rendered') === 'yes'", arg=last.element_handle(),
                           timeout=20000)


def test_png_is_made_in_the_browser_from_the_svg(page, base_url, built):
    pkg = chart_page(built)
    page.route("**/vega-bundle.js", lambda route: route.abort())  # the PNG must not need the runtime
    page.goto(f"{base_url}datasets/{pkg.name}/")
    page.wait_for_load_state("networkidle")
    button = page.locator("figure.portal-chart .portal-png").first
    with page.expect_download() as info:
        button.click()
    download = info.value
    data = open(download.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    natural = page.locator("figure.portal-chart img").first.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert [width, height] == [2 * natural[0], 2 * natural[1]]
    assert download.suggested_filename.endswith(".png")
