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

from scripts.portal import settings
from scripts.portal.texts import Texts
from scripts.portal.site import catalog, feed, findings, numformat, schemaorg
from scripts.portal.site.charts import MAX_CHART_ROWS, fmt, shape_of, too_long_to_chart

TEMPLATES = Path(__file__).with_name("templates")
T = Texts.beside(__file__, "labels.yaml")
LABELS = T.all()   # the templates' words (labels.checks …)
MD_ESCAPE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")  # what Python-Markdown (+tables) can escape
MD_IN_ATTRIBUTE = re.compile(r"[\\`*_{}\[\]()!|~^<>]")  # Markdown syntax characters (after html.escape)
BLOCK_START = re.compile(r"^[=~:^?%]")  # other block syntax (content tabs, fences, ...) a line may open with
NAV_FILE = settings.nav_file()
PAGE_CELLS = 1_000   # table cells on one dataset page (about 45 KB of HTML); a larger table shows its first rows
MAX_TERMS = 500      # row labels and field titles a dataset page gives the search index


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
    facts: object = None     # the fact table's dataset (facts_dataset.FactsDataset), false when there is none


# ---------------------------------------------------------------- filters

def md(value) -> str:
    """Text safe in Markdown: HTML-escaped, Markdown punctuation backslash-escaped, a leading
    block marker (`=== "tab"`, `~~~`, `???`) written as a character reference, one line."""
    text = " ".join(str("" if value is None else value).split())
    text = MD_ESCAPE.sub(r"\\\1", html.escape(text, quote=False))
    return BLOCK_START.sub(lambda m: f"&#{ord(m.group())};", text)


def h(value) -> str:
    """Text safe in raw HTML (element content and quoted attributes), one line."""
    return html.escape(" ".join(str("" if value is None else value).split()), quote=True)


def href(value) -> str:
    """A link target from data: an http(s) URL, escaped for the attribute and, since the tag may
    sit in a Markdown line (a table cell), with Markdown punctuation as character references
    (Python-Markdown links `[x](javascript:y)` even inside an attribute); anything else
    (javascript:, data:, relative paths) gives "" so that the template shows it as text."""
    text = " ".join(str("" if value is None else value).split())
    if not re.match(r"https?://[^\s/]", text, re.I):
        return ""
    return MD_IN_ATTRIBUTE.sub(lambda m: f"&#{ord(m.group())};", h(text))


