"""The built portal in headless Chromium: search, charts, downloads, no foreign requests."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from urllib.parse import urlparse

import openpyxl
import pytest
import zhconv

from scripts.portal.model.reader import load_portal
from tests.browser.conftest import reach_charts


def search(page, base_url, query):
    page.goto(base_url)
    page.wait_for_load_state("networkidle")
    box = page.locator("input[data-md-component=search-query]")
    box.click()
    box.fill(query)
    box.dispatch_event("keyup")  # typing Chinese with keyboard.type does not trigger the search
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    page.wait_for_timeout(300)
    return [page.evaluate("a => new URL(a.href).pathname", a)
            for a in page.locator(".md-search-result__item > a, .md-search-result__more a, .md-search-result__article")
            .element_handles() if a.get_attribute("href")]


def pages_containing(built, text):
    """Site paths (/portal/...) of generated pages whose Markdown holds text (either script)."""
    variants = {text, zhconv.convert(text, "zh-hant"), zhconv.convert(text, "zh-tw"), zhconv.convert(text, "zh-hk")}
    out = set()
    for md in built.docs.rglob("*.md"):
        body = md.read_text("utf-8")
        if any(v in body for v in variants):
            rel = md.relative_to(built.docs).with_suffix("").as_posix()
            rel = rel[:-len("index")] if rel.endswith("index") else rel + "/"
            out.add("/portal/" + rel)
    return out


@pytest.mark.parametrize("query", ["网民", "FTTH", "沈阳"])
def test_search_finds_pages(page, base_url, built, query):
    expected = pages_containing(built, query)
    assert expected, f"no generated page holds {query}"
    found = {p.split("#")[0] for p in search(page, base_url, query)}
    assert found & expected, (query, sorted(found)[:10])
    if query == "沈阳":  # the traditional-script report is found by its simplified name
        assert any("digital-shenyang-2022" in p for p in found), sorted(found)


def dataset_with_chart(built):
    portal = load_portal(built.packages)
    return next((p for p in portal.packages if p.display.get("shape") == "provinces"), portal.packages[0])


def test_dataset_page_renders_chart_without_console_errors(page, base_url, built, artifacts):
    pkg = dataset_with_chart(built)
    page.goto(f"{base_url}datasets/{pkg.name}/")
    reach_charts(page, first_only=True)
    page.wait_for_selector("figure.portal-chart[data-rendered=yes] .portal-chart__view svg", timeout=20000)
    assert page.locator("figure.portal-chart .portal-chart__view svg").count() >= 1
    label = page.locator("figure.portal-chart [role=graphics-document]").first.get_attribute("aria-label")
    assert label and label.endswith("。")
    assert not page.log.errors, page.log.errors
    assert not page.log.failed, page.log.failed
    page.screenshot(path=str(artifacts / "dataset.png"), full_page=True)


def test_chart_renders_after_instant_navigation(page, base_url, built):
    pkg = dataset_with_chart(built)
    page.goto(f"{base_url}reports/{pkg.report.slug}/")
    page.wait_for_load_state("networkidle")
    page.locator(f"article a[href*='datasets/{pkg.name}/']").first.click()
    page.wait_for_url(f"**/datasets/{pkg.name}/")
    reach_charts(page, first_only=True)
    page.wait_for_selector("figure.portal-chart[data-rendered=yes] .portal-chart__view svg", timeout=20000)
    assert not page.log.errors, page.log.errors


def test_home_page_screenshot_and_no_runtime_without_charts(page, base_url, artifacts):
    page.goto(base_url)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().strip()
    assert not any("vega-bundle" in u for u in page.log.requests), "chart runtime loaded on a page without charts"
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)
    assert not page.log.errors, page.log.errors


def test_no_request_leaves_the_local_server(page, base_url, built):
    pkg = dataset_with_chart(built)
    for path in ["", f"datasets/{pkg.name}/", "comparisons/", "catalog/", "about/"]:
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    search(page, base_url, "网民")
    hosts = {urlparse(u).hostname for u in page.log.requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, hosts


def test_every_download_link_answers_and_matches_the_package(page, base_url, built):
    """Every package's page: each download link (size and SHA-256 shown) answers with the package's bytes.

    Pages are fetched over HTTP and parsed (fast); the link table of one page is also read
    from the rendered DOM to be sure the parsing sees what a reader sees.
    """
    from urllib.parse import urljoin

    portal = load_portal(built.packages)
    req = page.context.request
    for pkg in portal.packages:
        url = f"{base_url}datasets/{pkg.name}/"
        html = req.get(url).text()
        section = html[html.index('id="downloads"'):html.index('id="cite"')]
        links = re.findall(r'<a href="([^"]+)">[^<]*</a></td>.*?<code class="portal-hash">([0-9a-f]{64})</code>', section, re.S)
        assert len(links) == 5, (pkg.name, links)
        for href, shown_hash in links:
            resp = req.get(urljoin(url, href))
            assert resp.ok, href
            body = resp.body()
            assert hashlib.sha256(body).hexdigest() == shown_hash, href
            check_content(pkg, href, body)
    page.goto(f"{base_url}datasets/{portal.packages[0].name}/")
    shown = page.locator("#downloads ~ .md-typeset__scrollwrap a, #downloads ~ * table a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))")
    assert len(shown) == 5


def check_content(pkg, href, body):
    name = href.rsplit("/", 1)[-1]
    if name == "data.csv":
        assert body == (pkg.path / "data.csv").read_bytes()
    elif name == "datapackage.json":
        assert body == (pkg.path / "datapackage.json").read_bytes()
    elif name.endswith(".xlsx"):
        ws = openpyxl.load_workbook(io.BytesIO(body))["data"]
        assert ws.max_row == len(pkg.rows) + 1
    elif name.endswith(".json"):
        assert len(json.loads(body)["records"]) == len(pkg.rows)
    elif name.endswith(".zip"):
        z = zipfile.ZipFile(io.BytesIO(body))
        assert z.read(f"{pkg.name}/data.csv") == (pkg.path / "data.csv").read_bytes()
    else:
        raise AssertionError(f"unexpected download {href}")


def test_phone_width_has_no_horizontal_scroll(browser, base_url, built, artifacts):
    pkg = dataset_with_chart(built)
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=1)
    pg = context.new_page()
    for path in ["", f"datasets/{pkg.name}/", "comparisons/", f"reports/{pkg.report.slug}/"]:
        pg.goto(base_url + path)
        pg.wait_for_load_state("networkidle")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    pg.screenshot(path=str(artifacts / "report-phone.png"))
    context.close()
