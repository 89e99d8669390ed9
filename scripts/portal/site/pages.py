"""Markdown pages generated from the packages with the Jinja templates in templates/.

Every string that comes from data passes through a filter: ``md`` (Markdown text),
``h`` (raw HTML), ``href`` (link targets: http(s) only) or ``plain`` (front matter and
navigation, which Material prints unescaped). Links between pages are relative, so the
site works at any sub-path.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import jinja2
import yaml

from scripts.portal.site import catalog, compare, feed, schemaorg
from scripts.portal.site.charts import fmt, shape_of

TEMPLATES = Path(__file__).with_name("templates")
LABELS = yaml.safe_load(Path(__file__).with_name("labels.yaml").read_text(encoding="utf-8"))
MD_ESCAPE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")  # what Python-Markdown (+tables) can escape
NAV_FILE = ".nav.json"


@dataclass
class SiteData:
    """Everything the templates need, computed once by build.py."""
    portal: object
    downloads: dict          # package name -> [Download]
    charts: dict             # package name -> [Chart]
    citations: dict          # package name or "report:<slug>" -> {gbt7714, apa, bibtex}
    site_url: str
    accessed: str
    portal_zip: object
    comparisons: dict = field(default_factory=dict)


# ---------------------------------------------------------------- filters

def md(value) -> str:
    """Text safe in Markdown: HTML-escaped, Markdown punctuation backslash-escaped, one line."""
    text = " ".join(str("" if value is None else value).split())
    return MD_ESCAPE.sub(r"\\\1", html.escape(text, quote=False))


def h(value) -> str:
    """Text safe in raw HTML (element content and quoted attributes), one line."""
    return html.escape(" ".join(str("" if value is None else value).split()), quote=True)


def href(value) -> str:
    """A link target from data: an http(s) URL, escaped; anything else (javascript:, data:,
    relative paths) gives "" so that the template shows it as text instead of a link."""
    text = " ".join(str("" if value is None else value).split())
    return h(text) if re.match(r"https?://[^\s/]", text, re.I) else ""


def plain(value) -> str:
    """Text for front matter and navigation titles: no markup characters at all."""
    text = " ".join(str("" if value is None else value).split())
    return text.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇", "`": "｀"}))


def num(raw: str) -> str:
    """A number as stored in the CSV, with thousands separators for readability."""
    m = re.fullmatch(r"(-?)(\d+)(\.\d+)?", raw or "")
    if not m:
        return h(raw)
    sign, whole, frac = m.groups()
    return f"{sign}{int(whole):,}{frac or ''}"


def size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.splitlines())


def url_root(doc: str) -> str:
    """Relative URL from the page built from ``doc`` to the site root (directory URLs)."""
    parts = doc[:-3].split("/") if doc.endswith(".md") else doc.split("/")
    if parts[-1] == "index":
        parts = parts[:-1]
    return "../" * len(parts)


def env(bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The template environment; with `bytecode_dir`, compiled templates are kept there
    (keyed by template source) so that each build process does not compile them again."""
    cache = None
    if bytecode_dir is not None:
        Path(bytecode_dir).mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    e = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                           bytecode_cache=cache,
                           autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                           comment_start_string="{%#", comment_end_string="#%}")  # "{#id}" is Markdown
    e.filters.update(md=md, h=h, href=href, plain=plain, num=num, size=size, fence=fence, indent_block=indent,
                     tojson_ld=catalog.script_json)
    e.globals.update(labels=LABELS, shape_of=shape_of, dataset_doc=dataset_doc, table_label=table_label, fmt=fmt)
    return e


# ---------------------------------------------------------------- pages

def front_matter(**items) -> str:
    items = {k: v for k, v in items.items() if v not in (None, "", [])}
    return "---\n" + yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=10**6) + "---\n"


def render(e, template: str, doc: str, **ctx) -> str:
    def rel(target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(doc) or ".")
    return e.get_template(template).render(doc=doc, rel=rel, root=url_root(doc), **ctx)


KF_PART_ROWS = 60   # key figures per part page: keeps every page well under 60 KB


def is_key_figures(pkg) -> bool:
    return pkg.source.get("table") == "key-figures"


def table_label(pkg) -> str:
    table = str(pkg.source.get("table", ""))
    return "关键数字" if table == "key-figures" else table


def dataset_doc(pkg) -> str:
    # key-figures packages get sub-pages (parts), so their page is a directory index
    return f"datasets/{pkg.name}/index.md" if is_key_figures(pkg) else f"datasets/{pkg.name}.md"


def part_doc(pkg, k: int) -> str:
    return f"datasets/{pkg.name}/part-{k}.md"


