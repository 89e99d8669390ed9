"""Embeddable chart pages and the 来源 section (scripts/portal/site/embed.py), on the fixture
site: one embed page per charted indicator with its title, chart, unit, 来源, licence and a
link back; the indicator page lists its reports and shows the iframe snippet; embed pages are
not in the menu or the search index."""

from __future__ import annotations

import html
import json
import re

import pytest

from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_INDICATORS, FIXTURE_PACKAGES, built_site


@pytest.fixture(scope="module")
def site():
    return built_site(str(FIXTURE_PACKAGES)).site


@pytest.fixture(scope="module")
def section():
    from scripts.portal.site import indicator_pages

    return indicator_pages.prepare(load_portal(FIXTURE_PACKAGES), FIXTURE_INDICATORS / "facts" / "indicators",
                                   FIXTURE_INDICATORS / "recipes")


def test_one_embed_page_per_charted_indicator(site, section):
    charted = sorted(section.charts)
    assert charted
    assert sorted(p.parent.name for p in (site / "embed" / "indicators").glob("*/index.html")) == charted
    for ind in section.layer.indicators:
        if ind["id"] not in section.charts:
            continue
        page = (site / "embed" / "indicators" / ind["id"] / "index.html").read_text("utf-8")
        reports = [r.title for r in section.portal.reports if r.slug in set(section.layer.facts_of(ind["id"])["report"])]
        assert reports
        meta = re.search(r'<p class="portal-embed__meta">(.*?)</p>', page, re.S).group(1)
        assert f"单位：{ind['unit']}" in meta and "来源：" + "、".join(reports) in meta
        assert 'rel="noopener license">CC BY 4.0</a>' in meta
        assert f'href="http://127.0.0.1:8000/portal/indicators/{ind["id"]}/" target="_blank"' in meta
        assert f'assets/charts/{section.charts[ind["id"]].id}.svg' in page
        assert 'data-portal-script="explorer" data-embed' in page
        assert 'class="md-header' not in page and "md-sidebar" not in page and "bundle." not in page


def test_indicator_page_has_sources_and_snippet(site, section):
    ind = next(i for i in section.layer.indicators if i["id"] in section.charts)
    page = (site / "indicators" / ind["id"] / "index.html").read_text("utf-8")
    assert 'id="sources"' in page and 'id="embed"' in page
    url = f'http://127.0.0.1:8000/portal/embed/indicators/{ind["id"]}/'
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert f'<iframe src="{url}" title=' in text
    for r in section.portal.reports:
        if r.slug in set(section.layer.facts_of(ind["id"])["report"]):
            assert f'../../reports/{r.slug}/' in page


def test_embed_pages_are_not_in_menu_or_search(site):
    index = next((site / "search").glob("portal-index.*.json"))
    assert "embed/" not in index.read_text("utf-8")
    assert "embed/indicators" not in (site / "index.html").read_text("utf-8")
    nav = json.loads((built_site(str(FIXTURE_PACKAGES)).docs / ".nav.json").read_text("utf-8"))
    assert "embed/" not in json.dumps(nav, ensure_ascii=False)


def test_exported_svg_carries_title_unit_source_licence_address(site, section):
    import xml.etree.ElementTree as ET

    for ind in section.layer.indicators:
        chart = section.charts.get(ind["id"])
        if chart is None:
            continue
        page = (site / "indicators" / ind["id"] / "index.html").read_text("utf-8")
        assert f'href="../../assets/charts/{chart.id}.export.svg" download>SVG</a>' in page
        svg = (site / "assets" / "charts" / f"{chart.id}.export.svg").read_text("utf-8")
        root = ET.fromstring(svg)
        # the picture's own lines, drawn as glyph outlines with their words in data-text (or still as <text>
        # where no font is installed)
        own = [t.text for t in root.findall("{http://www.w3.org/2000/svg}text")] + [
            g.get("data-text") for g in root.findall("{http://www.w3.org/2000/svg}g") if g.get("data-text")]
        assert not root.findall("{http://www.w3.org/2000/svg}text") or not own[len(root.findall(
            "{http://www.w3.org/2000/svg}text")):]
        joined = "".join(own)
        reports = [r.title for r in section.portal.reports if r.slug in set(section.layer.facts_of(ind["id"])["report"])]
        assert chart.title in joined and f"单位：{ind['unit']}" in joined
        assert "来源：" + "、".join(reports) in joined and "许可：CC BY 4.0" in joined
        assert f"http://127.0.0.1:8000/portal/indicators/{ind['id']}/" in joined
        nested = root.find("{http://www.w3.org/2000/svg}svg")
        bare = ET.fromstring((site / "assets" / "charts" / f"{chart.id}.svg").read_text("utf-8"))
        assert nested.get("viewBox") == bare.get("viewBox") and len(list(nested)) == len(list(bare))
        assert float(root.get("height")) > float(bare.get("height")) + 60


def test_export_text_is_escaped_and_wrapped():
    import xml.etree.ElementTree as ET

    from scripts.portal.site import embed

    bare = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100"><rect/></svg>'
    lines = {"unit": "单位：<b>&", "source": "来源：" + "很长的报告名" * 20, "licence": "许可：CC BY 4.0",
             "address": "https://example.org/indicators/x/"}
    root = ET.fromstring(embed.export_svg(bare, "标题</text><script>", lines))
    texts = [t.text for t in root.findall("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "标题</text><script>" and texts[1] == "单位：<b>&"
    assert root.find(".//{http://www.w3.org/2000/svg}script") is None
    width = float(root.get("width"))
    assert width == embed.MIN_WIDTH
    source = [t for t in texts if t not in texts[:2]][:-2]
    assert len(source) > 3 and "".join(source) == lines["source"]
    assert all(embed.text_width(t, 11) <= width - 2 * embed.PAD for t in source)


@pytest.mark.parametrize("kind", ["indicators", "topics", "datasets"])
def test_link_previews(site, kind):
    """og:title, og:description and og:url on indicator, topic and dataset pages (og:image: see below)."""
    pages = sorted((site / kind).glob("*/index.html"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        og = dict(re.findall(r'<meta property="og:(\w+)" content="([^"]*)">', text))
        title = html.unescape(re.search(r"<title>(.*?)</title>", text, re.S).group(1))
        assert og["title"] and html.unescape(og["title"]) in title, page
        assert og["description"] == re.search(r'<meta name="description" content="([^"]*)"', text).group(1), page
        canonical = re.search(r'<link rel="canonical" href="([^"]*)"', text).group(1)
        assert og["url"] == canonical and canonical.endswith("/" + page.parent.relative_to(site).as_posix() + "/"), page
        assert "image" not in og   # the fixture build makes no PNG


def test_og_image_is_the_charts_png_when_there_is_one():
    from scripts.portal.site import charts, embed

    c = charts.Chart("indicator-x", "t", "d", {}, True, 10, 10)
    assert embed.og_image(c, "https://example.org/p/") == "https://example.org/p/assets/charts/indicator-x.png"
    assert embed.og_image(charts.Chart("indicator-x", "t", "d", {}, False, 10, 10), "https://example.org/p/") is None
    assert embed.og_image(None, "https://example.org/p/") is None
