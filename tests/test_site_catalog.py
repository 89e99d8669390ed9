"""Machine-readable outputs (scripts/portal/site/catalog.py) in a built fixture site."""

from __future__ import annotations

import json
import re

import pytest

from scripts.portal.site import catalog
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES, built_site

SITE_URL = "http://127.0.0.1:8000/portal/"


@pytest.fixture(scope="module")
def site():
    return built_site(str(FIXTURE_PACKAGES))


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def test_dcat_catalog_lists_every_dataset_with_licensed_distributions(site, portal):
    doc = json.loads((site.site / "catalog.jsonld").read_text("utf-8"))
    assert doc["@type"] == "dcat:Catalog" and "dcat" in doc["@context"]
    ids = {d["dct:identifier"] for d in doc["dcat:dataset"]}
    assert ids == {p.name for p in portal.packages}
    for ds in doc["dcat:dataset"]:
        assert ds["dcat:landingPage"]["@id"].startswith(SITE_URL)
        assert len(ds["dcat:distribution"]) == 5
        for dist in ds["dcat:distribution"]:
            assert dist["dct:license"]["@id"] == "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
            path = dist["dcat:downloadURL"]["@id"][len(SITE_URL):]
            assert (site.site / path).stat().st_size == int(dist["dcat:byteSize"]["@value"])


def test_api_index_and_detail(site, portal):
    index = json.loads((site.site / "api" / "datasets.json").read_text("utf-8"))
    assert len(index["datasets"]) == len(portal.packages)
    for entry in index["datasets"]:
        detail = json.loads((site.site / "api" / f"{entry['name']}.json").read_text("utf-8"))
        assert detail["schema"]["fields"] and detail["citation"]["bibtex"].startswith("@dataset")
        for d in entry["downloads"]:
            assert (site.site / d["path"]).stat().st_size == d["bytes"]


def test_schema_org_json_ld_in_dataset_page_head(site, portal):
    pkg = portal.packages[0]
    html = (site.site / "datasets" / pkg.name / "index.html").read_text("utf-8")
    head = html[:html.index("</head>")]
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    assert m, "no JSON-LD in <head>"
    doc = json.loads(m.group(1))
    assert doc["@type"] == "Dataset" and doc["name"] == pkg.title
    assert doc["distribution"][0]["contentUrl"].startswith(SITE_URL)


def test_script_json_cannot_close_the_script_element():
    text = catalog.script_json({"a": "</script><script>alert(1)</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["a"].startswith("</script>")


def test_catalog_page_lists_formats_and_topics(site, portal):
    html = (site.site / "catalog" / "index.html").read_text("utf-8")
    for pkg in portal.packages:
        assert f"../datasets/{pkg.name}/" in html
    assert "XLSX" in html and "按主题浏览" in html
