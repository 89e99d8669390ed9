"""Machine-readable descriptions: DCAT-AP catalogue (catalog.jsonld), the static JSON API
(api/datasets.json, api/<name>.json), and JSON made safe for page heads (script_json).
schema.org Dataset JSON-LD is made in schemaorg.py.

URLs are absolute, built from the site URL, so harvesters can follow them.
"""

from __future__ import annotations

import json
import re

from scripts.portal.texts import Texts
from scripts.portal.site.citation import PORTAL_NAME, PORTAL_NAME_EN

T = Texts.beside(__file__, "meta_texts.yaml")

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
# EU vocabularies (publications.europa.eu/resource/authority/...): languages, file types, licences
EU = "http://publications.europa.eu/resource/authority/"
LANG = {"zh-Hans": EU + "language/ZHO", "zh-Hant": EU + "language/ZHO", "zh": EU + "language/ZHO",
        "en": EU + "language/ENG"}
FILE_TYPES = {"text/csv": "CSV", "application/json": "JSON", "application/zip": "ZIP",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX"}
FORMATS = FILE_TYPES  # the short name readers see is the EU file-type code
LICENCES = {"CC-BY-4.0": "CC_BY_4_0", "CC-BY-SA-4.0": "CC_BYSA_4_0", "CC0-1.0": "CC0", "ODC-BY-1.0": "ODC_BY",
            "https://creativecommons.org/licenses/by/4.0/": "CC_BY_4_0",
            "https://creativecommons.org/licenses/by-sa/4.0/": "CC_BYSA_4_0",
            "https://creativecommons.org/publicdomain/zero/1.0/": "CC0"}
IANA = "https://www.iana.org/assignments/media-types/"
HTTP_IRI = re.compile(r"https?://[^\s/<>\"{}|\\^`]+[^\s<>\"{}|\\^`]*", re.I)


def http_iri(url) -> str | None:
    """The URL if it is an http(s) URL that is safe as an IRI, else None: nothing else from
    data (javascript:, file:, relative paths, text) ever becomes an @id."""
    text = str(url or "").strip()
    return text if HTTP_IRI.fullmatch(text) else None


def node(url, kind: str) -> dict | None:
    """{"@id": url, "@type": kind} for an http(s) URL, else None."""
    iri = http_iri(url)
    return {"@id": iri, "@type": kind} if iri else None


def page_path(pkg) -> str:
    return f"datasets/{pkg.name}/"


def report_path(report) -> str:
    return f"reports/{report.slug}/"


def licence_url(pkg) -> str:
    lic = (pkg.licenses or [{}])[0]
    return lic.get("path") or lic.get("name", "")


def licence_node(pkg) -> dict:
    """dct:LicenseDocument: the EU licence IRI when the licence is one of the EU vocabulary's,
    else its own http(s) URL, else a blank node carrying its name."""
    lic = (pkg.licenses or [{}])[0]
    code = LICENCES.get(lic.get("name", "")) or LICENCES.get(lic.get("path", ""))
    if code:
        return {"@id": EU + "licence/" + code, "@type": "dct:LicenseDocument"}
    return node(lic.get("path"), "dct:LicenseDocument") or {
        "@type": "dct:LicenseDocument", "rdfs:label": str(lic.get("title") or lic.get("name") or "")}


def language_node(code: str) -> dict:
    return {"@id": LANG.get(code, LANG["zh-Hans"]), "@type": "dct:LinguisticSystem"}


def date_literal(text: str) -> dict | None:
    """A DCAT-AP date: xsd:date, xsd:gYearMonth or xsd:gYear, by the form of the text."""
    for pattern, kind in ((r"\d{4}-\d{2}-\d{2}", "xsd:date"), (r"\d{4}-\d{2}", "xsd:gYearMonth"),
                          (r"\d{4}", "xsd:gYear")):
        if re.fullmatch(pattern, str(text or "")):
            return {"@value": text, "@type": kind}
    return None


def dcat_catalog(portal, downloads: dict, site_url: str, issued: str) -> dict:
    datasets = [dcat_dataset(pkg, downloads[pkg.name], site_url) for pkg in portal.packages]
    return {**dcat_catalog_head(site_url, issued), "dcat:dataset": datasets}


def dcat_catalog_head(site_url: str, issued: str) -> dict:
    """The catalogue without its datasets (which come last)."""
    return {
        "@context": DCAT_CONTEXT,
        "@id": site_url + "catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": [{"@value": PORTAL_NAME, "@language": "zh"}, {"@value": PORTAL_NAME_EN, "@language": "en"}],
        "dct:description": {"@value": T("catalog.description"), "@language": "zh"},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PORTAL_NAME},
        "dct:modified": {"@value": issued, "@type": "xsd:date"},
        "dct:language": language_node("zh-Hans"),
        "foaf:homepage": node(site_url, "foaf:Document"),
    }


