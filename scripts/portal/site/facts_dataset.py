"""The fact table (datapackages/indicators/, ``portal.derived["indicators"]``) as a dataset like
every other package: its page (datasets/indicators.md: title, description, coverage per report,
the Table Schema's fields, downloads, a pandas snippet, citation; not its 3,000 rows), its ZIP
and datapackage.json beside the analysts' facts.{csv,json,xlsx} (analysis_downloads.py), its
DCAT-AP dataset in catalog.jsonld, its api/ entries, schema.org Dataset JSON-LD, its feed entry,
its menu entry and its lines on the home and catalogue pages (templates/_facts_dataset.md.j2).

It has no single report: the portal compiled it from every report, so its publisher and creator
are the portal, it is prov:wasDerivedFrom each source report (a foaf:Document) and has each
source package as dct:source (a dcat:Dataset of the same catalogue). Its version date (feed,
sitemap, dct:issued, citation year) is the descriptor's ``created``, else the newest source
report's publication.

build.py calls dataset() once per build, with the blobs of the analysts' downloads; the result
is kept in the build's store under a key of the fact table's bytes, those blobs, the reports,
the packages' names, the options and the code, so an unchanged fact table is never made again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from scripts.portal.errors import PortalError
from scripts.portal.model.frames import FACTS_PACKAGE
from scripts.portal.model.reader import REPORT_KEYS
from scripts.portal.texts import Texts
from scripts.portal.site import cache as bc
from scripts.portal.site import catalog, citation, downloads, feed, pages, schemaorg
from scripts.portal.site.citation import PORTAL_NAME

T = Texts.beside(__file__, "facts_dataset_texts.yaml")
TEXTS = T.all()   # the templates' words (texts.page.coverage …)
LABELS = T.data("downloads")   # label key -> download label
SHORT = Texts.beside(__file__, "indicator_texts.yaml").data("report_short")   # slug -> short name (narrow tables)
DOC = f"datasets/{FACTS_PACKAGE}.md"
DIR = f"downloads/{FACTS_PACKAGE}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (label key, file under DIR, media type, made by analysis_downloads.py?) in the order pages list them
FILES = [("csv", "facts.csv", "text/csv", True), ("xlsx", "facts.xlsx", XLSX, True),
         ("json", "facts.json", "application/json", True),
         ("datapackage", "datapackage.json", "application/json", False),
         ("zip", f"{FACTS_PACKAGE}.zip", "application/zip", False)]


@dataclass
class FactsDataset:
    """What build.py and the home and catalogue pages need; empty (false) without a fact table."""
    pkg: object = None                            # the fact table Package
    downloads: list = field(default_factory=list)  # [downloads.Download] in page order
    files: dict = field(default_factory=dict)      # docs-relative path -> blob sha (page, ZIP, api detail ...)
    dcat: list = field(default_factory=list)       # [catalog.item_json of its dcat:Dataset]
    api: list = field(default_factory=list)        # [catalog.item_json of its api/datasets.json entry]
    feed: list = field(default_factory=list)       # [(updated, Atom entry)]
    nav: list = field(default_factory=list)        # menu entries
    coverage: dict = field(default_factory=dict)   # x-coverage
    reports: int = 0                               # source reports
    doc: str = DOC
    texts: dict = field(default_factory=lambda: TEXTS)

    def __bool__(self) -> bool:
        return self.pkg is not None


def dataset(e, portal, store, ctx, analysis: dict, index: bool) -> FactsDataset:
    """The fact table's dataset, from the store when a build of the same inputs made it.
    analysis: {path: blob sha} of the analysts' downloads; index: the indicator pages are built
    (the page links their index)."""
    pkg = portal.derived.get(FACTS_PACKAGE)
    if pkg is None or any(f"{DIR}/{name}" not in analysis for _, name, _, made in FILES if made):
        return FactsDataset()
    sources = [r for r in portal.reports if r.slug in (pkg.source.get("reports") or [])]
    key = bc.digest("facts-dataset", bc.code_version(), ctx.site_url, ctx.accessed, index,
                    bc.package_fingerprint((pkg.path / "datapackage.json").read_bytes(), pkg.csv_bytes),
                    json.dumps([analysis[f"{DIR}/{n}"] for _, n, _, made in FILES if made]),
                    json.dumps([{k: getattr(r, k) for k in REPORT_KEYS} for r in portal.reports], sort_keys=True),
                    json.dumps([p.name for p in portal.packages]))
    record = store.record("facts-dataset", key)
    if record is None or not store.has(record["files"].values()):
        record = make(e, portal, pkg, sources, store, ctx, analysis, index)
        store.put_record("facts-dataset", key, record)
    return FactsDataset(pkg, [downloads.Download(**d) for d in record["downloads"]], record["files"],
                        [record["dcat"]], [record["api"]], [tuple(record["feed"])], [{T("nav"): DOC}],
                        pkg.descriptor.get("x-coverage", {}), len(sources))


def make(e, portal, pkg, sources: list, store, ctx, analysis: dict, index: bool) -> dict:
    """Every file and entry of the dataset, as a store record."""
    site_url, accessed = ctx.site_url, dt.date.fromisoformat(ctx.accessed)
    shown = as_dataset(pkg, sources)
    url = site_url + catalog.page_path(pkg)
    cite = citation.all_formats(citation.for_package(shown, url), accessed)
    desc_bytes = (pkg.path / "datapackage.json").read_bytes()
    readme = e.get_template("facts_dataset_readme.md.j2").render(pkg=pkg, sources=sources, url=url, texts=TEXTS,
                                                                  note=source_note(sources))
    zip_data = downloads.zip_bytes([(f"{pkg.name}/datapackage.json", desc_bytes), (f"{pkg.name}/data.csv", pkg.csv_bytes),
                                    (f"{pkg.name}/README.md", readme.encode("utf-8")),
                                    (f"{pkg.name}/CITATION.txt", (cite["gbt7714"] + "\n\n" + cite["apa"] + "\n").encode("utf-8")),
                                    (f"{pkg.name}/CITATION.bib", cite["bibtex"].encode("utf-8"))])
    files = {f"{DIR}/datapackage.json": store.put(desc_bytes), f"{DIR}/{FACTS_PACKAGE}.zip": store.put(zip_data)}
    shas = {**analysis, **files}
    dls = [downloads.Download(LABELS[label], f"{DIR}/{name}", mediatype,
                              store.blob(shas[f"{DIR}/{name}"]).stat().st_size, shas[f"{DIR}/{name}"])
           for label, name, mediatype, _ in FILES]
    files[DOC] = store.put(page(e, portal, pkg, shown, sources, dls, cite, ctx, index).encode("utf-8"))
    files[f"api/{pkg.name}.json"] = store.put(catalog.json_bytes(api_detail(pkg, sources, dls, site_url, cite)))
    return {"files": files, "downloads": [dataclasses.asdict(d) for d in dls],
            "dcat": catalog.item_json(dcat_dataset(pkg, shown, sources, portal, dls, site_url)),
            "api": catalog.item_json(api_entry(pkg, sources, dls, site_url)),
            "feed": [feed.updated(shown), feed.entry(shown, site_url)]}


# ---------------------------------------------------------------- what the fact table is

def version_date(pkg, sources: list) -> str:
    """The date of the fact table's current version: the descriptor's `created`, else the
    newest source report's publication (YYYY, YYYY-MM or YYYY-MM-DD)."""
    dates = [str(r.published or "") for r in sources if re.match(r"\d{4}", str(r.published or ""))]
    return str(pkg.descriptor.get("created") or max(dates, default=""))


