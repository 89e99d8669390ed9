"""Page generator (scripts/portal/site/pages.py) on the fixture packages."""

from __future__ import annotations

import copy
import json
import re
import shutil

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.site import pages
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES, built_site, copy_handwritten_docs, generate, mkdocs_build

HOSTILE = '<script>alert(1)</script> [x](javascript:alert(2)) {: onclick="x"} *em* | `code` & </title>'


@pytest.fixture(scope="module")
def fixture_site():
    return built_site(str(FIXTURE_PACKAGES))


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def test_every_package_has_page_chart_downloads_and_citation(fixture_site, portal):
    site = fixture_site.site
    for pkg in portal.packages:
        page = site / "datasets" / pkg.name / "index.html"
        html = page.read_text(encoding="utf-8")
        assert 'class="portal-chart"' in html, pkg.name
        assert (site / "assets" / "charts" / f"{pkg.name}-1.svg").exists()
        assert (site / "downloads" / pkg.name / "data.csv").read_bytes() == pkg.csv_bytes
        for label in ("GB/T 7714-2015", "APA", "BibTeX"):
            assert label in html, (pkg.name, label)
        assert "[DS/OL]" in html


def test_every_report_has_a_page(fixture_site, portal):
    for report in portal.reports:
        html = (fixture_site.site / "reports" / report.slug / "index.html").read_text(encoding="utf-8")
        assert "发布者" in html and "[R/OL]" in html


def test_navigation_is_grouped_by_report_and_pruned(fixture_site, portal):
    nav = json.loads((fixture_site.docs / pages.NAV_FILE).read_text(encoding="utf-8"))
    titles = [next(iter(item)) for item in nav]
    for report in portal.reports:
        assert pages.plain(report.title) in titles
    # a dataset page's menu lists its own report's datasets, not every dataset
    other = next(p for p in portal.packages if p.report.slug == "cnnic-47")
    html = (fixture_site.site / "datasets" / "liaoning-internet-2020-table-1-app-users" / "index.html").read_text("utf-8")
    assert f"datasets/{other.name}/" not in html


@pytest.mark.parametrize("text", ["a *b* c", "[x](javascript:y)", "<b>x</b>", "**s**", "# h", "a `c` d", "1. x"])
def test_md_filter_neutralises_markdown_and_html(text):
    import markdown

    rendered = markdown.markdown("para " + pages.md(text) + " {: .cls }",
                                 extensions=["attr_list", "tables", "md_in_html"])
    inner = re.sub(r"</?p>", "", rendered)
    assert "<" not in inner, rendered                       # no element was created
    assert text in __import__("html").unescape(inner)       # and the text reads as written


def test_plain_filter_removes_markup_characters():
    assert not set(pages.plain(HOSTILE)) & set("<>&\"'`")


@pytest.mark.parametrize("doc,root", [("index.md", ""), ("catalog.md", "../"), ("datasets/x.md", "../../"),
                                      ("reports/r/index.md", "../../"), ("datasets/x/s1.md", "../../../")])
def test_url_root_is_relative(doc, root):
    assert pages.url_root(doc) == root


def test_links_are_relative_so_the_site_works_at_a_sub_path(fixture_site):
    for page in fixture_site.site.rglob("*.html"):
        if page.name == "404.html":  # Material's 404 page uses site_url (absolute) by design
            continue
        html = page.read_text(encoding="utf-8")
        bad = re.findall(r'(?:href|src)="/(?!/)[^"]*"', html)
        assert not bad, (page, bad[:3])


