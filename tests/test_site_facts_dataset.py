"""The fact table as a first-class dataset (scripts/portal/site/facts_dataset.py), on the real
portal build: its page (coverage per report, fields, downloads, pandas snippet, citation, not
its rows), its ZIP, its DCAT-AP dataset (0 SHACL violations), api/ entries, schema.org Dataset,
feed and sitemap entries, its lines on the catalogue and home pages, the XLSX's printed
decimals, and the build cache keyed by its bytes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from scripts.portal import paths
from scripts.portal.errors import PortalError
from scripts.portal.model.reader import load_portal
from scripts.portal.site import facts_dataset as fd
from scripts.portal.site.citation import PORTAL_NAME
from tests.conftest import real_packages
from tests.site_build import built_site
from tests.test_site_dcat import shapes, violations  # noqa: F401 (shapes is a fixture)
from tests.test_site_feed_schemaorg import check_dataset, head_jsonld

SITE_URL = "http://127.0.0.1:8000/portal/"
PAGE = "datasets/indicators/index.html"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def portal():
    if not real_packages() or not (paths.packages_dir() / "indicators" / "datapackage.json").is_file():
        pytest.skip("no real packages and fact table in datapackages/")
    return load_portal(paths.packages_dir())


@pytest.fixture(scope="module")
def facts(portal):
    return portal.derived["indicators"]


@pytest.fixture(scope="module")
def site(portal):
    return built_site(str(paths.packages_dir()))


@pytest.fixture(scope="module")
def html(site):
    return (site.site / PAGE).read_text("utf-8")


def csv_rows(pkg) -> list:
    return list(csv.DictReader(io.StringIO(pkg.csv_bytes.decode("utf-8"))))


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def section(html: str, anchor: str) -> str:
    """The HTML from the heading with id `anchor` to the next h2."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<h2", start)
    return html[start:end if end > 0 else None]


def table_rows(fragment: str) -> list:
    return [[text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S)]


# ---------------------------------------------------------------- (a) the page

def test_page_has_title_description_and_stays_small(html, facts, site):
    assert f"<h1" in html and facts.title in text_of(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))
    assert facts.title_en in html and facts.description[:40] in text_of(html)
    assert len(html.encode("utf-8")) < 60 * 1024, len(html.encode("utf-8"))
    # the rows are not printed: a few fact ids (in findings) at most, never thousands
    assert len(set(re.findall(r"\bf\d{6}\b", html))) < 30
    assert 'href="../../indicators/"' in html and 'href="../../plan/"' in html   # indicator index, plan


def test_coverage_per_report_is_counted_from_the_rows(html, facts, portal):
    rows = csv_rows(facts)
    by_report = Counter(r["report"] for r in rows)
    mapped = Counter(r["report"] for r in rows if r["indicator_id"])
    shown = table_rows(section(html, "coverage"))[1:]   # without the header
    import yaml

    short = yaml.safe_load((paths.ROOT / "scripts/portal/site/indicator_texts.yaml").read_text("utf-8"))["report_short"]
    titles = {r.slug: short.get(r.slug) or r.title for r in portal.reports}   # short names: the table fits a phone
    expected = [[titles[s], f"{by_report[s]:,}", f"{mapped[s]:,}", f"{mapped[s] / by_report[s]:.1%}",
                 str(len({r['indicator_id'] for r in rows if r['report'] == s and r['indicator_id']}))]
                for s in facts.source["reports"]]
    assert shown[:-1] == expected
    cov = facts.descriptor["x-coverage"]
    assert shown[-1][1:4] == [f"{cov['facts']:,}", f"{cov['mapped']:,}", f"{cov['mapped'] / cov['facts']:.1%}"]
    assert cov["facts"] == len(rows) and cov["mapped"] == sum(mapped.values())


