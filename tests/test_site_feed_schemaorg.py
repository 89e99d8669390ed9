"""schema.org Dataset JSON-LD on every dataset page (schemaorg.py), the Atom feed of
datasets (feed.py) linked from every page, and lastmod in the sitemap, on the fixture site."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from scripts.portal.model.reader import load_portal
from scripts.portal.site import feed, schemaorg
from tests.site_build import FIXTURE_PACKAGES, built_site

SITE_URL = "http://127.0.0.1:8000/portal/"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
REQUIRED = ("name", "description", "url", "identifier", "license", "creator", "publisher", "temporalCoverage",
            "spatialCoverage", "variableMeasured", "distribution", "isAccessibleForFree")


@pytest.fixture(scope="module")
def site():
    return built_site(str(FIXTURE_PACKAGES))


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def head_jsonld(html: str) -> list:
    head = html[:html.index("</head>")]
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)]


def check_dataset(doc: dict) -> None:
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Dataset"
    missing = [k for k in REQUIRED if k not in doc]
    assert not missing, missing
    assert 50 <= len(doc["description"]) <= 5000
    assert doc["url"].startswith("http") and doc["license"].startswith("http")
    assert re.fullmatch(r"\d{4}(/\d{4})?", doc["temporalCoverage"]), doc["temporalCoverage"]
    assert doc["spatialCoverage"]["@type"] == "Place" and doc["spatialCoverage"]["name"]
    assert all(v["@type"] == "PropertyValue" and v["name"] for v in doc["variableMeasured"])
    for d in doc["distribution"]:
        assert d["@type"] == "DataDownload" and d["encodingFormat"] and d["contentUrl"].startswith("http")
    assert doc["isAccessibleForFree"] is True


def test_every_dataset_page_has_schema_org_dataset(site, portal):
    for pkg in portal.packages:
        html = (site.site / "datasets" / pkg.name / "index.html").read_text("utf-8")
        docs = head_jsonld(html)
        assert len(docs) == 1, pkg.name
        doc = docs[0]
        check_dataset(doc)
        assert doc["name"] == pkg.title and doc["identifier"] == pkg.name
        assert doc["url"] == f"{SITE_URL}datasets/{pkg.name}/"
        assert {v["name"] for v in doc["variableMeasured"]} == {f.title for f in pkg.content_fields}
        for d in doc["distribution"]:
            assert (site.site / d["contentUrl"][len(SITE_URL):]).is_file()


def test_helper_for_other_pages_meets_the_same_rules():
    """What an indicator page (/indicators/<id>/) calls: a short description is completed,
    non-http URLs are left out."""
    doc = schemaorg.dataset_jsonld(
        "互联网普及率", "网民占常住人口的比例。", "https://example.org/indicators/internet-penetration/",
        "internet-penetration", "2019/2020", "辽宁省", [{"name": "互联网普及率", "unit": "%"}],
        [{"url": "https://example.org/downloads/indicators/data.csv", "mediatype": "text/csv", "bytes": 10},
         {"url": "javascript:alert(1)", "mediatype": "text/csv"}],
        license="https://creativecommons.org/licenses/by/4.0/", context="指标：互联网普及率，来自辽宁与全国的报告。")
    check_dataset(doc)
    assert len(doc["distribution"]) == 1 and "javascript" not in json.dumps(doc)
    assert len(schemaorg.dataset_jsonld("x", "长" * 6000, "https://e.org/", "x", "2020", "中国", [{"name": "v"}],
                                        [], license="https://e.org/l")["description"]) == 5000


@pytest.mark.parametrize("published, created, expected", [
    ("2021-11", None, "2021-11-01T00:00:00Z"), ("2021", None, "2021-01-01T00:00:00Z"),
    ("2021-02", "2026-11-22", "2026-11-22T00:00:00Z"), ("2021-02", "2026-11-22T08:30:00Z", "2026-11-22T08:30:00Z"),
    ("未注明", None, ""),
])
def test_version_date(published, created, expected):
    pkg = SimpleNamespace(descriptor={"created": created} if created else {},
                          report=SimpleNamespace(published=published))
    assert feed.updated(pkg) == expected


def test_atom_feed_has_one_entry_per_package_version(site, portal):
    root = ET.fromstring((site.site / "feed.xml").read_bytes())
    assert root.tag == ATOM + "feed"
    entries = root.findall(ATOM + "entry")
    ids = [e.findtext(ATOM + "id") for e in entries]
    assert sorted(ids) == sorted(f"{SITE_URL}datasets/{p.name}/#version-{p.version}" for p in portal.packages)
    dates = [e.findtext(ATOM + "updated") for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d) for d in dates)
    assert dates == sorted(dates, reverse=True)
    assert root.findtext(ATOM + "updated") == max(dates)
    for e in entries:
        assert e.find(ATOM + "link").get("href").startswith(SITE_URL + "datasets/")


def test_every_page_links_the_feed(site):
    pages = list(site.site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        head = page.read_text("utf-8").split("</head>")[0]
        m = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', head)
        assert m, page
        href = m.group(1)
        if href.startswith("/"):  # 404.html links from the path of mkdocs' site_url, as its assets
            assert href.endswith("/feed.xml") and not href.startswith("//"), (page, href)
        else:
            assert (page.parent / href).resolve() == (site.site / "feed.xml").resolve(), (page, href)


def test_sitemap_lastmod_is_the_dataset_version_date(site, portal):
    root = ET.fromstring((site.site / "sitemap.xml").read_bytes())
    from urllib.parse import urlsplit

    locs = {urlsplit(u.findtext(SM + "loc")).path: u.findtext(SM + "lastmod") for u in root.findall(SM + "url")}
    home = min(locs, key=len)  # the site's root, wherever mkdocs' site_url puts it
    lastmod = {path[len(home):]: when for path, when in locs.items()}
    assert all(lastmod.values())
    for pkg in portal.packages:  # (mkdocs writes its own site_url into the sitemap)
        assert lastmod[f"datasets/{pkg.name}/"] == feed.lastmod(pkg)
    assert lastmod[""] != feed.lastmod(portal.packages[0])  # other pages: the build date
