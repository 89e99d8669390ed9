"""Content-Security-Policy of the built site (scripts/portal/site/postbuild.py), without a
browser: every page carries the policy before its first script, the policy allows exactly the
theme's inline scripts by hash, and an inline script that is not the theme's is refused."""

from __future__ import annotations

import base64
import hashlib
import re
import pytest

from scripts.portal.errors import PortalError
from scripts.portal.site import postbuild
from tests.site_build import FIXTURE_PACKAGES, built_site, mkdocs_build

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


@pytest.fixture(scope="module")
def fixture_site():
    return built_site(str(FIXTURE_PACKAGES))


def directives(policy: str) -> dict:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"


def test_every_page_has_the_policy_before_any_script(fixture_site):
    pages = sorted(fixture_site.site.rglob("*.html"))
    assert len(pages) > 10 and (fixture_site.site / "404.html") in pages
    for page in pages:
        html = page.read_text("utf-8")
        metas = META.findall(html)
        assert len(metas) == 1, page
        assert html.index("Content-Security-Policy") < html.index("<script"), page
        assert html.index('<meta charset="utf-8">') < html.index("Content-Security-Policy"), page
        d = directives(metas[0])
        assert d["default-src"] == ["'self'"], page
        assert d["object-src"] == ["'none'"] and d["base-uri"] == ["'self'"], page
        assert "style-src" not in d, page  # falls back to default-src 'self': no inline styles
        assert d["img-src"] == ["'self'", "data:"], page
        assert "'unsafe-inline'" not in metas[0] and "'unsafe-eval'" not in metas[0], page
        # every inline script the browser would run is allowed by its hash, and nothing else is
        inline = [body for attrs, body in postbuild.SCRIPT.findall(html) if postbuild.runs_inline(attrs)]
        assert sorted({sha(b) for b in inline}) == d["script-src"][1:], page
        assert d["script-src"][0] == "'self'"
        assert 'style="' not in html, (page, re.findall(r'<[^>]* style="[^"]*"', html)[:3])


def test_theme_script_hashes_are_few(fixture_site):
    """Material's inline scripts: __md_scope (one per page depth), content tabs, anchor target."""
    hashes = set()
    for page in fixture_site.site.rglob("*.html"):
        hashes |= set(directives(META.search(page.read_text("utf-8")).group(1))["script-src"][1:])
    assert 3 <= len(hashes) <= 8, sorted(hashes)


def theme_pattern(tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.html").write_text(
        '<meta charset="utf-8"><script>var root=new URL("{{ base_url }}",location)</script>'
        '<script type="application/ld+json">{{ page.meta.jsonld }}</script>', "utf-8")
    return postbuild.template_scripts((str(theme),))


def test_only_template_scripts_are_hashed(tmp_path):
    allowed = theme_pattern(tmp_path)
    theme_script = 'var root=new URL("../..",location)'
    page = ('<html><head><meta charset="utf-8">'
            f'<script>{theme_script}</script>'
            '<script type="application/ld+json">{"a": 1}</script>'
            '<script src="x.js"></script></head><body>'
            '<script>alert(document.cookie)</script>'                   # not a template script
            '<script>var root=new URL("\\"+alert(1)+\\"",location)</script>'  # template with a quote injected
            '</body></html>')
    refused = []
    out, hashes = postbuild.add_csp(page, allowed, "x.md", refused)
    policy = directives(META.search(out).group(1))
    assert policy["script-src"] == ["'self'", sha(theme_script)] and hashes == {sha(theme_script)}
    assert len(refused) == 2 and all(r.startswith("x.md: ") for r in refused)
    assert out.index("Content-Security-Policy") < out.index("<script")


def test_build_fails_on_an_inline_script_in_a_page(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n\n正文\n", "utf-8")
    mkdocs_build(docs, tmp_path / "site")  # the same page without the script builds
    (docs / "index.md").write_text("# 首页\n\n<script>alert(1)</script>\n", "utf-8")
    with pytest.raises(PortalError, match="inline scripts that are not in a theme template"):
        mkdocs_build(docs, tmp_path / "site2")


def test_sections_the_markdown_keeps_out_of_search_stay_out_when_the_engine_drops_the_mark():
    """Zensical drops attr_list's data-search-exclude from headings; the Markdown still says it."""
    markdown = "# 标题\n\n## 引用 {#cite data-search-exclude}\n\n## 数据 {#values}\n"
    dropped = '<h2 id="cite">引用</h2><p>BibTeX</p><h2 id="values">数据</h2>'
    kept = '<h2 data-search-exclude id="cite">引用</h2><p>BibTeX</p><h2 id="values">数据</h2>'
    assert postbuild.mark_excluded(dropped, markdown) == kept
    assert postbuild.mark_excluded(kept, markdown) == kept           # MkDocs kept it: unchanged