def test_coverage_that_disagrees_with_the_rows_is_a_located_error(facts, portal):
    sources = [r for r in portal.reports if r.slug in facts.source["reports"]]
    wrong = dataclasses.replace(facts, descriptor={**facts.descriptor, "x-coverage": {
        **facts.descriptor["x-coverage"], "mapped": facts.descriptor["x-coverage"]["mapped"] + 1}})
    with pytest.raises(PortalError) as err:
        fd.coverage(wrong, sources)
    assert err.value.package == "indicators" and err.value.field == "x-coverage.mapped"


def test_field_table_is_the_table_schema(html, facts):
    shown = {r[0]: r for r in table_rows(section(html, "fields"))[1:]}
    assert list(shown) == [f.name for f in facts.fields]
    for name in ("period_type", "reference", "wording", "unmapped_reason", "value_printed"):
        assert name in shown
    types = {"string": "文本", "number": "数值", "integer": "整数"}
    for f in facts.fields:
        name, title, title_en, kind, description = shown[f.name]
        assert (title, title_en, kind) == (f.title, f.title_en, types[f.type] + (f"（单位：{f.unit}）" if f.unit else ""))
        assert description == " ".join(f.description.split())


def test_downloads_listed_are_the_files(html, site):
    rows = table_rows(section(html, "downloads"))[1:]
    assert [r[1] for r in rows] == ["facts.csv", "facts.xlsx", "facts.json", "datapackage.json", "indicators.zip"]
    import hashlib

    for r in rows:
        data = (site.site / "downloads" / "indicators" / r[1]).read_bytes()
        assert r[3] == hashlib.sha256(data).hexdigest()


def test_pandas_snippet_reads_numbers_as_numbers_and_text_as_printed(site, facts):
    md = (site.docs / "datasets" / "indicators.md").read_text("utf-8")
    code = re.search(r"```python\n(.*?)```", md, re.S).group(1)
    url = f"{SITE_URL}downloads/indicators/facts.csv"
    assert f'url = "{url}"' in code
    local = site.site / "downloads" / "indicators" / "facts.csv"
    scope: dict = {}
    exec(code.replace(url, local.as_posix()), scope)   # the snippet as a reader copies it
    df = scope["df"]
    assert len(df) == len(facts.rows)
    assert str(df["value"].dtype) == "float64" and str(df["source_line"].dtype) == "int64"
    numeric = {f.name for f in facts.fields if f.numeric}
    assert numeric == {"value", "source_line"}
    for name in set(df.columns) - numeric:
        assert df[name].dropna().map(type).eq(str).all(), name
    assert "58.30" in set(df["value_printed"]) and "2020-12" in set(df["period"])


def test_citation_names_the_portal_and_every_report(site, portal, facts):
    md = (site.docs / "datasets" / "indicators.md").read_text("utf-8")
    bib = re.search(r"```bibtex\n(.*?)```", md, re.S).group(1)
    assert "@dataset{indicators," in bib and f"author = {{{{{PORTAL_NAME}}}}}" in bib
    for slug in facts.source["reports"]:
        assert portal.report(slug).title in bib


# ---------------------------------------------------------------- (b) the ZIP

def test_zip_holds_the_package_readme_and_citation(site, facts, tmp_path):
    data = (site.site / "downloads" / "indicators" / "indicators.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == [f"indicators/{n}" for n in
                                         ("CITATION.bib", "CITATION.txt", "README.md", "data.csv", "datapackage.json")]
        assert zf.read("indicators/data.csv") == facts.csv_bytes
        assert zf.read("indicators/datapackage.json") == (facts.path / "datapackage.json").read_bytes()
        assert facts.title in zf.read("indicators/README.md").decode("utf-8")
        assert zf.read("indicators/CITATION.bib").decode("utf-8").startswith("@dataset{indicators,")
        zf.extractall(tmp_path)
    from frictionless import validate

    report = validate(str(tmp_path / "indicators" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])[:5]


# ---------------------------------------------------------------- (c) DCAT-AP, api/, schema.org

