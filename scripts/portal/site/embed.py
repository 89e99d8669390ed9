"""The embeddable chart of each indicator (/embed/indicators/<id>/, the only pages other sites
may frame: see headers.py), the iframe snippet and the 来源 section of the indicator page, and
what an exported picture of the chart says about itself (title, unit, 来源, licence, address).

build.py calls outputs() with the indicator section (indicator_pages.prepare); the indicator
page gets page_context() (its `sources`, `embed` fields) for its template.
"""

from __future__ import annotations

import html
import math
import re

from scripts.portal.texts import Texts
from scripts.portal.site import charts, pages

T = Texts.beside(__file__, "embed_texts.yaml")
TEXTS = T.all()


def embed_doc(ind: dict) -> str:
    return f"embed/indicators/{ind['id']}.md"


def og_image(chart, site_url: str) -> str | None:
    """The link preview's picture: the chart's PNG, when the build made PNGs (--png)."""
    return f"{site_url}assets/charts/{chart.id}.png" if chart is not None and chart.png else None


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
    chart = sec.charts.get(ind["id"])
    export = export_path(chart) if chart and export_path(chart) in sec.exports else None
    return {"sources": reports, "embed": {"url": url, "snippet": snippet, "texts": TEXTS, "export": export}}


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
            export_file=export_path(chart) if export_path(chart) in sec.exports else None,
            page=f"{site_url}indicators/{ind['id']}/", export=export_lines(sec, ind, site_url),
            data=f"downloads/by-indicator/{ind['id']}.json",
            fm=pages.front_matter(title=pages.plain(ind["name"]), template="embed.html",
                                  hide=["navigation", "toc", "footer"], search={"exclude": True},
                                  description=pages.plain(chart.description))).encode("utf-8")
    return out


# ---------------------------------------------------------------- exported pictures

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
MIN_WIDTH = 360
PAD = 12
ROOT_SVG = re.compile(r'<svg\b([^>]*)\bwidth="([\d.]+)"([^>]*)\bheight="([\d.]+)"', re.S)


def export_path(chart) -> str:
    return f"assets/charts/{chart.id}.export.svg"


def export_files(store, rendered: dict, sec, site_url: str) -> dict[str, str]:
    """{path under docs/: blob}: for every indicator chart whose SVG was rendered (`rendered`:
    {path: blob}), the SVG readers download: the chart with its title and unit above it and
    来源, licence and the page's address below it (as Our World in Data's exports carry theirs)."""
    if sec is None:
        return {}
    out = {}
    for ind in sec.layer.indicators:
        chart = sec.charts.get(ind["id"])
        blob = rendered.get(f"assets/charts/{chart.id}.svg") if chart else None
        if blob is None:
            continue
        svg = store.blob(blob).read_text(encoding="utf-8")
        picture = charts.outlined(export_svg(svg, chart.title, export_lines(sec, ind, site_url)))  # device-proof text
        out[export_path(chart)] = store.put(picture.encode("utf-8"))
    return out


def text_width(text: str, size: float) -> float:
    """A generous estimate of drawn width: a Han character or full-width sign 1 em, others 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else 0.6 * size for ch in text)


def wrap(text: str, size: float, width: float) -> list:
    lines, line = [], ""
    for ch in text:
        if line and text_width(line + ch, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + ([line] if line else [])


def export_svg(svg: str, title: str, lines: dict) -> str:
    """The chart SVG nested in a picture with its title and unit above and 来源, licence and
    address below; every text escaped."""
    m = ROOT_SVG.search(svg)
    if m is None:
        raise ValueError("chart SVG without width and height")
    w, h = float(m.group(2)), float(m.group(4))
    width = math.ceil(max(w, MIN_WIDTH))
    room = width - 2 * PAD
    head = [(t, 16, "700", "#222") for t in wrap(title, 16, room)] + [(t, 12, "400", "#444")
                                                                      for t in wrap(lines["unit"], 12, room)]
    foot = [(t, 11, "400", "#555") for key in ("source", "licence", "address") for t in wrap(lines[key], 11, room)]
    y, parts = PAD, []
    for text, size, weight, colour in head:
        y += size * 1.35
        parts.append(text_el(PAD, y, text, size, weight, colour))
    top = y + 8
    y = top + h + 6
    for text, size, weight, colour in foot:
        y += size * 1.45
        parts.append(text_el(PAD, y, text, size, weight, colour))
    total = math.ceil(y + PAD)   # whole pixels: a PNG drawn from it has exactly twice its size
    chart = svg[m.start():].replace("<svg", f'<svg x="{(width - w) / 2:g}" y="{top:g}"', 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
            f'width="{width:g}" height="{total:g}" viewBox="0 0 {width:g} {total:g}">'
            f'<rect width="{width:g}" height="{total:g}" fill="white"/>{"".join(parts[:len(head)])}{chart}'
            f'{"".join(parts[len(head):])}</svg>\n')


def text_el(x: float, y: float, text: str, size: int, weight: str, colour: str) -> str:
    return (f'<text x="{x:g}" y="{y:g}" font-family="{FONT}" font-size="{size}" font-weight="{weight}" '
            f'fill="{colour}">{html.escape(text)}</text>')
