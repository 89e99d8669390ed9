"""catalog.jsonld against the official DCAT-AP 3.0.0 SHACL shapes (shapes.ttl + range.ttl),
with pyshacl, on the fixture site and on the real packages. The shapes are read from
$PORTAL_STANDARDS (default ../shared/standards); the tests skip only when they are absent."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts.portal import paths
from scripts.portal.model.reader import load_portal
from scripts.portal.site import catalog, downloads
from tests.conftest import real_packages
from tests.site_build import FIXTURE_PACKAGES, built_site

DCAT_AP = "dcat-ap-3.0.0"
EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def shapes():
    folder = standards_dir() / DCAT_AP
    if not (folder / "shapes.ttl").is_file() or not (folder / "range.ttl").is_file():
        pytest.skip(f"DCAT-AP shapes not found at {folder} (set PORTAL_STANDARDS)")
    import rdflib

    graph = rdflib.Graph()
    for name in ("shapes.ttl", "range.ttl"):
        graph.parse(folder / name, format="turtle")
    return graph


def standards_dir() -> Path:
    """Reference standards (DCAT-AP SHACL shapes; never committed) for this test only;
    PORTAL_STANDARDS overrides."""
    import os

    return Path(os.environ.get("PORTAL_STANDARDS", paths.ROOT.parent / "shared" / "standards"))


def violations(doc: dict, shapes) -> list:
    """(focus node, path, message) of every SHACL result for the JSON-LD document."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="rdfs")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = sorted((str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultPath)),
                    str(report.value(r, sh.resultMessage)))
                   for r in report.subjects(rdflib.RDF.type, sh.ValidationResult))
    assert conforms == (not found)
    return found


def catalog_of(packages_dir, site_url="https://data.example.org/portal/") -> dict:
    """The catalogue for a packages directory, with its real download files (no site build)."""
    portal = load_portal(packages_dir)
    dls = {p.name: [d for d, _ in downloads.package_files(p, "readme", "cite", "@misc{x}")]
           for p in portal.packages}
    return catalog.dcat_catalog(portal, dls, site_url, "2026-01-15")


def test_built_catalog_conforms_to_dcat_ap(shapes):
    site = built_site(str(FIXTURE_PACKAGES))
    doc = json.loads((site.site / "catalog.jsonld").read_text("utf-8"))
    assert doc["dcat:dataset"]
    assert violations(doc, shapes) == []


def test_real_catalog_conforms_to_dcat_ap(shapes):
    if not real_packages():
        pytest.skip("no real packages in datapackages/")
    doc = catalog_of(paths.packages_dir())
    assert len(doc["dcat:dataset"]) == len(real_packages())
    assert violations(doc, shapes) == []


def test_shapes_catch_what_the_catalogue_used_to_get_wrong(shapes):
    """The test can fail: the old forms (format as a literal, untyped byte size and checksum,
    untyped licence, a PDF as dct:source) are each reported."""
    doc = catalog_of(FIXTURE_PACKAGES)
    bad = copy.deepcopy(doc)
    ds = bad["dcat:dataset"][0]
    dist = ds["dcat:distribution"][0]
    dist["dct:format"] = "CSV"
    dist["dcat:byteSize"] = {"@value": "12", "@type": "xsd:nonNegativeInteger"}
    dist["spdx:checksum"]["spdx:checksumValue"] = "abc"
    dist["dct:license"] = {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    ds["dct:source"] = {"@id": "https://example.org/000.pdf"}
    paths_found = {p.rsplit("/", 1)[-1].split("#")[-1] for _, p, _ in violations(bad, shapes)}
    assert {"format", "byteSize", "checksumValue", "license", "source"} <= paths_found


def test_eu_vocabularies_and_derivation():
    doc = catalog_of(FIXTURE_PACKAGES)
    for ds in doc["dcat:dataset"]:
        assert ds["dct:language"]["@id"] == EU + "language/ZHO"
        assert "dct:source" not in ds
        assert ds["prov:wasDerivedFrom"]["@id"].startswith("https://example.org/")
        assert ds["prov:wasDerivedFrom"]["@type"] == "foaf:Document"
        for dist in ds["dcat:distribution"]:
            assert dist["dct:license"]["@id"] == EU + "licence/CC_BY_4_0"
            assert dist["dct:format"]["@id"] in {EU + "file-type/" + c for c in ("CSV", "JSON", "ZIP", "XLSX")}
            assert dist["dcat:mediaType"]["@id"].startswith("https://www.iana.org/assignments/media-types/")


@pytest.mark.parametrize("url, iri", [
    ("https://example.org/a.pdf", "https://example.org/a.pdf"),
    ("http://www.cnnic.net.cn/x/P0202.pdf", "http://www.cnnic.net.cn/x/P0202.pdf"),
    ("javascript:alert(1)", None), ("data:text/html,<b>", None), ("file:///etc/passwd", None),
    ("/relative/path", None), ("", None), (None, None), ("https://a b.org/", None),
    ('https://example.org/"><script>', None), ("ftp://example.org/x", None),
])
def test_only_http_urls_become_ids(url, iri):
    assert catalog.http_iri(url) == iri


def test_untrusted_urls_give_no_ids():
    report = SimpleNamespace(url="javascript:alert(1)", title="报告", publisher="机构", published="2021-02",
                             language="zh-Hans")
    pkg = SimpleNamespace(name="p", title="表", title_en="Table", description="说明", keywords=[], version="1.0.0",
                          report=report, source={"table": "表1", "lines": [3, 9]},
                          licenses=[{"name": "custom", "path": "javascript:x()", "title": "自定义许可"}])
    ds = catalog.dcat_dataset(pkg, [downloads.Download("CSV", "downloads/p/data.csv", "text/csv", 3, "ab" * 32)],
                              "https://data.example.org/")
    text = json.dumps(ds)
    assert "javascript" not in text and "prov:wasDerivedFrom" not in ds
    licence = ds["dcat:distribution"][0]["dct:license"]
    assert "@id" not in licence and licence["rdfs:label"] == "自定义许可"
