"""The fact table's dataset page (/datasets/indicators/, scripts/portal/site/facts_dataset.py) in
headless Chromium at a phone's and a desktop's width: its title, coverage and field tables
readable without the page growing wider than the screen, its downloads served, no request to
another host, no script error; full-page screenshots in test-artifacts/facts-dataset/."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from scripts.portal.model.reader import load_portal
from tests.browser.conftest import PageLog

PATH = "datasets/indicators/"


@pytest.fixture(scope="module")
def facts(built):
    pkg = load_portal(built.packages).derived.get("indicators")
    if pkg is None:
        pytest.skip("this build has no fact table (datapackages/indicators/)")
    return pkg


@pytest.mark.parametrize("width", [390, 1280])
def test_fact_table_page_reads_on_phone_and_desktop(browser, base_url, facts, artifacts, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    log = PageLog(pg)
    pg.goto(base_url + PATH)
    pg.wait_for_load_state("networkidle")
    assert pg.locator("article h1").inner_text().strip().rstrip("¶") == facts.title
    coverage = pg.locator("#coverage ~ div table, #coverage ~ table").first
    assert coverage.is_visible()
    assert pg.locator("article table").count() >= 4   # coverage, reports, fields, downloads
    # tables scroll inside their wrappers: the page itself is never wider than the screen
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= width
    fields = pg.locator("article code", has_text="unmapped_reason")
    assert fields.count() >= 1
    out = artifacts / "facts-dataset"
    out.mkdir(exist_ok=True)
    pg.screenshot(path=str(out / f"indicators-{width}.png"), full_page=True)
    hrefs = pg.eval_on_selector_all("#downloads ~ div table a, #downloads ~ table a", "as => as.map(a => a.href)")
    assert len(hrefs) == 5
    for href in hrefs:
        assert pg.request.head(href).status == 200, href
    host = urlparse(base_url).netloc
    assert [u for u in log.requests if urlparse(u).netloc not in (host, "")] == []
    assert log.errors == [] and log.failed == []
    context.close()