def test_hostile_strings_are_escaped(tmp_path):
    packages = tmp_path / "packages"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    pkg_dir = packages / "liaoning-internet-2020-table-2-enterprises-by-type"
    desc = json.loads((pkg_dir / "datapackage.json").read_text("utf-8"))
    desc["title"] = desc["title_en"] = desc["description"] = HOSTILE
    desc["keywords"] = [HOSTILE]
    desc["x-source"]["caption"] = HOSTILE
    desc["x-quality"][1]["detail"] = HOSTILE
    csv = (pkg_dir / "data.csv").read_bytes().replace("信息服务业务".encode(), b'"=HYPERLINK(""http://x"")<img src=x onerror=alert(3)>"', 1)
    (pkg_dir / "data.csv").write_bytes(csv)
    import hashlib
    desc["resources"][0]["bytes"] = len(csv)
    desc["resources"][0]["hash"] = "sha256:" + hashlib.sha256(csv).hexdigest()
    (pkg_dir / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    docs, site = tmp_path / "docs", tmp_path / "site"
    copy_handwritten_docs(docs)
    generate(packages, docs, no_png=True)
    mkdocs_build(docs, site)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = Elements()
        found.feed(html)
        assert not [a for a in found.attrs if a[0].startswith("on")], page
        assert not [a for a in found.attrs if a[0] == "href" and (a[1] or "").startswith("javascript:")], page
        assert not [t for t in found.scripts if "<script" in t or "alert(1)</" in t], page
        assert not [a for a in found.attrs if a[0] == "src" and a[1] == "x"], page
        assert found.titles == 1, page


class Elements(__import__("html.parser").parser.HTMLParser):
    """Collects attributes, inline script bodies and <title> count of a page."""

    def __init__(self):
        super().__init__()
        self.attrs, self.scripts, self.titles, self._in_script = [], [], 0, False

    def handle_starttag(self, tag, attrs):
        self.attrs += attrs
        self.titles += tag == "title"
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_bad_hash_is_a_portal_error_naming_the_package(tmp_path):
    packages = tmp_path / "packages"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    target = packages / "liaoning-internet-2020-table-2-enterprises-by-type" / "data.csv"
    target.write_bytes(target.read_bytes() + b"x,1,1,data,,1\n")
    with pytest.raises(PortalError) as err:
        load_portal(packages)
    assert "liaoning-internet-2020-table-2-enterprises-by-type" in str(err.value)
    assert "hash" in str(err.value)


def test_bad_cell_names_row_and_field(tmp_path):
    packages = tmp_path / "packages"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    pkg_dir = packages / "liaoning-internet-2020-appendix-1-ipv4-by-province"
    csv = (pkg_dir / "data.csv").read_bytes().replace(b"25.49", b"n/a")
    (pkg_dir / "data.csv").write_bytes(csv)
    desc = json.loads((pkg_dir / "datapackage.json").read_text("utf-8"))
    desc["resources"][0].pop("hash")
    desc["resources"][0].pop("bytes")
    (pkg_dir / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    with pytest.raises(PortalError) as err:
        load_portal(packages)
    assert err.value.row == 2 and err.value.field == "ipv4_share"


def test_totals_are_marked_and_discrepancies_shown_above_the_table(fixture_site):
    html = (fixture_site.site / "datasets" / "liaoning-internet-2020-table-2-enterprises-by-type" / "index.html").read_text("utf-8")
    assert 'class="row-total' in html  # labelled 合计 already: no second "合计" badge
    warning = html.index("原文数据不一致")
    assert warning < html.index('<table class="portal-table"')
    assert "100.1" in html[warning:]


def test_units_in_table_headers(fixture_site):
    html = (fixture_site.site / "datasets" / "liaoning-internet-2020-table-1-app-users" / "index.html").read_text("utf-8")
    assert "2020年网民使用率 (%)" in html and "2019年用户规模 (万)" in html


def test_dataset_pages_are_under_60_kb(fixture_site):
    for page in (fixture_site.site / "datasets").rglob("index.html"):
        assert page.stat().st_size < 60_000, page


def test_key_figures_one_page_per_report_section(portal):
    pkg = next(p for p in portal.packages if p.name == "liaoning-internet-2020-key-figures")
    sections = pages.key_figure_sections(pkg)
    assert sum(s["count"] for s in sections) == len(pkg.rows)
    assert len({s["name"] for s in sections}) == len(sections)


def search_docs(site) -> dict:
    from scripts.portal.site import search

    index = json.loads(search.index_path(site).read_text("utf-8"))
    return index, {d["u"]: (i, d) for i, d in enumerate(index["docs"])}


def test_traditional_page_is_indexed_in_simplified_form(fixture_site):
    """瀋陽 on the page; the index (normalised) knows it as 沈阳, and maps 瀋 -> 沈 for queries."""
    html = (fixture_site.site / "datasets" / "digital-shenyang-2022-key-figures" / "s1" / "index.html").read_text("utf-8")
    assert "瀋陽" in html
    index, docs = search_docs(fixture_site.site)
    i, _ = docs["datasets/digital-shenyang-2022-key-figures/s1/"]
    assert i in index["tokens"]["沈阳"][0::2]
    assert "瀋陽" not in index["tokens"] and "瀋沈" in index["t2s"]


def test_search_index_is_segmented_and_splits_mixed_script(fixture_site):
    index, docs = search_docs(fixture_site.site)
    for token in ("ftth", "网民", "规模"):                 # （FTTH/O） -> ftth; 网民规模 -> 网民, 规模
        assert token in index["tokens"], token
    assert not any("\u200b" in d["t"] + d["d"] for d in index["docs"])
    part = next(d for u, (_, d) in docs.items() if u.startswith("datasets/liaoning-internet-2020-key-figures/s"))
    assert part["k"] == "key-figures" and part["f"] and all(len(f) == 2 for f in part["f"])
    # Material's own index is replaced by a stub: its config and the name of ours
    stub = json.loads((fixture_site.site / "search" / "search_index.json").read_text("utf-8"))
    assert stub["docs"] == [] and stub["config"]["portal_index"].startswith("portal-index.")


def test_build_fails_without_jieba(monkeypatch):
    import sys

    from scripts.portal.site import options

    monkeypatch.setitem(sys.modules, "jieba", None)  # makes "import jieba" raise ImportError
    with pytest.raises(PortalError, match="jieba"):
        options.require_jieba()


@pytest.mark.parametrize("text", ['=== "注入的页签"', "~~~ fence", "??? note", ": definition", "!!! warning", "> quote"])
def test_md_filter_neutralises_block_syntax_at_line_start(text):
    import markdown

    rendered = markdown.markdown(pages.md(text) + "\n\n    indented",
                                 extensions=["pymdownx.tabbed", "pymdownx.superfences", "pymdownx.details",
                                             "admonition", "def_list", "attr_list"])
    first = rendered.split("\n")[0]
    assert first.startswith("<p>") and first.endswith("</p>") and first.count("<") == 2, rendered
    assert __import__("html").unescape(first[3:-4]) == text


def test_line_numbers_from_data_pass_through_the_filters(portal):
    """Validation only lets integers through (x-source.lines, figures[].line); the templates
    escape them anyway, so a value that slipped past would be text, not markup."""
    e = pages.env()
    pkg = copy.copy(next(p for p in portal.packages if p.source.get("lines")))
    payload = '<meta http-equiv="refresh" content="1;url=/x">'
    pkg.descriptor = {**pkg.descriptor, "x-source": {**pkg.source, "lines": [payload, payload]}}
    out = e.get_template("_macros.md.j2").module.provenance(pkg, pkg.source, lambda t: t)
    assert "<meta" not in out and "&lt;meta http\\-equiv=" in out
    for name in ("report.md.j2", "dataset.md.j2"):
        source = (pages.TEMPLATES / name).read_text("utf-8")
        assert not re.search(r"\{\{ *(f\.line|src(\.get\('lines'[^)]*\)|\['lines'\])\[[^]]*\]) *\}\}", source), name


def test_report_url_link_text_cannot_open_a_markdown_link(portal):
    """An http(s) URL may contain [x](javascript:y): as link text inside <a> in a Markdown table
    it must stay text (found by the browser security test with hostile report URLs)."""
    import dataclasses

    import markdown

    url = "http://evil.example/[x](javascript:__pwn)?q=@__pwn&x=1"
    pkg = copy.copy(portal.packages[0])
    pkg.report = dataclasses.replace(pkg.report, url=url)
    out = pages.env().get_template("_macros.md.j2").module.provenance(pkg, pkg.source, lambda t: t)
    html = markdown.markdown(str(out), extensions=["tables", "attr_list", "md_in_html"])
    found = Elements()
    found.feed(html)
    links = [v for k, v in found.attrs if k == "href"]
    assert url in links  # the link goes to the URL as given (entities decoded)
    assert not [v for v in links if v.startswith("javascript")], links


# ---------------------------------------------------------------- what readers see (issue 8)

def test_total_row_caption_and_badge_say_only_what_is_true(fixture_site, portal):
    for pkg in portal.packages:
        if pkg.source.get("table") == "key-figures":
            continue
        html = (fixture_site.site / "datasets" / pkg.name / "index.html").read_text("utf-8")
        caption = re.search(r"<caption>(.*?)</caption>", html, re.S).group(1)
        has_total = any(r.get("row_type") == "total" for r in pkg.rows)
        assert ("合计行" in caption) == has_total, (pkg.name, caption)
        assert not re.search(r"合计\s*(<[^>]+>\s*)*<span class=\"portal-badge\">合计", html), pkg.name


def test_every_data_table_is_filterable(fixture_site, portal):
    """The opt-in attribute the table script looks for, on dataset, catalogue, key-figure and home tables."""
    site = fixture_site.site
    pages_with_tables = [site / "catalog" / "index.html", site / "index.html"]
    pages_with_tables += [site / "datasets" / p.name / "index.html" for p in portal.packages
                          if p.source.get("table") != "key-figures"]
    pages_with_tables += list((site / "datasets").glob("*/s[0-9]*/index.html"))
    for page in pages_with_tables:
        html = page.read_text("utf-8")
        assert re.search(r"<(table|div)[^>]*\bdata-filter\b", html), page


def test_check_kinds_shown_in_chinese_with_explanation(fixture_site, portal):
    from scripts.portal.quality import CHECKS

    for pkg in portal.packages:
        if not pkg.quality:
            continue
        html = (fixture_site.site / "datasets" / pkg.name / "index.html").read_text("utf-8")
        section = html[html.index('id="quality"'):html.index('id="charts"')]
        text = re.sub(r"<code>.*?</code>|<[^>]+>", " ", section)
        assert not [k for k in CHECKS if re.search(rf"(?<![A-Za-z_]){k}(?![A-Za-z_])", text)], pkg.name
        assert "校验" in text


def test_licence_english_sentence_marked_english():
    from scripts.portal.model.writer import LICENSE

    out = pages.md_bilingual(LICENSE["title"])
    assert re.search(r'注明原报告。 <span lang="en">Compilation under CC BY 4\\\.0', out), out
    assert pages.md_bilingual("仅中文 CC BY") == pages.md("仅中文 CC BY")


def test_printed_missing_marker_shown_as_printed_with_its_meaning():
    from scripts.portal import paths

    real = load_portal(paths.packages_dir())
    pkg = next(p for p in real.packages if p.name == "liaoning-internet-2020-table-4-investments")
    assert pkg.missing_values == {"未透露": "金额未披露"}
    cells = [c for r in pages.table_rows(pkg)[0]["rows"] for c in r["cells"] if "未透露" in c["text"]]
    assert len(cells) == 6 and all('title="金额未披露"' in c["text"] and c["value"] == "" for c in cells)
    typed = [r["amount"] for r in pkg.rows]
    assert "未透露" not in typed and typed.count(None) == 6  # a missing value, not text, to every reader
