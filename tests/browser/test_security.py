"""What is published is safe in a reader's browser.

1. Pages built from hostile strings (tests/hostile_packages.py: markup, <script>, onerror,
   javascript: links, attr_list, entity tricks in every text field and cell) run no script
   and gain no element, both with the Content-Security-Policy and with it stripped (escaping
   alone must hold: defence in depth). Charts, tooltips, search results and the SVG files
   are checked too.
2. The Content-Security-Policy (scripts/portal/site/postbuild.py) reports no violation on
   the real site's home, report, dataset (chart rendered), search results and other pages,
   also across instant navigation.
"""

from __future__ import annotations

import re

import pytest

from tests import hostile_packages
from tests.browser.conftest import reach_charts
from tests.browser.server import serve
from tests.site_build import built_site

# Installed before any page script: records payload calls, dialogs and CSP violations.
WATCH = """
window.__pwned = [];
window.__pwn = function (what) { window.__pwned.push(String(what)); };
["alert", "confirm", "prompt", "print"].forEach(function (f) {
  window[f] = function () { window.__pwned.push(f + ":" + Array.prototype.join.call(arguments, ",")); };
});
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" | "));
});
"""

# What an injection would leave in the DOM.
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    const cls = el.getAttribute("class") || "";
    if (/(^|\\s)pwn(\\s|$)/.test(cls)) bad.push("element <" + el.tagName.toLowerCase() + " class=pwn>");
    for (const a of el.attributes) if (/^on/i.test(a.name)) bad.push(el.tagName.toLowerCase() + " " + a.name);
    if (/^(iframe|object|embed|frame|frameset|base)$/i.test(el.tagName)) bad.push("element <" + el.tagName.toLowerCase() + ">");
    const link = el.getAttribute("href") || el.getAttribute("xlink:href") || el.getAttribute("src") || "";
    if (/^\\s*(javascript|vbscript|data):/i.test(link.replace(/[\\u0000-\\u001f]/g, "")))
      bad.push(el.tagName.toLowerCase() + " -> " + link.slice(0, 60));
  }
  for (const s of document.querySelectorAll("script")) {
    const type = (s.getAttribute("type") || "").toLowerCase();
    if (/__pwn|alert\\(/.test(s.textContent) && !/json$/.test(type)) bad.push("script " + s.textContent.slice(0, 60));
  }
  if (document.body && getComputedStyle(document.body).display === "none") bad.push("body hidden by injected CSS");
  return bad;
}"""


def watch(context, dialogs: list) -> None:
    context.add_init_script(WATCH)
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))


def watched_page(browser):
    """A desktop page whose dialogs, console errors and page errors are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    dialogs, errors = [], []
    watch(context, dialogs)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, dialogs, errors


def state(page) -> dict:
    return page.evaluate("() => ({pwned: window.__pwned, csp: window.__csp})")


def wait_for_charts(page) -> None:
    """Scroll every chart into view and wait until each has finished (rendered or kept as a
    static image)."""
    reach_charts(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.portal-chart[data-spec]')]"
        ".every(f => ['yes', 'failed'].includes(f.getAttribute('data-rendered')))", timeout=20000)
    failed = page.locator("figure.portal-chart[data-rendered=failed]").count()
    assert failed == 0, f"{failed} chart(s) failed to render on {page.url}"


def strip_csp(route):
    """Serve pages without their CSP <meta>: escaping alone must keep hostile strings inert."""
    if route.request.resource_type != "document":
        return route.continue_()
    response = route.fetch()
    body = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", response.text())
    route.fulfill(response=response, body=body)


def site_pages(site) -> list:
    """Every page of a built site, as paths under the base URL. 404.html is left out: it links
    its assets from the site root (site_url), which the test server does not serve; its
    policy is checked in tests/test_site_csp.py."""
    return sorted(p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("*.html")
                  if p.name != "404.html")