def as_dataset(pkg, sources: list):
    """The package with a stand-in for the report it does not have (the portal compiled it from
    every report), so that the feed, the sitemap date and the citation treat it as they treat
    every dataset."""
    report = SimpleNamespace(slug="", title=T("title_separator").join(r.title for r in sources), title_en="",
                             publisher=PORTAL_NAME, published=version_date(pkg, sources), url="", language="zh-Hans")
    return dataclasses.replace(pkg, report=report)


def source_note(sources: list) -> str:
    return T("source_note", count=len(sources), titles=T("title_separator").join(r.title for r in sources))


def description(pkg, sources: list) -> str:
    cov = pkg.descriptor.get("x-coverage", {})
    return T("description", description=pkg.description or pkg.title, facts=f"{cov.get('facts', len(pkg.rows)):,}",
             mapped=f"{cov.get('mapped', 0):,}", indicators=cov.get("indicators_used", 0), reports=len(sources),
             packages=len(pkg.source.get("packages") or []))


def coverage(pkg, sources: list) -> dict:
    """Per source report: facts, mapped facts, share mapped, indicators; the totals are the
    descriptor's x-coverage, which must agree with the rows (else a located error)."""
    cov = pkg.descriptor.get("x-coverage") or {}
    rows = []
    for r in sources:
        mine = [f for f in pkg.rows if f["report"] == r.slug]
        mapped = [f for f in mine if f.get("indicator_id")]
        rows.append({"report": r, "short": SHORT.get(r.slug) or r.title, "facts": len(mine), "mapped": len(mapped),
                     "share": share(len(mapped), len(mine)),
                     "indicators": len({f["indicator_id"] for f in mapped})})
    counted = {"facts": sum(r["facts"] for r in rows), "mapped": sum(r["mapped"] for r in rows)}
    for name, n in counted.items():
        if cov.get(name) != n:
            raise PortalError(f"x-coverage.{name} is {cov.get(name)!r}, the rows of the reports in "
                              f"x-source.reports count {n}", package=pkg.name, file="datapackage.json",
                              field=f"x-coverage.{name}")
    total = {"facts": cov["facts"], "mapped": cov["mapped"],
             "share": share(cov["mapped"], cov["facts"]),
             "indicators": cov.get("indicators_used", len({f["indicator_id"] for f in pkg.rows if f.get("indicator_id")}))}
    return {"rows": rows, "total": total}


def share(part: int, whole: int) -> str:
    """67.0%: the share of a count, one decimal ("" of nothing)."""
    return f"{part / whole:.1%}" if whole else ""


