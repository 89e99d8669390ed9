"""The site engines (scripts/portal/site/engine.py): MkDocs and Zensical build the same portal
from the same generated docs: the same pages and files, the Content-Security-Policy on every
page, the nav by report, the same search index and sitemap dates.

Zensical is an optional engine (requirements-zensical.txt): without it these tests are skipped,
except on CI (CI=true), where .ci/run installs it and a missing engine is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import os
import re
import sys
from pathlib import Path

import pytest

from scripts.portal.site import engine
from tests.site_build import FIXTURE_PACKAGES, built_site, zensical_site

INSTALLED = Path(sys.executable).with_name("zensical").exists()
pytestmark = pytest.mark.skipif(not INSTALLED and os.environ.get("CI") != "true",
                                reason="zensical is not installed (pip install -r requirements-zensical.txt)")

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# The hash Chromium named when Zensical 0.0.73's search dialog inserted its <style> under a
# policy without it (measured; the only style the theme's script inserts).
ZENSICAL_DIALOG_STYLE = "'sha256-NwSx/R2V/U4jnW0Tq5pQ53Y/rzPVJ4dqE7D6UTA/J1k='"
THEME_FILES = re.compile(r"^(assets/javascripts/(bundle\.|workers/|lunr/|LICENSE)|assets/stylesheets/(main\.|palette\.|"
                         r"classic/|modern/)|search/search_index\.json$|search\.json$|sitemap\.xml\.gz$|tags\.json$)")


def sites() -> tuple:
    """The fixture portal built by MkDocs, and by Zensical from the very same docs."""
    return built_site(str(FIXTURE_PACKAGES)).site, zensical_site(str(FIXTURE_PACKAGES)).site


def files(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*") if p.is_file()}


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_both_engines_build_the_same_pages_and_files():
    mk, zs = (files(s) for s in sites())
    pages = {p for p in mk if p.endswith(".html")}
    assert len(pages) > 30 and pages == {p for p in zs if p.endswith(".html")}
    assert "datasets/cnnic-47-table-6-app-usage/index.html" in pages and "404.html" in pages
    ours = {p for p in mk if not THEME_FILES.match(p)}
    assert ours == {p for p in zs if not THEME_FILES.match(p)}
    assert "search/search_index.json" in mk and "search.json" in zs   # each theme's stub
    same = [p for p in ours if not p.endswith(".html") and p not in ("sitemap.xml", "_headers")]
    assert len(same) > 50
    assert [p for p in same if mk[p].read_bytes() != zs[p].read_bytes()] == []


def inline_scripts(page: str) -> list:
    return [body for attrs, body in SCRIPT.findall(page)
            if not re.search(r"\bsrc\s*=", attrs) and not re.search(r'type="application/(ld\+)?json"', attrs)]


@pytest.mark.parametrize("which", ["mkdocs", "zensical"])
def test_every_page_has_the_policy_allowing_only_the_themes_scripts(which):
    site = sites()[["mkdocs", "zensical"].index(which)]
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        text = page.read_text("utf-8")
        metas = META.findall(text)
        assert len(metas) == 1, page
        assert text.index('<meta charset="utf-8">') < text.index("Content-Security-Policy") < text.index("<script")
        d = {x.split()[0]: x.split()[1:] for x in (p.strip() for p in htmllib.unescape(metas[0]).split(";")) if x}
        assert d["default-src"] == ["'self'"] and d["object-src"] == ["'none'"], page
        assert d["script-src"] == ["'self'"] + sorted({sha(b) for b in inline_scripts(text)}), page
        assert d.get("style-src") == (["'self'", ZENSICAL_DIALOG_STYLE] if which == "zensical" else None), page
        assert "'unsafe-inline'" not in metas[0] and "'unsafe-eval'" not in metas[0], page
        assert re.search(r"<script src=", text) is None, page          # every external script deferred
    headers = (site / "_headers").read_text("utf-8")
    assert "frame-ancestors 'none'" in headers and ("style-src" in headers) == (which == "zensical")


NAV = re.compile(r'<nav class="md-nav md-nav--primary".*?(?=<div class="md-sidebar md-sidebar--secondary")', re.S)
NAV_LINK = re.compile(r'<a href="([^"]*)"[^>]*class="md-nav__link[^"]*"[^>]*>(.*?)</a>', re.S)


def nav_links(page: Path, site: Path) -> list:
    """(target path, text) of each link of the page's menu (hrefs resolved: engines spell them
    differently, `..` and `./..`)."""
    import posixpath

    m = NAV.search(page.read_text("utf-8"))
    assert m, page
    here = page.parent.relative_to(site).as_posix()
    return [(posixpath.normpath(posixpath.join(here, href)),
             " ".join(re.sub(r"<[^>]+>", " ", htmllib.unescape(text)).split()))
            for href, text in NAV_LINK.findall(m.group(0))]


def test_the_nav_is_the_builds_nav_by_report_on_every_page_with_both_engines():
    mk, zs = sites()
    wrote = json.loads((built_site(str(FIXTURE_PACKAGES)).docs / ".nav.json").read_text("utf-8"))
    top = [next(iter(entry)) for entry in wrote]
    reports = [t for t, entry in ((next(iter(e)), e) for e in wrote) if isinstance(entry[t], list)]
    shown = [text for _, text in nav_links(mk / "index.html", mk)]
    assert [t for t in shown if t in top] == top               # every top entry, in the build's order
    assert len(reports) >= 4
    for page in sorted(mk.rglob("index.html")):
        if page.relative_to(mk).parts[0] == "embed":  # the embeddable charts carry no menu (overrides/embed.html)
            continue
        other = zs / page.relative_to(mk)
        assert nav_links(page, mk) == nav_links(other, zs), page


def test_the_search_index_and_sitemap_are_the_same_with_both_engines():
    from scripts.portal.site import search

    mk, zs = sites()
    a, b = search.index_path(mk), search.index_path(zs)
    assert a.name == b.name and a.read_bytes() == b.read_bytes()
    docs = json.loads(a.read_text("utf-8"))["docs"]
    assert len(docs) > 30 and any(d["k"] == "indicator" for d in docs)
    stub = json.loads((zs / "search.json").read_text("utf-8"))
    assert stub["config"]["portal_index"] == a.name
    assert [i["location"] for i in stub["items"]] == [d["u"] for d in docs]   # results are positions
    assert json.loads((mk / "search" / "search_index.json").read_text("utf-8"))["config"]["portal_index"] == a.name

    def dates(site):
        text = (site / "sitemap.xml").read_text("utf-8")
        return dict(re.findall(r"<loc>([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>", text)), text.count("<url>")

    (da, na), (db, nb) = dates(mk), dates(zs)
    assert da == db and len(da) == na == nb > 30


def test_page_urls_and_content_of_a_built_page():
    assert [engine.page_url(s) for s in ("index.md", "about.md", "datasets/x/index.md", "datasets/x/s2.md")] == \
        ["", "about/", "datasets/x/", "datasets/x/s2/"]
    page = ('<title>数据目录 - 门户</title><article class="md-content__inner md-typeset">'
            '<nav class="md-tags"><a>标签</a></nav><h1>数据目录</h1><p>正文</p></article>')
    assert engine.content(page) == "<p>正文</p>"               # the theme's own h1 and tags are not content
    assert engine.content(page.replace("<h1>", '<h1 id="x">')) == '<h1 id="x">数据目录</h1><p>正文</p>'
    assert engine.title(page, "门户") == "数据目录"


def test_an_unknown_or_missing_engine_is_a_clear_error(tmp_path):
    from scripts.portal.errors import PortalError

    with pytest.raises(PortalError, match="unknown site engine 'hugo'"):
        engine.run(tmp_path, tmp_path / "site", "hugo")