def dcat_dataset(pkg, downloads: list, site_url: str) -> dict:
    """One dcat:Dataset. The report it was transcribed from is the document it derives from
    (prov:wasDerivedFrom, a foaf:Document; dct:source would claim a dcat:Dataset), with a
    dct:provenance statement naming the table and the source lines."""
    landing = site_url + page_path(pkg)
    doc = {
        "@id": landing + "#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": pkg.name,
        "dct:title": [{"@value": pkg.title, "@language": "zh"}, {"@value": pkg.title_en, "@language": "en"}],
        "dct:description": {"@value": pkg.description or pkg.title, "@language": "zh"},
        "dcat:keyword": [{"@value": k, "@language": "zh"} for k in pkg.keywords],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": pkg.report.publisher},
        "dct:issued": date_literal(pkg.report.published),
        "dcat:version": pkg.version,
        "dct:language": language_node(pkg.report.language),
        "prov:wasDerivedFrom": node(pkg.report.url, "foaf:Document"),
        "dct:provenance": {"@type": "dct:ProvenanceStatement",
                           "rdfs:label": {"@value": provenance_text(pkg), "@language": "zh"}},
        "dcat:landingPage": node(landing, "foaf:Document"),
        "dcat:contactPoint": {"@type": ["vcard:Kind", "vcard:Organization"], "vcard:fn": PORTAL_NAME,
                              "vcard:hasURL": {"@id": http_iri(site_url)} if http_iri(site_url) else None},
        "dcat:distribution": [dcat_distribution(pkg, d, site_url) for d in downloads],
    }
    doc["dcat:contactPoint"] = {k: v for k, v in doc["dcat:contactPoint"].items() if v is not None}
    return {k: v for k, v in doc.items() if v is not None}


def provenance_text(pkg) -> str:
    src = pkg.source
    lines = src.get("lines") or []
    where = T("catalog.lines", first=lines[0], last=lines[-1]) if lines else ""
    return T("catalog.provenance", report=pkg.report.title, table=src.get("table", ""), where=where)


def dcat_distribution(pkg, d, site_url: str) -> dict:
    url = site_url + d.path
    code = FILE_TYPES.get(d.mediatype)
    doc = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": d.format,
        "dcat:accessURL": node(site_url + page_path(pkg), "rdfs:Resource"),
        "dcat:downloadURL": node(url, "rdfs:Resource"),
        "dcat:mediaType": {"@id": IANA + d.mediatype, "@type": "dct:MediaType"},
        "dct:format": {"@id": EU + "file-type/" + code, "@type": "dct:MediaTypeOrExtent"} if code else None,
        "dcat:byteSize": {"@value": str(d.bytes), "@type": "xsd:decimal"},
        "spdx:checksum": {"@type": "spdx:Checksum", "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                          "spdx:checksumValue": {"@value": d.sha256, "@type": "xsd:hexBinary"}},
        "dct:license": licence_node(pkg),
    }
    return {k: v for k, v in doc.items() if v is not None}


def api_entry(pkg, downloads: list, site_url: str) -> dict:
    src = pkg.source
    return {
        "name": pkg.name, "title": pkg.title, "title_en": pkg.title_en, "version": pkg.version,
        "report": pkg.report.slug, "table": src.get("table", ""), "caption": src.get("caption", ""),
        "rows": len(pkg.rows), "fields": len(pkg.fields), "keywords": pkg.keywords,
        "license": licence_url(pkg),
        "page": site_url + page_path(pkg),
        "metadata": site_url + f"api/{pkg.name}.json",
        "downloads": [{"format": d.format, "url": site_url + d.path, "path": d.path, "mediatype": d.mediatype,
                       "bytes": d.bytes, "sha256": d.sha256} for d in downloads],
    }


def api_detail(pkg, downloads: list, site_url: str, citations: dict) -> dict:
    doc = api_entry(pkg, downloads, site_url)
    doc.update({
        "description": pkg.description, "x-source": pkg.source, "x-quality": pkg.quality,
        "x-display": pkg.display, "schema": pkg.resource.get("schema", {}),
        "report_detail": {"slug": pkg.report.slug, "title": pkg.report.title, "title_en": pkg.report.title_en,
                          "publisher": pkg.report.publisher, "published": pkg.report.published,
                          "url": pkg.report.url},
        "citation": citations,
    })
    return doc


def script_json(doc: dict) -> str:
    """JSON safe to put inside <script type="application/ld+json">."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_bytes(doc) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def item_json(item) -> str:
    """An element of a list that is a top-level member of a document, laid out as json_bytes
    lays it out there (two levels deep), so that the document can be assembled from cached
    elements without encoding them again (json's indenting encoder is pure Python: slow)."""
    return json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n  ")  # newlines in strings are escaped


def json_bytes_with(doc: dict, key: str, items: list) -> bytes:
    """json_bytes({**doc, key: [...]}), the list's elements given as item_json texts."""
    if not items:
        return json_bytes({**doc, key: []})
    mark = "\x00items\x00"
    text = json.dumps({**doc, key: [mark]}, ensure_ascii=False, indent=1)
    token = json.dumps(mark)
    assert text.count(token) == 1
    return (text.replace(token, ",\n  ".join(items)) + "\n").encode("utf-8")
