"""The embeddable chart of each indicator (/embed/indicators/<id>/, the only pages other sites
may frame: see headers.py), the iframe snippet and the 来源 section of the indicator page, and
what an exported picture of the chart says about itself (title, unit, 来源, licence, address).

build.py calls outputs() with the indicator section (indicator_pages.prepare); the indicator
page gets page_context() (its `sources`, `embed` fields) for its template.
"""

from __future__ import annotations

from scripts.portal.texts import Texts
from scripts.portal.site import pages

T = Texts.beside(__file__, "embed_texts.yaml")
TEXTS = T.all()


def embed_doc(ind: dict) -> str:
    return f"embed/indicators/{ind['id']}.md"


def reports_of(sec, ind: dict) -> list:
    """The reports the indicator's values come from, in the portal's order."""
    slugs = set(sec.layer.facts_of(ind["id"])["report"])
    return [r for r in sec.portal.reports if r.slug in slugs]


def page_context(sec, ind: dict, site_url: str) -> dict:
    """For indicator.md.j2: `sources` (the reports) and `embed` (the embed page's address, the
    iframe snippet, the texts)."""
    reports = reports_of(sec, ind)
    url = f"{site_url}{embed_doc(ind)[:-3]}/"
    title = T("iframe_title", name=pages.plain(ind["name"]))
    snippet = (f'<iframe src="{url}" title="{title}" width="100%" height="520" loading="lazy" '
               'style="border: 0"></iframe>')  # the embedding page's markup, not ours (no CSP here)
    return {"sources": reports, "embed": {"url": url, "snippet": snippet, "texts": TEXTS}}


def export_lines(sec, ind: dict, site_url: str) -> dict:
    """What a downloaded SVG/PNG of the chart carries (data-* attributes of the figure)."""
    reports = reports_of(sec, ind)
    return {"unit": T("unit_line", unit=ind.get("unit") or T("no_unit")),
            "source": T("source_line", reports=T("list").join(pages.plain(r.title) for r in reports)),
            "licence": T("licence_line", licence=T("licence")),
            "address": T("address_line", url=f"{site_url}indicators/{ind['id']}/")}


def outputs(e, sec, site_url: str) -> dict[str, bytes]:
    """{docs-relative path: bytes}: one embed page per indicator that has a chart."""
    if sec is None:
        return {}
    out = {}
    for ind in sec.layer.indicators:
        chart = sec.charts.get(ind["id"])
        if chart is None:
            continue
        doc = embed_doc(ind)
        out[doc] = pages.render(
            e, "embed.md.j2", doc, ind=ind, chart=chart, texts=TEXTS, reports=reports_of(sec, ind),
            page=f"{site_url}indicators/{ind['id']}/", export=export_lines(sec, ind, site_url),
            data=f"downloads/by-indicator/{ind['id']}.json",
            fm=pages.front_matter(title=pages.plain(ind["name"]), template="embed.html",
                                  hide=["navigation", "toc", "footer"], search={"exclude": True},
                                  description=pages.plain(chart.description))).encode("utf-8")
    return out
