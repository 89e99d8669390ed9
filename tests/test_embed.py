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
