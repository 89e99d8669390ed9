"""The indicator explorer (portal-explorer.js) and the embeddable chart pages in Chromium, on
a phone and a desktop: ?places= draws exactly those places, the picker redraws and writes the
address without a reload, ?tab= opens one view, bad parameters are ignored with a note, the
page without JavaScript is the static page; /embed/indicators/<id>/ can be framed by another
site under the _headers policy while an indicator page cannot."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_query_page import HeaderHandler, header_rules

VIEWS = {"desktop": (1280, 900), "phone": (375, 740)}
NOT_OBSERVED = {"target", "growth", "rank"}


def places_with_values(site, ind):
    doc = json.loads((site / "downloads" / "by-indicator" / f"{ind}.json").read_text("utf-8"))
    unit = doc["indicator"]["unit"]
    return sorted({r["geography"] for r in doc["records"] if r["kind"] not in NOT_OBSERVED and not r["repeat_of"]
                   and r["value"] is not None and not r["breakdown"] and r["unit"] == unit})


@pytest.fixture(scope="module")
def indicator(built):
    """The charted indicator with the most places."""
    charted = {p.parent.name for p in (built.site / "embed" / "indicators").glob("*/index.html")}
    return max(sorted(charted), key=lambda i: len(places_with_values(built.site, i)))


def wait_drawn(page, places):
    page.locator(f'figure.portal-chart[data-rendered=yes][data-places="{",".join(places)}"]').wait_for(timeout=30000)


def drawn_labels(page):
    return set(page.locator("figure.portal-chart .portal-chart__view svg text").evaluate_all(
        "ts => ts.map(t => t.textContent)"))


@pytest.mark.parametrize("view", VIEWS)
def test_places_in_the_address_draw_exactly_those(browser, base_url, built, indicator, view):
    ctx = browser.new_context(viewport=dict(zip(("width", "height"), VIEWS[view])), is_mobile=view == "phone")
    page = ctx.new_page()
    errors, hosts = [], set()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    have = places_with_values(built.site, indicator)
    chosen = [p for p in ("辽宁省", "全国") if p in have] + [p for p in have if p not in ("辽宁省", "全国")][:2]
    page.goto(f"{base_url}indicators/{indicator}/?places={','.join(chosen)}")
    wait_drawn(page, chosen)
    labels = drawn_labels(page)
    assert set(chosen) <= labels and not (set(have) - set(chosen)) & labels
    assert page.locator(".portal-explorer__note").is_hidden()
    page.locator("#chart").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"explorer-{view}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWS[view][0]
    # the picker: every place with a value; a change redraws and writes the address, no reload
    page.locator(".portal-picker summary").click()
    boxes = page.locator(".portal-picker input[type=checkbox]")
    assert sorted(boxes.evaluate_all("bs => bs.map(b => b.value)")) == have
    length = page.evaluate("history.length")
    page.evaluate("window.__same_document = true")
    extra = next(p for p in have if p not in chosen)
    page.locator(f'.portal-picker input[value="{extra}"]').check()
    now = [p for p in boxes.evaluate_all("bs => bs.filter(b => b.checked).map(b => b.value)")]
    wait_drawn(page, now)
    assert extra in drawn_labels(page)
    assert unquote(urlsplit(page.url).query) == "places=" + ",".join(now)
    assert page.evaluate("history.length") == length and page.evaluate("window.__same_document") is True
    page.screenshot(path=str(ARTIFACTS / f"explorer-picker-{view}.png"))
    assert hosts == {urlsplit(base_url).netloc}
    assert not errors, errors
    ctx.close()


def test_bad_places_are_ignored_with_a_note(page, base_url, built, indicator):
    have = places_with_values(built.site, indicator)
    page.goto(f"{base_url}indicators/{indicator}/?places={quote('火星')},{quote(have[0])}")
    wait_drawn(page, [have[0]])
    note = page.locator(".portal-explorer__note")
    assert note.is_visible() and "火星" in note.inner_text()
    page.goto(f"{base_url}indicators/{indicator}/?places=nowhere")
    note.filter(has_text="nowhere").wait_for(timeout=20000)
    assert "默认" in note.inner_text()
    page.wait_for_timeout(500)
    assert page.locator("figure.portal-chart img").is_visible()   # the static chart is kept
    assert not page.log.errors, page.log.errors


@pytest.mark.parametrize("tab, shown", [("chart", "#chart"), ("table", "#values"), ("sources", "#sources")])
def test_tab_opens_that_view(page, base_url, indicator, tab, shown):
    page.goto(f"{base_url}indicators/{indicator}/?tab={tab}")
    page.locator(f'.portal-tabs button[data-tab="{tab}"][aria-pressed=true]').wait_for(timeout=20000)
    for section in ("#chart", "#values", "#sources"):
        assert page.locator(section).is_visible() == (section == shown), section
    page.click('.portal-tabs button[data-tab="all"]')
    assert all(page.locator(s).is_visible() for s in ("#chart", "#values", "#sources"))
    assert "tab=" not in page.url


def test_bad_tab_is_ignored_with_a_note(page, base_url, indicator):
    page.goto(f"{base_url}indicators/{indicator}/?tab=map")
    page.locator(".portal-explorer__note", has_text="tab=map").wait_for(timeout=20000)
    assert all(page.locator(s).is_visible() for s in ("#chart", "#values", "#sources"))


def test_without_javascript_the_page_is_static(browser, base_url, indicator):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{base_url}indicators/{indicator}/?places=辽宁省&tab=table")
    assert page.locator("figure.portal-chart img").is_visible()
    assert page.locator("#values").is_visible() and page.locator("#sources").is_visible()
    assert page.locator(".portal-stack tbody tr").count() > 0
    assert page.locator(".portal-explorer").is_hidden()
    ctx.close()


def test_the_explorer_script_waits_for_the_first_paint(page, base_url, indicator):
    page.goto(f"{base_url}indicators/{indicator}/")
    page.wait_for_load_state("load")
    page.locator(".portal-explorer:not([data-pending])").wait_for(timeout=20000)
    timing = page.evaluate("""() => {
        const paint = performance.getEntriesByName('first-paint')[0];
        const script = performance.getEntriesByType('resource').find(e => e.name.includes('portal-explorer.js'));
        return [paint && paint.startTime, script && script.startTime];
    }""")
    assert timing[0] is not None and timing[1] is not None and timing[1] >= timing[0], timing


# ------------------------------------------------------------- embedding

@pytest.fixture(scope="module")
def servers(built):
    """The site served with its _headers policy as HTTP headers, and another origin (another port)
    whose page frames an embed page and an indicator page."""
    handler = type("H", (HeaderHandler,), {"rules": header_rules(built.site)})
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(built.site)))
    pages = {}

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode("utf-8")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Other)
    for s in (site, other):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}/", f"http://127.0.0.1:{other.server_address[1]}/", pages
    site.shutdown()
    other.shutdown()


def test_only_embed_pages_can_be_framed(browser, servers, indicator):
    site, other, pages = servers
    embed = f"{site}embed/indicators/{indicator}/?places=辽宁省"
    pages["/article.html"] = (f'<!doctype html><meta charset="utf-8"><iframe id="a" src="{embed}" width="600" height="520"></iframe>'
                              f'<iframe id="b" src="{site}indicators/{indicator}/" width="600" height="300"></iframe>')
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(other + "article.html")
    framed = page.frame_locator("#a")
    framed.locator('figure.portal-chart[data-rendered=yes][data-places="辽宁省"]').wait_for(timeout=30000)
    assert framed.locator("h1").inner_text().strip()
    assert framed.locator(".portal-embed__meta").inner_text().count("来源：") == 1
    assert framed.locator('a[rel~="license"]').inner_text() == "CC BY 4.0"
    back = framed.locator(f'a[href$="indicators/{indicator}/"]')
    assert back.get_attribute("target") == "_blank"
    assert framed.locator("header, .md-sidebar").count() == 0
    page.screenshot(path=str(ARTIFACTS / "embed-framed.png"))
    page.wait_for_timeout(1000)
    urls = [f.url for f in page.frames]   # blocked by frame-ancestors 'none': Chromium's error page instead
    assert f"{site}indicators/{indicator}/" not in urls and "chrome-error://chromewebdata/" in urls, urls
    assert page.frame_locator("#a").locator("article.md-typeset").count() == 1
    ctx.close()


def test_indicator_page_shows_the_iframe_snippet(page, base_url, built, indicator):
    page.goto(f"{base_url}indicators/{indicator}/")
    code = page.locator("#embed ~ div pre code, #embed ~ .highlight code").first.inner_text()
    assert code.startswith("<iframe ") and f"embed/indicators/{indicator}/" in code
    assert (built.site / "embed" / "indicators" / indicator / "index.html").exists()


def test_png_download_is_the_export_with_its_source(page, base_url, built, indicator):
    """The caption's PNG (drawn in the browser) is made from the exported SVG (title, unit,
    来源, licence, address), not from the bare chart on the page."""
    import struct
    import xml.etree.ElementTree as ET

    page.goto(f"{base_url}indicators/{indicator}/")
    link = page.locator("figure.portal-chart figcaption a", has_text="SVG")
    assert link.get_attribute("href").endswith(".export.svg")
    with page.expect_download() as got:
        page.click("figure.portal-chart .portal-png")
    data = open(got.value.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    export = ET.fromstring((built.site / "assets" / "charts" / link.get_attribute("href").split("/")[-1]).read_text("utf-8"))
    assert (width, height) == (round(float(export.get("width")) * 2), round(float(export.get("height")) * 2))
    assert got.value.suggested_filename == f"{link.get_attribute('href').split('/')[-1].replace('.export.svg', '.png')}"