def test_catalog_with_the_fact_table_conforms_to_dcat_ap(site, shapes, facts, portal):  # noqa: F811
    doc = json.loads((site.site / "catalog.jsonld").read_text("utf-8"))
    ids = [d["dct:identifier"] for d in doc["dcat:dataset"]]
    assert ids == [p.name for p in portal.packages] + ["indicators"]
    ds = doc["dcat:dataset"][-1]
    assert ds["dct:publisher"]["foaf:name"] == PORTAL_NAME
    derived = {d["dct:title"]["@value"] for d in ds["prov:wasDerivedFrom"]}
    assert derived == {portal.report(s).title for s in facts.source["reports"]}
    assert all(d["@type"] == "foaf:Document" and d["@id"].startswith("http") for d in ds["prov:wasDerivedFrom"])
    others = {d["@id"] for d in doc["dcat:dataset"][:-1]}
    assert {s["@id"] for s in ds["dct:source"]} == {f"{SITE_URL}datasets/{n}/#dataset"
                                                  for n in facts.source["packages"]} <= others
    assert len(ds["dcat:distribution"]) == 5
    for dist in ds["dcat:distribution"]:
        path = dist["dcat:downloadURL"]["@id"][len(SITE_URL):]
        assert (site.site / path).stat().st_size == int(dist["dcat:byteSize"]["@value"])
    assert violations(doc, shapes) == []


def test_api_index_and_detail(site, facts):
    index = json.loads((site.site / "api" / "datasets.json").read_text("utf-8"))
    entry = next(e for e in index["datasets"] if e["name"] == "indicators")
    assert entry["rows"] == len(facts.rows) and entry["reports"] == facts.source["reports"]
    assert set(entry) >= set(index["datasets"][0])  # every key the other entries have
    for d in entry["downloads"]:
        assert (site.site / d["path"]).stat().st_size == d["bytes"]
    detail = json.loads((site.site / "api" / "indicators.json").read_text("utf-8"))
    assert [f["name"] for f in detail["schema"]["fields"]] == [f.name for f in facts.fields]
    assert detail["x-coverage"] == facts.descriptor["x-coverage"]
    assert detail["citation"]["bibtex"].startswith("@dataset{indicators,")


def test_page_head_has_schema_org_dataset(html, facts):
    docs = head_jsonld(html)
    assert len(docs) == 1
    doc = docs[0]
    check_dataset(doc)
    assert doc["name"] == facts.title and doc["identifier"] == "indicators"
    assert doc["url"] == f"{SITE_URL}datasets/indicators/" and doc["creator"]["name"] == PORTAL_NAME
    years = sorted({int(y) for r in facts.rows for y in re.findall(r"\d{4}", str(r["period"] or ""))})
    assert doc["temporalCoverage"] == f"{years[0]}/{years[-1]}"
    assert {v["name"] for v in doc["variableMeasured"]} == {f.title for f in facts.content_fields}
    assert len(doc["distribution"]) == 5


# ---------------------------------------------------------------- (d) feed and sitemap

def test_feed_and_sitemap_carry_its_version_date(site, facts, portal):
    sources = [r for r in portal.reports if r.slug in facts.source["reports"]]
    newest = max(r.published for r in sources)   # no `created` in the descriptor: the newest report
    assert "created" not in facts.descriptor and newest == "2024"
    root = ET.fromstring((site.site / "feed.xml").read_bytes())
    mine = [e for e in root.findall(ATOM + "entry")
            if e.findtext(ATOM + "id") == f"{SITE_URL}datasets/indicators/#version-{facts.version}"]
    assert len(mine) == 1 and mine[0].findtext(ATOM + "updated") == "2024-01-01T00:00:00Z"
    assert mine[0].findtext(ATOM + "author/" + ATOM + "name") == PORTAL_NAME
    dates = [e.findtext(ATOM + "updated") for e in root.findall(ATOM + "entry")]
    assert dates == sorted(dates, reverse=True) and len(dates) == len(portal.packages) + 1
    sitemap = ET.fromstring((site.site / "sitemap.xml").read_bytes())
    lastmod = {u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in sitemap.findall(SM + "url")}
    assert [v for k, v in lastmod.items() if k.endswith("/datasets/indicators/")] == ["2024-01-01"]