def plain(value) -> str:
    """Text for front matter and navigation titles: no markup characters at all."""
    text = " ".join(str("" if value is None else value).split())
    return text.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇", "`": "｀"}))


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def md_bilingual(value) -> str:
    """Like ``md``, but a trailing English sentence after Chinese text (e.g. a licence
    "…注明原报告。 Compilation under CC BY 4.0; …") is marked ``lang="en"``."""
    text = " ".join(str("" if value is None else value).split())
    last = max((m.end() for m in CJK.finditer(text)), default=0)
    tail = text[last:]
    if last and len(re.findall(r"[A-Za-z]{2,}", tail)) >= 3:
        return f'{md(text[:last])} <span lang="en">{md(tail.strip())}</span>'
    return md(text)


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
    e.filters.update(md=md, md_bilingual=md_bilingual, h=h, href=href, plain=plain, num=num, size=size, fence=fence, indent_block=indent,
                     pyquote=lambda text: json.dumps(str(text), ensure_ascii=False)[1:-1],
                     tojson_ld=catalog.script_json)
    e.globals.update(settings=settings, labels=LABELS, shape_of=shape_of, too_long_to_chart=too_long_to_chart,
                     max_chart_rows=MAX_CHART_ROWS, dataset_doc=dataset_doc, table_label=table_label, fmt=fmt,
                     read_csv_args=read_csv_args)
    return e


# ---------------------------------------------------------------- pages

# libyaml's emitter when PyYAML has it (5 times faster; the same text, tested)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(**items) -> str:
    items = {k: v for k, v in items.items() if v not in (None, "", [])}
    return "---\n" + yaml.dump(items, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=10**6) + "---\n"


def render(e, template: str, doc: str, **ctx) -> str:
    def rel(target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(doc) or ".")
    return e.get_template(template).render(doc=doc, rel=rel, root=url_root(doc), **ctx)


def package_readme(e, pkg, site_url: str) -> str:
    """README.md of a package's ZIP download."""
    return e.get_template("zip_readme_package.md.j2").render(pkg=pkg, site_url=site_url)


def portal_readme(e, portal, site_url: str) -> str:
    """README.md of the whole-portal ZIP download."""
    return e.get_template("zip_readme_portal.md.j2").render(portal=portal, site_url=site_url)


def is_key_figures(pkg) -> bool:
    return pkg.kind == "key-figures"


def table_label(pkg) -> str:
    return T("key_figures") if is_key_figures(pkg) else str(pkg.source.get("table", ""))


def dataset_doc(pkg) -> str:
    # key-figures packages get one sub-page per report section, so their page is a directory index
    return f"datasets/{pkg.name}/index.md" if is_key_figures(pkg) else f"datasets/{pkg.name}.md"


def section_doc(pkg, k: int) -> str:
    return f"datasets/{pkg.name}/s{k}.md"


def row_anchor(raw: dict) -> str:
    """The anchor of a package row on its page: a key figure's id (kf-012), else its source
    line (L2230)."""
    return str(raw.get("id") or f"L{raw.get('source_line', '')}")


def key_figure_sections(pkg) -> list:
    """The report sections of a key-figures package, in source order, one page each:
    [{"k", "id", "name", "rows", "doc", "count"}]. Pages follow the report's own sections,
    never a count of rows."""
    sections: dict = {}
    for raw in sorted(pkg.raw_rows, key=lambda r: int(r.get("source_line") or 0)):
        sections.setdefault(raw.get("section") or T("body_section"), []).append(raw)
    return [{"k": k, "id": f"s{k}", "name": name, "rows": rows, "doc": section_doc(pkg, k), "count": len(rows)}
            for k, (name, rows) in enumerate(sections.items(), 1)]


def report_doc(report) -> str:
    return f"reports/{report.slug}/index.md"


def package_pages(e, pkg, downloads: list, charts: list, cite: dict, site_url: str, accessed: str) -> dict:
    """One package's pages: {doc: Markdown} (its dataset page and, for key figures, one page per report section).
    They depend on this package, its report entry and the options only."""
    out = {}
    data = SimpleNamespace(accessed=accessed)
    doc = dataset_doc(pkg)
    ld = schemaorg.for_package(pkg, downloads, site_url)
    sections = key_figure_sections(pkg) if is_key_figures(pkg) else []
    for sec in sections:
        out[sec["doc"]] = render(e, "key_figures_section.md.j2", sec["doc"], pkg=pkg, sec=sec, sections=sections,
                                 fig_anchor=fig_anchor, report_doc=report_doc(pkg.report), row_anchor=row_anchor,
                                 fig_ids={f["id"] for f in pkg.source.get("figures") or []},
                                 fm=front_matter(title=plain(T("pages.section_title", report=pkg.report.title,
                                                               section=sec["name"])),
                                                 description=plain(T("pages.section_description",
                                                                     report=pkg.report.title, section=sec["name"],
                                                                     count=sec["count"])),
                                                 search_kind="key-figures", search_facts=section_facts(sec)))
    out[doc] = render(e, "dataset.md.j2", doc, data=data, pkg=pkg, src=pkg.source, sections=sections,
                      csv_url=f"{site_url}downloads/{pkg.name}/data.csv",
                      charts=charts, downloads=downloads, cite=cite, rows=table_rows(pkg),
                      quality=quality_summary(pkg),
                      fm=front_matter(title=plain(pkg.title), description=plain(pkg.description or pkg.title),
                                      tags=[plain(k) for k in pkg.keywords], lastmod=feed.lastmod(pkg),
                                      search_kind="dataset", search_terms=[] if sections else dataset_terms(pkg),
                                      jsonld=catalog.script_json(ld),
                                      og_image=next((f"{site_url}assets/charts/{c.id}.png" for c in charts if c.png), None)))
    return out


def global_pages(e, data: SiteData) -> dict:
    """Pages that look at more than one package: home, reports, catalogue, comparisons."""
    out = {}
    portal = data.portal
    out["index.md"] = render(e, "home.md.j2", "index.md", data=data, portal=portal,
                             figures=getattr(data, "headline", None) or [],
                             headline=[] if getattr(data, "headline", None) else headline_figures(portal),
                             fm=front_matter(title=T("pages.home"), description=plain(T(
                                 "pages.home_description", reports=len(portal.reports), packages=len(portal.packages)))))
    for report in portal.reports:
        doc = report_doc(report)
        out[doc] = render(e, "report.md.j2", doc, data=data, report=report,
                          key_figures=report_key_figures(report), figures=report_figures(report),
                          fig_anchor=fig_anchor, fig_ids={f["id"] for f in report_figures(report)},
                          cite=data.citations[f"report:{report.slug}"],
                          fm=front_matter(title=plain(report.title), description=plain(T(
                              "pages.report_description", title=report.title, publisher=report.publisher,
                              published=report.published)),
                              search_kind="report"))
    out["catalog.md"] = render(e, "catalog.md.j2", "catalog.md", data=data, portal=portal,
                               fm=front_matter(title=T("pages.catalog"), description=T("pages.catalog_description")))
    out["comparisons.md"] = render(e, "comparisons.md.j2", "comparisons.md", data=data,
                                   cmp=data.comparisons,
                                   fm=front_matter(title=T("pages.comparisons"),
                                                   description=T("pages.comparisons_description")))
    out.update(about_pages(e, portal))
    out.update(index_pages(e, portal, getattr(data, "facts", None)))
    return out


def index_pages(e, portal, facts=None) -> dict:
    """/reports/ and /datasets/: every report, every dataset (by report, then the fact table
    when there is one: `facts`, facts_dataset.FactsDataset), each a link."""
    reports = [[(r.title, report_doc(r)), (r.publisher, None), (r.published, None), (str(len(r.packages)), None)]
               for r in portal.reports]
    datasets = [[(p.title, dataset_doc(p)), (table_label(p), None), (p.report.title, report_doc(p.report)),
                 (f"{len(p.rows):,}", None)] for r in portal.reports for p in r.packages]
    if facts:
        datasets.append([(facts.pkg.title, facts.doc), ("", None), (T("index_pages.datasets.all_reports"), None),
                         (f"{len(facts.pkg.rows):,}", None)])
    n, m = len(reports), len(datasets)
    return {
        "reports/index.md": render(
            e, "list_index.md.j2", "reports/index.md", title=T("index_pages.reports.title"),
            intro=T("index_pages.reports.intro", count=n), headers=T.data("index_pages.reports.headers"), rows=reports,
            fm=front_matter(title=T("index_pages.reports.title"),
                            description=plain(T("index_pages.reports.description", count=n)))),
        "datasets/index.md": render(
            e, "list_index.md.j2", "datasets/index.md", title=T("index_pages.datasets.title"),
            intro=T("index_pages.datasets.intro", count=m), headers=T.data("index_pages.datasets.headers"),
            rows=datasets, fm=front_matter(title=T("index_pages.datasets.title"),
                                           description=plain(T("index_pages.datasets.description", count=m)))),
    }


CN_DIGITS = T("cn_digits")


def cn_number(n: int) -> str:
    """一 … 十 for small counts in running text, digits beyond."""
    return CN_DIGITS[n] if 0 <= n <= 10 else str(n)


def about_pages(e, portal) -> dict:
    """The about page (its counts derived from the packages) and the generated recipe reference."""
    from scripts.portal.site import reference

    counts = {"reports_cn": cn_number(len(portal.reports)), "packages": len(portal.packages),
              "rows": sum(len(p.rows) for p in portal.packages),
              "acknowledged": sum(q.get("status") == "discrepancy" for p in portal.packages for q in p.quality)}
    return {
        "about.md": render(e, "about.md.j2", "about.md", counts=counts, fm=front_matter(
            title=T("pages.about"), description=T("pages.about_description"))),
        "recipe-reference.md": render(e, "recipe_reference.md.j2", "recipe-reference.md",
                                      sections=reference.sections(), fm=front_matter(
                                          title=T("pages.reference"), description=T("pages.reference_description"))),
    }


def nav_text(portal, extra: list = ()) -> str:
    """Contents of .nav.json (written into the engine's config by engine.py)."""
    return json.dumps(nav(portal, extra), ensure_ascii=False, indent=1)


def nav(portal, extra: list = ()) -> list:
    """The menu: home, catalogue, comparisons, `extra` (the indicator sections), the reports
    (each with its datasets; key-figure section pages are reached from their dataset page, not
    the menu, which every page carries), about."""
    items = [{T("nav.home"): "index.md"}, {T("nav.catalog"): "catalog.md"}, {T("nav.datasets"): "datasets/index.md"},
             {T("nav.comparisons"): "comparisons.md"}, *extra, {T("nav.reports"): "reports/index.md"}]
    for report in portal.reports:
        children = [report_doc(report)]
        for pkg in report.packages:
            label = T("key_figures") if is_key_figures(pkg) else f"{table_label(pkg)} {pkg.title}"
            children.append({plain(label): dataset_doc(pkg)})
        items.append({plain(report.title): children})
    items.append({T("nav.about"): ["about.md", {T("nav.conventions"): "conventions.md"},
                                    {T("nav.reference"): "recipe-reference.md"}]})
    return items


# ---------------------------------------------------------------- search front matter
# (read by scripts/portal/site/search.py after the engine (postbuild.py); see contracts: search_kind,
# search_terms, search_answer; search_facts are [term, answer] pairs of a page of figures)

def fact_answer(row: dict) -> str:
    """A key figure as a result shows it, the number formatted as on the page:
    "3,052.1 万人（辽宁省，2020-12）", "目标 80 家（辽宁省，2025）"."""
    value = str(row.get("value") or "")
    shown = num(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
    where = T("fact_answer.joiner").join(str(x) for x in (row.get("geography"), row.get("period")) if x)
    target = T("fact_answer.target") if row.get("kind") == "target" else ""
    text = f"{target}{row.get('qualifier') or ''}{shown} {row.get('unit') or ''}".strip()
    return plain(text + (T("fact_answer.where", where=where) if where else ""))


def section_facts(sec: dict) -> list:
    """[name, answer] of each key figure of a report section, for the search results."""
    return [[plain(r.get("indicator") or ""), fact_answer(r)]
            for r in sec["rows"] if r.get("indicator") and r.get("value")]


def dataset_terms(pkg) -> list:
    """A table's words for search: its row labels and field titles (not its numbers)."""
    category = shape_of(pkg)["category"]
    labels = [str(r.get(category) or "") for r in pkg.raw_rows[:MAX_TERMS]]
    titles = [f.title for f in pkg.content_fields]
    seen, out = set(), []
    for t in labels + titles:
        t = plain(t)
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out[:MAX_TERMS]


# ---------------------------------------------------------------- view helpers

def check_label(kind: str) -> dict:
    """{"name", "explain"} of a check kind, in Chinese (labels.yaml); never the raw kind."""
    return LABELS["checks"].get(kind) or LABELS["check_unknown"]


def quality_summary(pkg) -> dict:
    """x-quality in plain words: passes counted per kind of check, discrepancies in full
    (read through site/findings.py). A finding about one table row lets the table flag it."""
    groups, flagged, discrepancies = {}, set(), []
    titles = {f.name: f.title for f in pkg.fields}
    for q in pkg.quality:
        kind = findings.kind_of(q)
        label = check_label(kind)
        g = groups.setdefault(kind, {"kind": kind, "label": label["name"], "explain": label["explain"],
                                     "passed": 0, "total": 0})
        g["total"] += 1
        if findings.passed(q):
            g["passed"] += 1
        else:
            row = findings.row_of(q)
            discrepancies.append({"label": label["name"], "detail": findings.detail_of(q, titles), "row": row,
                                  "reason": str(q.get("reason") or "")})
            if row:
                flagged.add(row)
    return {"groups": list(groups.values()), "discrepancies": discrepancies, "flagged": flagged}


def table_rows(pkg) -> list:
    """Rows for the full table: cells with display text and sort value, row kind. A printed
    missing-value marker ("-", "未透露") is shown as printed, with its meaning as a tooltip."""
    disp = shape_of(pkg)
    flagged = quality_summary(pkg)["flagged"]
    missing = pkg.missing_values
    row_label = pkg.descriptor.get("x-row-label") or disp["category"]  # what findings name rows by
    shown = [f for f in pkg.content_fields] + [f for f in pkg.fields if f.name == "source_line"]
    places = {f.name: numformat.decimals(r[f.name] for r in pkg.raw_rows if r[f.name] not in missing)
              for f in shown if f.numeric and f.name != "source_line"}   # one number format per field
    rows, limit = [], page_rows(pkg)
    for raw, typed in zip(pkg.raw_rows[:limit], pkg.rows[:limit]):
        kind = typed.get("row_type") or "data"
        cells = []
        for f in shown:
            text = raw[f.name]
            if text and text in missing:
                shown_text = f'<span class="portal-missing" title="{h(missing[text])}">{h(text)}</span>'
                value = ""
            else:
                shown_text = h(numformat.shown(text, places[f.name])) if f.name in places else h(text)
                if f.name in places and text and numformat.shown(text, places[f.name]) != num(text):
                    shown_text = f'<span title="{h(T("printed_as", printed=text))}">{shown_text}</span>'
                value = h(text)
            cells.append({"text": shown_text, "value": value, "numeric": f.numeric, "head": f.name == disp["category"]})
        label = str(typed.get(row_label) or "")
        rows.append({"kind": kind, "cells": cells, "parent": typed.get("parent") or "", "anchor": row_anchor(raw),
                     "flag": label in flagged})
    return [{"fields": shown, "rows": rows, "has_total": any(r["kind"] == "total" for r in rows),
             "all_rows": len(pkg.rows), "page_cells": PAGE_CELLS}]


def page_rows(pkg) -> int:
    """How many rows the dataset page shows: all of them, unless the table has more than
    PAGE_CELLS cells (10,000 rows x 125 fields made a 47 MB page); then as many first rows as
    fit (at least one). The downloads always hold the full table."""
    width = len(pkg.content_fields) + 1  # the source line column too
    if is_key_figures(pkg) or len(pkg.rows) * width <= PAGE_CELLS:  # key figures: one page per section
        return len(pkg.rows)
    return max(1, PAGE_CELLS // width)


def read_csv_args(pkg) -> dict:
    """What the pandas snippet passes to read_csv for a package's CSV, from its schema: every
    text field as str (periods such as 2020-12, codes, printed values stay text), the schema's
    missingValues (the empty cell, "-", "未透露") as NaN and nothing else (keep_default_na=False,
    so "NA" stays a word), so that every numeric field is read as numbers."""
    names = [f.name for f in pkg.fields if not f.numeric]
    markers = [""] + [m for m in pkg.missing_values if m]
    return {"text": names, "na": markers, "numeric": [f.name for f in pkg.fields if f.numeric]}


def report_key_figures(report) -> list:
    """Key figures of a report by section: [{"pkg", "section", "figures"}] in source order."""
    out = []
    for pkg in report.packages:
        if is_key_figures(pkg):
            for section in key_figure_sections(pkg):
                out.append({"pkg": pkg, "section": section,
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
        for section in key_figure_sections(pkg):
            for r in section["rows"]:
                if r.get("figure"):
                    counts[r["figure"]] = counts.get(r["figure"], 0) + 1
                    first.setdefault(r["figure"], (section["doc"], row_anchor(r)))
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