def key_figure_parts(pkg) -> list:
    """Sections of a key-figures package (source order) chunked into parts of <= KF_PART_ROWS rows.

    Returns [{"k", "doc", "sections": [{"id", "name", "rows"}]}]; a section is never split.
    """
    sections = {}
    for raw in sorted(pkg.raw_rows, key=lambda r: int(r.get("source_line") or 0)):
        sections.setdefault(raw.get("section") or "正文", []).append(raw)
    parts = []
    for i, (name, rows) in enumerate(sections.items(), 1):
        if not parts or sum(len(s["rows"]) for s in parts[-1]["sections"]) + len(rows) > KF_PART_ROWS:
            parts.append({"k": len(parts) + 1, "sections": []})
        parts[-1]["sections"].append({"id": f"s{i}", "name": name, "rows": rows})
    for p in parts:
        p["doc"] = part_doc(pkg, p["k"])
        p["count"] = sum(len(s["rows"]) for s in p["sections"])
        names = [s["name"] for s in p["sections"]]
        p["title"] = f"第 {p['k']} 部分：{names[0]}" + (f" 等 {len(names)} 节" if len(names) > 1 else "")
    return parts


def report_doc(report) -> str:
    return f"reports/{report.slug}/index.md"


def package_pages(e, pkg, downloads: list, charts: list, cite: dict, site_url: str, accessed: str) -> dict:
    """One package's pages: {doc: Markdown} (its dataset page and, for key figures, its parts).
    They depend on this package, its report entry and the options only."""
    out = {}
    data = SimpleNamespace(accessed=accessed)
    doc = dataset_doc(pkg)
    ld = schemaorg.for_package(pkg, downloads, site_url)
    parts = key_figure_parts(pkg) if is_key_figures(pkg) else []
    for part in parts:
        out[part["doc"]] = render(e, "key_figures_part.md.j2", part["doc"], pkg=pkg, part=part, parts=parts,
                                  fig_anchor=fig_anchor, report_doc=report_doc(pkg.report),
                                  fig_ids={f["id"] for f in pkg.source.get("figures") or []},
                                  fm=front_matter(title=plain(f"{pkg.title}：{part['title']}"),
                                                  description=plain(f"{pkg.report.title}正文中的关键数字，{part['title']}")))
    out[doc] = render(e, "dataset.md.j2", doc, data=data, pkg=pkg, src=pkg.source, parts=parts,
                      charts=charts, downloads=downloads, cite=cite, rows=table_rows(pkg),
                      quality=quality_summary(pkg),
                      fm=front_matter(title=plain(pkg.title), description=plain(pkg.description or pkg.title),
                                      tags=[plain(k) for k in pkg.keywords], lastmod=feed.lastmod(pkg),
                                      jsonld=catalog.script_json(ld)))
    return out


def global_pages(e, data: SiteData) -> dict:
    """Pages that look at more than one package: home, reports, catalogue, comparisons."""
    out = {}
    portal = data.portal
    out["index.md"] = render(e, "home.md.j2", "index.md", data=data, portal=portal,
                             headline=headline_figures(portal),
                             fm=front_matter(title="首页", description=plain(
                                 f"{len(portal.reports)} 份报告、{len(portal.packages)} 个数据集的开放数据门户")))
    for report in portal.reports:
        doc = report_doc(report)
        out[doc] = render(e, "report.md.j2", doc, data=data, report=report,
                          key_figures=key_figure_sections(report), figures=report_figures(report),
                          fig_anchor=fig_anchor, fig_ids={f["id"] for f in report_figures(report)},
                          cite=data.citations[f"report:{report.slug}"],
                          fm=front_matter(title=plain(report.title), description=plain(
                              f"{report.title}（{report.publisher}，{report.published}）的表格与关键数字")))
    out["catalog.md"] = render(e, "catalog.md.j2", "catalog.md", data=data, portal=portal,
                               fm=front_matter(title="数据目录", description="全部数据集一览，按主题浏览"))
    out["comparisons.md"] = render(e, "comparisons.md.j2", "comparisons.md", data=data,
                                   cmp=data.comparisons,
                                   fm=front_matter(title="报告对比", description="辽宁与全国、辽宁在各省中的位次、规划目标进度"))
    return out


def nav_text(portal) -> str:
    """Contents of .nav.json (read by the mkdocs hook)."""
    return json.dumps(nav(portal), ensure_ascii=False, indent=1)


def nav(portal) -> list:
    items = [{"首页": "index.md"}, {"数据目录": "catalog.md"}, {"报告对比": "comparisons.md"}]
    for report in portal.reports:
        children = [report_doc(report)]
        for pkg in report.packages:
            label = "关键数字" if is_key_figures(pkg) else f"{table_label(pkg)} {pkg.title}"
            if is_key_figures(pkg):
                children.append({plain(label): [dataset_doc(pkg)] + [
                    {plain(p["title"]): p["doc"]} for p in key_figure_parts(pkg)]})
            else:
                children.append({plain(label): dataset_doc(pkg)})
        items.append({plain(report.title): children})
    items.append({"关于": ["about.md", {"数据约定": "conventions.md"}]})
    return items