def temporal(pkg) -> str:
    """The years the facts are about (their periods), as an ISO 8601 year or interval."""
    years = schemaorg.years_of(*{str(f.get("period") or "") for f in pkg.rows})
    return "" if not years else str(years[0]) if years[0] == years[-1] else f"{years[0]}/{years[-1]}"


def text_fields(pkg) -> list:
    """The columns a reader keeps as text (every one but the numeric ones)."""
    return [f.name for f in pkg.fields if not f.numeric]


# ---------------------------------------------------------------- page

def page(e, portal, pkg, shown, sources: list, dls: list, cite: dict, ctx, index: bool) -> str:
    site_url = ctx.site_url
    ld = schemaorg.dataset_jsonld(
        pkg.title, description(pkg, sources), site_url + catalog.page_path(pkg), pkg.name, temporal(pkg),
        schemaorg.COUNTRY,
        [{"name": f.title, "unit": f.unit, "description": f.description} for f in pkg.content_fields],
        [{"url": site_url + d.path, "mediatype": d.mediatype, "bytes": d.bytes} for d in dls],
        license=catalog.licence_url(pkg), creator=PORTAL_NAME, keywords=pkg.keywords, alternate_name=pkg.title_en,
        version=pkg.version)
    terms = list(dict.fromkeys(pages.plain(t) for t in [T("nav"), *(f.title for f in pkg.fields)] if t))
    return pages.render(
        e, "facts_dataset.md.j2", DOC, pkg=pkg, sources=sources, downloads=dls, cite=cite, accessed=ctx.accessed,
        cov=coverage(pkg, sources), quality=pages.quality_summary(pkg), texts=TEXTS, index=index,
        label=T("all_reports", count=len(sources)), provenance=T("provenance", reports=len(sources),
                                                                 packages=len(pkg.source.get("packages") or [])),
        packages={p.name: p for p in portal.packages}, csv_url=site_url + dls[0].path, text_fields=text_fields(pkg),
        fm=pages.front_matter(title=pages.plain(pkg.title), description=pages.plain(description(pkg, sources)),
                              tags=[pages.plain(k) for k in pkg.keywords], lastmod=feed.lastmod(shown),
                              search_kind="dataset", search_terms=terms, jsonld=catalog.script_json(ld)))


# ---------------------------------------------------------------- catalogue and API

def dcat_dataset(pkg, shown, sources: list, portal, dls: list, site_url: str) -> dict:
    """Its dcat:Dataset: every dataset's properties (catalog.dcat_dataset), published by the
    portal, derived from every source report and from its source packages."""
    doc = catalog.dcat_dataset(shown, dls, site_url)
    doc["dct:description"] = {"@value": description(pkg, sources), "@language": "zh"}
    doc["prov:wasDerivedFrom"] = [report_node(r, site_url) for r in sources]
    doc["dct:source"] = [{"@id": site_url + catalog.page_path(p) + "#dataset", "@type": "dcat:Dataset"}
                         for p in portal.packages if p.name in set(pkg.source.get("packages") or [])]
    doc["dct:provenance"] = {"@type": "dct:ProvenanceStatement", "rdfs:label": {
        "@value": T("provenance", reports=len(sources), packages=len(pkg.source.get("packages") or [])),
        "@language": "zh"}}
    return {k: v for k, v in doc.items() if v not in (None, [])}


def report_node(report, site_url: str) -> dict:
    """A source report as a foaf:Document: its own URL when it has an http(s) one, else its page
    on the portal (which names the file and where to get it)."""
    url = catalog.http_iri(report.url) or site_url + catalog.report_path(report)
    return {"@id": url, "@type": "foaf:Document", "dct:title": {"@value": report.title, "@language": "zh"}}


def api_entry(pkg, sources: list, dls: list, site_url: str) -> dict:
    """Its entry in api/datasets.json: the keys every entry has ("report" is "": it has none;
    "reports" lists them)."""
    return {
        "name": pkg.name, "title": pkg.title, "title_en": pkg.title_en, "version": pkg.version,
        "report": "", "reports": [r.slug for r in sources], "table": str(pkg.source.get("table", "")), "caption": "",
        "rows": len(pkg.rows), "fields": len(pkg.fields), "keywords": pkg.keywords,
        "license": catalog.licence_url(pkg), "page": site_url + catalog.page_path(pkg),
        "metadata": site_url + f"api/{pkg.name}.json",
        "downloads": [{"format": d.format, "url": site_url + d.path, "path": d.path, "mediatype": d.mediatype,
                       "bytes": d.bytes, "sha256": d.sha256} for d in dls],
    }


def api_detail(pkg, sources: list, dls: list, site_url: str, cite: dict) -> dict:
    doc = api_entry(pkg, sources, dls, site_url)
    doc.update({"description": pkg.description, "x-source": pkg.source, "x-coverage": pkg.descriptor.get("x-coverage", {}),
                "x-quality": pkg.quality, "schema": pkg.resource.get("schema", {}),
                "report_detail": [{"slug": r.slug, "title": r.title, "title_en": r.title_en, "publisher": r.publisher,
                                   "published": r.published, "url": r.url} for r in sources],
                "citation": cite})
    return doc