# ---------------------------------------------------------------- (e) catalogue, home, menu

def test_catalogue_and_home_list_it(site, facts, portal):
    catalog = (site.site / "catalog" / "index.html").read_text("utf-8")
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", catalog, re.S) if 'href="../datasets/' in r]
    assert len(rows) == len(portal.packages) + 1
    mine = [r for r in rows if 'href="../datasets/indicators/"' in r]
    assert len(mine) == 1 and str(len(facts.rows)) in text_of(mine[0])
    assert f"共 {len(portal.packages) + 1} 个数据集" in text_of(catalog)
    home = (site.site / "index.html").read_text("utf-8")
    assert 'href="datasets/indicators/"' in home and f"{len(facts.rows):,}" in text_of(home)
    nav = json.loads((site.docs / ".nav.json").read_text("utf-8"))
    assert {fd.T("nav"): "datasets/indicators.md"} in nav


# ---------------------------------------------------------------- (f) XLSX printed decimals

def printed_decimals(row: dict) -> int:
    """What the reader saw printed: the decimals of value_printed, or of the CSV's value where
    the value was converted into another unit (13.4 亿元 -> 134000 万元)."""
    printed = row["value_printed"].replace(",", "")
    same = re.fullmatch(r"-?\d+(\.\d+)?", printed) and abs(float(row["value"])) == abs(float(printed))
    return len((printed if same else row["value"]).partition(".")[2])


def test_xlsx_shows_every_value_with_its_printed_decimals(site, facts):
    from openpyxl import load_workbook

    wb = load_workbook(site.site / "downloads" / "indicators" / "facts.xlsx", read_only=True)
    ws = wb["facts"]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    col = header.index("value")
    rows = csv_rows(facts)
    seen = Counter()
    for row, cells in zip(rows, ws.iter_rows(min_row=2)):
        cell = cells[col]
        assert cell.value == float(row["value"]), row["fact_id"]
        n = printed_decimals(row)
        assert cell.number_format == ("0." + "0" * n if n else "0"), (row["fact_id"], row["value_printed"])
        seen[n] += 1
    assert sum(seen.values()) == len(rows) and seen[2] > 0
    by_printed = {r["value_printed"]: r for r in rows}
    assert "58.30" in by_printed   # the case the issue names: shown 58.30, not 58.3
    i = rows.index(by_printed["58.30"])
    cell = next(ws.iter_rows(min_row=i + 2, max_row=i + 2))[col]
    assert cell.number_format == "0.00" and f"{cell.value:.2f}" == "58.30"


# ---------------------------------------------------------------- the build cache

def test_made_again_only_when_the_fact_table_changes(portal, facts, tmp_path, monkeypatch):
    from scripts.portal.site import build, pages, workers
    from scripts.portal.site.cache import Store

    store = Store(tmp_path / "cache")
    analysis = build.analysis_blobs(store, "code", portal)
    ctx = workers.Context(SITE_URL, "2026-01-15", False, str(store.root))
    e = pages.env()
    calls = []
    real = fd.make
    monkeypatch.setattr(fd, "make", lambda *a: calls.append(a) or real(*a))
    first = fd.dataset(e, portal, store, ctx, analysis, True)
    assert first and len(calls) == 1 and set(first.files) >= {fd.DOC, "downloads/indicators/indicators.zip"}
    again = fd.dataset(e, portal, store, ctx, analysis, True)
    assert len(calls) == 1 and again.files == first.files and again.dcat == first.dcat
    changed = dataclasses.replace(facts, csv_bytes=facts.csv_bytes.replace(b"58.30", b"58.31", 1))
    other = dataclasses.replace(portal, derived={"indicators": changed})
    made = fd.dataset(e, other, store, ctx, analysis, True)
    assert len(calls) == 2 and made.files[f"{fd.DIR}/{fd.FACTS_PACKAGE}.zip"] != first.files[f"{fd.DIR}/indicators.zip"]
    assert not fd.dataset(e, dataclasses.replace(portal, derived={}), store, ctx, analysis, True)