# ---------------------------------------------------------------- view helpers

def quality_summary(pkg) -> dict:
    """x-quality in plain words: passes counted per kind of check, discrepancies in full.

    Check ids look like ``kind:field:row`` (e.g. ``sum:domains:合计``); the row part, when it
    names a table row, lets the table flag that row.
    """
    groups, flagged, discrepancies = {}, set(), []
    for q in pkg.quality:
        kind, _, rest = str(q.get("check", "")).partition(":")
        field_name, _, row = rest.partition(":")
        g = groups.setdefault(kind, {"kind": kind, "label": LABELS["checks"].get(kind, kind), "passed": 0, "total": 0})
        g["total"] += 1
        if q.get("status") == "pass":
            g["passed"] += 1
        else:
            discrepancies.append({"label": g["label"], "detail": q.get("detail", ""), "row": row})
            if row:
                flagged.add(row)
    return {"groups": list(groups.values()), "discrepancies": discrepancies, "flagged": flagged}


def table_rows(pkg) -> list:
    """Rows for the full table: cells with display text and sort value, row kind."""
    disp = shape_of(pkg)
    flagged = quality_summary(pkg)["flagged"]
    shown = [f for f in pkg.content_fields] + [f for f in pkg.fields if f.name == "source_line"]
    rows = []
    for raw, typed in zip(pkg.raw_rows, pkg.rows):
        kind = typed.get("row_type") or "data"
        cells = []
        for f in shown:
            text = raw[f.name]
            cells.append({"text": (num(text) if f.numeric and f.name != "source_line" else h(text)),
                          "value": h(text), "numeric": f.numeric, "head": f.name == disp["category"]})
        label = str(typed.get(disp["category"]) or "")
        rows.append({"kind": kind, "cells": cells, "parent": typed.get("parent") or "",
                     "flag": label in flagged})
    return [{"fields": shown, "rows": rows}]


def key_figure_sections(report) -> list:
    """Key figures of a report by section: [(pkg, part, section)] in source order."""
    out = []
    for pkg in report.packages:
        if is_key_figures(pkg):
            for part in key_figure_parts(pkg):
                for section in part["sections"]:
                    out.append({"pkg": pkg, "part": part, "section": section,
                                "figures": sorted({r["figure"] for r in section["rows"] if r.get("figure")},
                                                  key=lambda f: int(re.sub(r"\D", "", f) or 0))})
    return out


def fig_anchor(fid: str) -> str:
    """Anchor of a report figure on the report page: 图11 -> fig-11."""
    return "fig-" + re.sub(r"\D", "", fid)


def report_figures(report) -> list:
    """The report's figures (captions as printed; the images were lost) with the key figures
    the prose gives for each: [{"id", "anchor", "caption", "line", "count", "where": (doc, section id)}]."""
    out = []
    for pkg in report.packages:
        if not is_key_figures(pkg):
            continue
        first = {}
        counts: dict = {}
        for part in key_figure_parts(pkg):
            for section in part["sections"]:
                for r in section["rows"]:
                    if r.get("figure"):
                        counts[r["figure"]] = counts.get(r["figure"], 0) + 1
                        first.setdefault(r["figure"], (part["doc"], section["id"]))
        for fig in pkg.source.get("figures") or []:
            out.append({**fig, "anchor": fig_anchor(fig["id"]), "count": counts.get(fig["id"], 0),
                        "where": first.get(fig["id"])})
    return out


def headline_figures(portal, limit: int = 6) -> list:
    """A few facts for the home page: per word in labels.yaml `headline`, the first fact whose
    indicator contains it (one per report where possible), then the first fact of each report."""
    facts = []
    for pkg in portal.packages:
        if is_key_figures(pkg):
            facts += [{**r, "_pkg": pkg} for r in pkg.raw_rows
                      if r.get("kind", "fact") == "fact" and r.get("value")]
    out, used = [], set()

    def take(r):
        if id(r) not in used and len(out) < limit:
            used.add(id(r))
            out.append(r)

    for word in LABELS.get("headline", []):
        matches = [r for r in facts if word in (r.get("indicator_simplified") or r.get("indicator") or "")]
        fresh = [r for r in matches if r["_pkg"].report.slug not in {o["_pkg"].report.slug for o in out}]
        if matches:
            take((fresh or matches)[0])
    for report in portal.reports:
        first = next((r for r in facts if r["_pkg"].report is report), None)
        if first and first["_pkg"].report.slug not in {o["_pkg"].report.slug for o in out}:
            take(first)
    return out