# ------------------------------------------------------------------ hostile strings

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    packages = hostile_packages.make(tmp_path_factory.mktemp("hostile") / "packages")
    built = built_site(str(packages))
    server, url = serve(built.site, "/portal/")
    yield built, url
    server.shutdown()


@pytest.mark.parametrize("csp", ["with-csp", "csp-stripped"])
def test_hostile_pages_run_no_script(browser, hostile, csp):
    built, base_url = hostile
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    dialogs, errors, failed = [], [], []
    watch(context, dialogs)
    if csp == "csp-stripped":
        context.route(f"{base_url}**", strip_csp)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pages = site_pages(built.site)
    assert len(pages) > 15
    shown = 0
    try:
        for path in pages:
            page.goto(base_url + path)
            has_csp = page.locator('meta[http-equiv="Content-Security-Policy"]').count() > 0
            assert has_csp == (csp == "with-csp"), path
            wait_for_charts(page)
            page.wait_for_timeout(100)  # onerror/ontoggle handlers fire after load
            found = state(page)
            assert found["pwned"] == [], (path, found["pwned"])
            assert found["csp"] == [], (path, found["csp"])
            assert page.evaluate(INJECTED) == [], path
            # the hostile strings are on the page, as text
            if path.startswith(("datasets/", "reports/")):  # the pages that print the packages' texts
                shown += page.evaluate("() => document.body.innerText.includes('<script>__pwn(\"script\")</script>')")
        package_pages = [p for p in pages if p.startswith(("datasets/", "reports/"))]
        assert shown >= len(package_pages) - 3, f"hostile text visible on only {shown} of {len(package_pages)} pages"
        assert not dialogs and not errors, (dialogs, errors)
        assert not failed, failed
    finally:
        context.close()


def test_hostile_chart_labels_tooltips_and_search(browser, hostile):
    built, base_url = hostile
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    dialogs = []
    watch(context, dialogs)
    page = context.new_page()
    try:
        page.goto(f"{base_url}datasets/liaoning-internet-2020-appendix-1-ipv4-by-province/")
        wait_for_charts(page)
        labels = page.locator("figure.portal-chart .portal-chart__view svg .role-axis-label text")
        assert "__pwn" in " ".join(labels.all_text_contents())  # hostile labels are drawn, as text
        marks = page.locator("figure.portal-chart .portal-chart__view svg .mark-rect path")
        assert marks.count() > 3
        tooltip_text = ""
        for i in range(min(marks.count(), 12)):
            marks.nth(i).hover()
            page.wait_for_timeout(50)
            tooltip_text += page.locator("#vg-tooltip-element").inner_text()
            assert page.evaluate(INJECTED) == []
        assert "__pwn" in tooltip_text, tooltip_text[:200]
        # search results are built from the index text: still text
        box = page.locator("input[data-md-component=search-query]")
        box.click()
        box.fill("pwn")
        box.dispatch_event("keyup")
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        page.wait_for_timeout(300)
        assert "__pwn" in page.locator(".md-search-result").inner_text()
        assert page.evaluate(INJECTED) == []
        page.locator(".md-search-result__item a").first.click()  # highlighted result page
        page.wait_for_load_state("networkidle")
        assert page.evaluate(INJECTED) == []
        found = state(page)
        assert found == {"pwned": [], "csp": []}, found
        # the static SVG charts, opened on their own (a reader may open the download)
        svgs = sorted((built.site / "assets" / "charts").glob("*.svg"))
        assert svgs
        for svg in svgs:
            page.goto(f"{base_url}assets/charts/{svg.name}")
            # the words are kept as attributes (data-text, aria-label) beside the glyph outlines: escaped, inert
            assert page.evaluate("() => new XMLSerializer().serializeToString(document.documentElement).includes('__pwn')"), svg.name
            assert page.evaluate(INJECTED) == [], svg.name
            assert page.evaluate("() => document.querySelectorAll('script, foreignObject').length") == 0, svg.name
            assert page.evaluate("() => window.__pwned") == [], svg.name
        assert not dialogs, dialogs
    finally:
        context.close()


