"""schema.org ``Dataset`` JSON-LD for page heads, with what search engines require and
recommend (name, description of 50–5,000 characters, url, identifier, license, creator,
publisher, temporalCoverage, spatialCoverage, variableMeasured, distribution with
encodingFormat and contentUrl, isAccessibleForFree).

``dataset_jsonld`` is the one builder: dataset pages call it through ``for_package``, and
other pages that describe data (e.g. indicator pages at /indicators/<id>/) call it with
their own values. Put the result in the page's front matter as ``jsonld`` (made safe by
catalog.script_json); overrides/main.html writes it into <head>.
"""

from __future__ import annotations

import re

from scripts.portal.site.catalog import http_iri, licence_url, page_path
from scripts.portal.texts import Texts
from scripts.portal.site.citation import PORTAL_NAME

DESCRIPTION_MIN, DESCRIPTION_MAX = 50, 5000
T = Texts.beside(__file__, "meta_texts.yaml")
PLACES = tuple(tuple(p) for p in T.data("schemaorg.places"))   # (word, place), most specific first
COUNTRY = T("schemaorg.country")


def dataset_jsonld(name: str, description: str, url: str, identifier: str, temporal: str, spatial: str,
                   variables: list, distributions: list, *, license: str = "", creator: str = "",
                   keywords: list = (), alternate_name: str = "", version: str = "", based_on: str = "",
                   context: str = "") -> dict:
    """A schema.org Dataset.

    variables: [{"name", "unit" (optional), "description" (optional)}];
    distributions: [{"url", "mediatype", "bytes" (optional)}];
    temporal: ISO 8601 ("2020", "2019/2020"); spatial: a place name;
    context: text appended to a description shorter than 50 characters (what the data is
    part of), so that every description meets the minimum.
    """
    doc = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": name,
        "alternateName": alternate_name or None,
        "description": description_of(description, context or name),
        "url": http_iri(url),
        "identifier": identifier,
        "version": version or None,
        "keywords": list(keywords) or None,
        "inLanguage": "zh-CN",
        "license": http_iri(license),
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": creator or PORTAL_NAME},
        "publisher": {"@type": "Organization", "name": PORTAL_NAME},
        "temporalCoverage": temporal or None,
        "spatialCoverage": {"@type": "Place", "name": spatial} if spatial else None,
        "isBasedOn": http_iri(based_on),
        "variableMeasured": [variable(v) for v in variables] or None,
        "distribution": [distribution(d) for d in distributions if http_iri(d.get("url"))] or None,
    }
    return {k: v for k, v in doc.items() if v is not None}


def variable(v: dict) -> dict:
    out = {"@type": "PropertyValue", "name": v["name"]}
    if v.get("unit"):
        out["unitText"] = v["unit"]
    if v.get("description"):
        out["description"] = v["description"]
    return out


def distribution(d: dict) -> dict:
    out = {"@type": "DataDownload", "encodingFormat": d["mediatype"], "contentUrl": http_iri(d["url"])}
    if d.get("bytes") is not None:
        out["contentSize"] = f"{d['bytes']} B"
    return out


def description_of(text: str, context: str) -> str:
    """The description, completed to at least 50 characters with the context, and cut to
    at most 5,000."""
    text = " ".join(str(text or "").split())
    if len(text) < DESCRIPTION_MIN:
        text = f"{text} {context}".strip() if context not in text else text
    if len(text) < DESCRIPTION_MIN:
        text += T("schemaorg.description_tail", portal=PORTAL_NAME)
    return text if len(text) <= DESCRIPTION_MAX else text[:DESCRIPTION_MAX - 1] + "…"


def years_of(*texts: str) -> list:
    found = set()
    for t in texts:
        found.update(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", str(t or "")))
    return sorted(found)


def temporal_of(pkg) -> str:
    """The years the table is about (from its title, description and field titles), as an ISO
    8601 year or interval; else the year of the report."""
    years = years_of(pkg.title, pkg.title_en, pkg.description, *(f.title for f in pkg.fields))
    if not years:
        years = years_of(pkg.report.published)
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}/{years[-1]}"


def spatial_of(pkg) -> str:
    """The place the table covers: every province (a province table) is China; else the most
    specific place its title or description names; else China."""
    if (pkg.display or {}).get("shape") == "provinces":
        return COUNTRY
    text = f"{pkg.title} {pkg.description}"
    return next((place for key, place in PLACES if key in text), COUNTRY)


def for_package(pkg, downloads: list, site_url: str) -> dict:
    src = pkg.source
    context = T("schemaorg.context", report=pkg.report.title, table=src.get("table", ""),
                publisher=pkg.report.publisher, published=pkg.report.published)
    return dataset_jsonld(
        pkg.title, pkg.description or pkg.title, site_url + page_path(pkg), pkg.name,
        temporal_of(pkg), spatial_of(pkg),
        [{"name": f.title, "unit": f.unit, "description": f.description} for f in pkg.content_fields],
        [{"url": site_url + d.path, "mediatype": d.mediatype, "bytes": d.bytes} for d in downloads],
        license=licence_url(pkg), creator=pkg.report.publisher, keywords=pkg.keywords,
        alternate_name=pkg.title_en, version=pkg.version, based_on=pkg.report.url, context=context)