# ------------------------------------------------------------------ CSP on the real site

def policy_of(page) -> dict:
    metas = page.locator('meta[http-equiv="Content-Security-Policy"]')
    assert metas.count() >= 1, page.url
    text = metas.first.get_attribute("content")
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in text.split(";")) if d}


def check_policy(page) -> None:
    d = policy_of(page)
    assert d["default-src"] == ["'self'"], d
    assert "'unsafe-eval'" not in d["script-src"] and "'unsafe-inline'" not in d["script-src"], d
    assert "style-src" not in d, d


def chart_dataset(built):
    from scripts.portal.model.reader import load_portal

    portal = load_portal(built.packages)
    pkg = next((p for p in portal.packages if p.display.get("shape") == "provinces"), portal.packages[0])
    kf = next((p for p in portal.packages if p.source.get("table") == "key-figures"), None)
    return pkg, kf


def test_csp_no_violation_on_home_report_dataset_search(browser, base_url, built):
    pkg, kf = chart_dataset(built)
    context, page, dialogs, errors = watched_page(browser)
    paths = ["", f"reports/{pkg.report.slug}/", f"datasets/{pkg.name}/", "comparisons/", "catalog/",
             "about/"] + ([f"datasets/{kf.name}/s1/"] if kf else [])
    try:
        for path in paths:
            page.goto(base_url + path)
            page.wait_for_load_state("networkidle")
            check_policy(page)
            wait_for_charts(page)
            if path.startswith("datasets/") and not path.endswith("/s1/"):
                assert page.locator("figure.portal-chart[data-rendered=yes] .portal-chart__view svg").count() >= 1
                page.locator("figure.portal-chart .portal-chart__view svg .mark-rect path").first.hover()
                page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
                # vega-tooltip's look comes from portal.css now (no injected <style>)
                assert page.evaluate("getComputedStyle(document.getElementById('vg-tooltip-element')).position") == "fixed"
            assert state(page)["csp"] == [], (path, state(page)["csp"])
        # search results page
        box = page.locator("input[data-md-component=search-query]")
        box.click()
        box.fill("网民")
        box.dispatch_event("keyup")
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        page.wait_for_timeout(300)
        assert state(page)["csp"] == []
        page.locator(".md-search-result__item a").first.click()
        page.wait_for_load_state("networkidle")
        assert state(page)["csp"] == []
        assert not errors and not dialogs, (errors, dialogs)
    finally:
        context.close()


def test_csp_holds_across_instant_navigation(browser, base_url, built):
    """Material's instant navigation keeps the first page's policy and adds each new page's
    (policies only accumulate), and re-runs the content's inline scripts: all still allowed."""
    pkg, _ = chart_dataset(built)
    context, page, dialogs, errors = watched_page(browser)
    try:
        page.goto(base_url)
        page.wait_for_load_state("networkidle")
        page.locator(f"article a[href*='reports/{pkg.report.slug}/']").first.click()
        page.wait_for_url(f"**/reports/{pkg.report.slug}/")
        page.locator(f"article a[href*='datasets/{pkg.name}/']").first.click()
        page.wait_for_url(f"**/datasets/{pkg.name}/")
        reach_charts(page, first_only=True)
        page.wait_for_selector("figure.portal-chart[data-rendered=yes] .portal-chart__view svg", timeout=20000)
        page.locator(".tabbed-labels label").nth(1).click()  # citation tabs (content.tabs.link)
        page.locator("a.md-header__button.md-logo").click()  # back to the home page (depth 0)
        page.wait_for_url(base_url)
        page.wait_for_load_state("networkidle")
        page.go_back()  # to the dataset page (its URL now ends with the tab's #anchor)
        page.wait_for_url(re.compile(rf"/datasets/{pkg.name}/(#.*)?$"))
        page.wait_for_load_state("networkidle")
        wait_for_charts(page)
        found = state(page)
        assert found == {"pwned": [], "csp": []}, found
        assert not errors and not dialogs, (errors, dialogs)
    finally:
        context.close()
