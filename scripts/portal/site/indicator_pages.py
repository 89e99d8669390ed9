"""The pages readers get from the indicator layer: one page per registry indicator
(indicators/<id>.md), one per topic (topics/<id>.md), the list of indicators
(indicators/index.md), the plan tracker (plan.md), each indicator's rows as CSV and JSON
(downloads/by-indicator/), and their place in the menu.

build.py calls prepare() (data and charts, before the charts are rendered with the others)
and outputs() (pages and downloads). Without a fact table package there is nothing to do.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from scripts.portal.texts import Texts
from scripts.portal.site import analysis_downloads
from scripts.portal.site import embed
from scripts.portal.site import consistency
from scripts.portal.site import facts as fx
from scripts.portal.site import indicator_charts as ic
from scripts.portal.site import numformat
from scripts.portal.site import pages
from scripts.portal.site import plan_tracker
from scripts.portal.site import ranking

T = Texts.beside(__file__, "indicator_texts.yaml")
TEXTS = T.all()   # the templates' texts (texts.index.intro …)
DOWNLOADS = "downloads/by-indicator"


@dataclass
class Section:
    layer: fx.Layer
    portal: object
    charts: dict = field(default_factory=dict)    # indicator id -> Chart (page chart)
    sparks: dict = field(default_factory=dict)    # indicator id -> Chart (topic sparkline)
    packages: dict = field(default_factory=dict)  # package name -> Package
    rows: dict = field(default_factory=dict)      # package name -> row_index()
    section_docs: dict = field(default_factory=dict)  # key-figure package name -> {id(row): doc}
    exports: dict = field(default_factory=dict)   # exported chart SVG path -> blob (embed.export_files)
    today: object = None                          # the build's date (the plan tracker: horizon passed?)

    @property
    def all_charts(self) -> list:
        return list(self.charts.values()) + list(self.sparks.values())


def prepare(portal, facts_dir: Path, recipes_dir: Path, today=None) -> Section | None:
    layer = fx.load(facts_dir, recipes_dir)
    if layer is None:
        return None
    sec = Section(layer, portal, packages={p.name: p for p in portal.packages}, today=today)
    for ind in layer.indicators:
        df = layer.facts_of(ind["id"])
        chart, spark = ic.choose(ind, df), ic.sparkline(ind, df)
        if chart:
            sec.charts[ind["id"]] = chart
        if spark:
            sec.sparks[ind["id"]] = spark
    return sec


def outputs(e, sec: Section | None, site_url: str) -> dict:
    """{docs-relative path: bytes}: every page and download of the indicator section."""
    if sec is None:
        return {}
    out = {}
    for ind in sec.layer.indicators:
        doc = indicator_doc(ind)
        csv_bytes, json_bytes = indicator_downloads(sec, ind)
        out[f"{DOWNLOADS}/{ind['id']}.csv"], out[f"{DOWNLOADS}/{ind['id']}.json"] = csv_bytes, json_bytes
        out[doc] = indicator_page(e, sec, ind, doc, site_url, len(csv_bytes), len(json_bytes)).encode("utf-8")
    for topic in sec.layer.topics:
        doc = topic_doc(topic)
        out[doc] = topic_page(e, sec, topic, doc).encode("utf-8")
    out["indicators/index.md"] = pages.render(
        e, "indicator_index.md.j2", "indicators/index.md", texts=TEXTS, groups=topic_groups(sec),
        whole=analysis_downloads.ANALYSIS_DOWNLOADS if sec.layer.package.name in sec.portal.derived else [],
        answer=lambda ind: fx.search_answer(with_unit(sec.layer.facts_of(ind["id"]), ind), ind.get("unit") or ""),
        fm=pages.front_matter(title=T("page_titles.index"), description=T("index.description"))).encode("utf-8")
    out["plan.md"] = plan_page(e, sec).encode("utf-8")
    out["topics/index.md"] = topics_index(e, sec).encode("utf-8")
    return out


def topics_index(e, sec: Section) -> str:
    """/topics/: every topic with its number of indicators and datasets."""
    rows = [[(topic["name"], topic_doc(topic)), (str(len(inds)), None),
             (str(sum(1 for p in sec.portal.packages if sec.layer.dataset_topics.get(p.name) == topic["id"])), None)]
            for topic, inds in topic_groups(sec)]
    return pages.render(e, "list_index.md.j2", "topics/index.md", title=T("topics_index.title"),
                        intro=T("topics_index.intro", count=len(rows)), headers=T.data("topics_index.headers"),
                        rows=rows, fm=pages.front_matter(title=pages.plain(T("topics_index.title")), description=pages.plain(
                            T("topics_index.description", count=len(rows)))))


def headline(sec: Section | None) -> list:
    """The home page's headline figures: per indicator of indicator_texts.yaml `headline`
    (ids; "-" and "_" alike), the latest value of 辽宁省, else of the place that has one (the
    page names the place, a city value is never shown as the province's):
    [{"ind", "url", "fact", "shown", "source"}]."""
    if sec is None:
        return []
    wanted = [str(i).replace("_", "-") for i in T.data("headline")]
    by_id = {i["id"].replace("_", "-"): i for i in sec.layer.indicators}
    out = []
    for ind in (by_id[i] for i in wanted if i in by_id):
        df, unit = sec.layer.facts_of(ind["id"]), ind.get("unit") or ""
        fact = fx.latest(df, unit, fx.LIAONING) or fx.latest(df, unit)
        if fact is not None:
            out.append({"ind": ind, "url": page_url(indicator_doc(ind)), "fact": fact,
                        "shown": displayer(df, ind)(fact), "source": source_link(sec, fact)})
    return out


def nav(sec: Section | None) -> list:
    """Menu entries: 指标 (the list, then one group per topic: its page and its indicators)
    and 规划进度."""
    if sec is None:
        return []
    groups = [{pages.plain(t["name"]): [topic_doc(t)] + [{pages.plain(i["name"]): indicator_doc(i)} for i in inds]}
              for t, inds in topic_groups(sec)]
    return [{T("nav.indicators"): ["indicators/index.md", {T("nav.topics"): "topics/index.md"}, *groups]},
            {T("nav.plan"): "plan.md"}]


# ---------------------------------------------------------------- paths and lookups

def indicator_doc(ind: dict) -> str:
    return f"indicators/{ind['id']}.md"


def topic_doc(topic: dict) -> str:
    return f"topics/{topic['id']}.md"


def topic_groups(sec: Section) -> list:
    """[(topic, [indicators])] in topic order."""
    return [(t, [i for i in sec.layer.indicators if i["topic"] == t["id"]]) for t in sec.layer.topics]


def source_of(sec: Section, fact: dict) -> tuple:
    """(package, raw row) a fact comes from: the row whose id, label or anchor is the fact's
    source_row, else the row on its source line (either may be None when the package or the
    row is not published)."""
    pkg = sec.packages.get(fact["source_package"])
    if pkg is None:
        return None, None
    keys, lines = row_index(sec, pkg)
    return pkg, keys.get(str(fact["source_row"])) or lines.get(str(fact["source_line"]))


def row_index(sec: Section, pkg) -> tuple:
    """({id, label or anchor: raw row}, {source line: raw row}) of a package, made once."""
    if pkg.name not in sec.rows:
        label = pages.shape_of(pkg)["category"] if pkg.content_fields else None
        keys, lines = {}, {}
        for raw in pkg.raw_rows:
            for k in (raw.get(label) if label else None, pages.row_anchor(raw), raw.get("id")):
                if k:
                    keys[str(k)] = raw
            lines.setdefault(str(raw.get("source_line")), raw)
        sec.rows[pkg.name] = (keys, lines)
    return sec.rows[pkg.name]


def row_label(pkg, raw) -> str:
    """A table row as readers see it: its label (category column), "" when unknown."""
    if pkg is None or raw is None or not pkg.content_fields:
        return ""
    return str(raw.get(pages.shape_of(pkg)["category"]) or "")


def section_page_of(sec: Section, pkg, raw) -> str | None:
    """The key-figure section page that shows a row."""
    if pkg.name not in sec.section_docs:
        sec.section_docs[pkg.name] = {id(r): s["doc"] for s in pages.key_figure_sections(pkg) for r in s["rows"]}
    return sec.section_docs[pkg.name].get(id(raw))


def page_url(doc: str) -> str:
    """Site-relative URL of a generated page: datasets/x.md and datasets/x/index.md -> datasets/x/."""
    path = doc[:-3]
    if path == "index" or path.endswith("/index"):
        return path[:-len("index")]
    return path + "/"


def source_link(sec: Section, fact: dict) -> dict:
    """Where a statement is, for the templates: {"label" (short report, table, row), "url"
    (site-relative URL of the dataset row, or ""), "line" (source line), "text" (source
    sentence of a key figure)}."""
    pkg, raw = source_of(sec, fact)
    report = pkg.report if pkg is not None else None
    short = T.data("report_short").get(fact["report"]) or (report.title if report else fact["report"])
    url = ""
    if pkg is not None and raw is not None:
        doc = section_page_of(sec, pkg, raw) if pages.is_key_figures(pkg) else pages.dataset_doc(pkg)
        url = f"{page_url(doc)}#{pages.row_anchor(raw)}" if doc else ""
    where = "" if pkg is not None and pages.is_key_figures(pkg) else row_label(pkg, raw) or fact["source_row"]
    label = " ".join(x for x in (short, pages.table_label(pkg) if pkg else fact["source_package"], where) if x)
    quote, section = quoted(pkg, raw)
    return {"label": label, "url": url, "line": fact["source_line"], "text": (raw or {}).get("source_text", ""),
            "quote": quote, "section": section}


def quoted(pkg, raw) -> tuple:
    """(原文摘录, 所在章节) of a package row: a key figure's sentence and section as printed; for a
    table cell the table's printed caption and the row's printed cells, and the table's section."""
    if pkg is None or raw is None:
        return "", ""
    if pages.is_key_figures(pkg):
        return str(raw.get("source_text") or ""), str(raw.get("section") or "")
    cells = " ".join(str(raw.get(f.name) or "") for f in pkg.content_fields if str(raw.get(f.name) or "").strip())
    caption = str(pkg.source.get("caption") or pages.table_label(pkg))
    return T("quote_table_row", caption=caption, row=cells), str(pkg.source.get("section") or "")


# ---------------------------------------------------------------- pages

def indicator_page(e, sec: Section, ind: dict, doc: str, site_url: str, csv_size: int, json_size: int) -> str:
    layer, unit = sec.layer, ind.get("unit") or ""
    df = layer.facts_of(ind["id"])
    vals = fx.values(df)
    for v in vals:
        v["links"] = [source_link(sec, s) for s in v["sources"]]
    topic = next(t for t in layer.topics if t["id"] == ind["topic"])
    answer = fx.search_answer(with_unit(df, ind), unit)
    mine = [q for q in layer.findings if fx.finding_indicator(q) == ind["id"] or q.get("field") == ind["id"]]
    notes = consistency.differences(vals, mine)
    return pages.render(
        e, "indicator.md.j2", doc, ind=ind, topic=topic, values=vals, answer=answer, texts=TEXTS,
        chart=sec.charts.get(ind["id"]), display=displayer(df, ind), printed=fx.display_value, rank=place_rank(df, unit),
        notes=notes, agreeing=consistency.precision_only(vals), findings=consistency.uncovered(mine, notes),
        converted=fx.converted, breakdowns=any(v["fact"].get("breakdown") for v in vals),
        downloads=[("CSV (UTF-8)", f"{DOWNLOADS}/{ind['id']}.csv", csv_size),
                   ("JSON", f"{DOWNLOADS}/{ind['id']}.json", json_size)],
        csv_url=f"{site_url}{DOWNLOADS}/{ind['id']}.csv", fact_pkg=layer.package,
        whole=analysis_downloads.ANALYSIS_DOWNLOADS if layer.package.name in sec.portal.derived else [],
        **embed.page_context(sec, ind, site_url),   # 来源 section, iframe snippet
        fm=pages.front_matter(
            title=pages.plain(ind["name"]),
            description=pages.plain(T("summary", name=ind["name"], answer=answer) + T("indicator.description")),
            search_kind="indicator", search_terms=search_terms(ind), search_answer=pages.plain(answer),
            og_image=embed.og_image(sec.charts.get(ind["id"]), site_url)))


def place_rank(df, unit: str) -> dict | None:
    """Liaoning's rank among the provinces (ranking.placing, as on /comparisons/) in the period
    of its latest value: {"placing", "period", "fact"}, or None with fewer than 3 provinces.
    A place stated twice in that period counts with its most precisely printed value."""
    fact = fx.latest(df, unit, fx.LIAONING)
    if fact is None:
        return None
    lv = fx.level_facts(df, unit)
    same = lv[(lv["period"] == fact["period"]) & (lv["unit"] == fact["unit"])].to_dict("records")
    same.sort(key=lambda r: -consistency.decimals(r["value_printed"]))
    got = ranking.placing([(r["geography"], r["value"]) for r in same], fx.LIAONING)
    if got is None or got.of < 3:
        return None
    return {"placing": got, "period": fact["period"], "fact": next(r for r in same if r["geography"] == fx.LIAONING)}


def with_unit(df, ind: dict):
    """The facts with the indicator's unit where a fact states none (网民男女比例 51.0:49.0 is
    51.0 % of users), for the page's summary answer and the search."""
    if not ind.get("unit") or not (df["unit"] == "").any():
        return df
    return df.assign(unit=df["unit"].where(df["unit"] != "", ind["unit"]))


def displayer(df, ind: dict):
    """fx.display_value with one number format per printed unit of the indicator (numformat:
    99.20 % and 99.2 % both show as 99.2 %) and the indicator's unit where a fact has none
    (网民男女比例 51.0:49.0 -> 51.0 %). Pages only: downloads keep the values as printed."""
    unit = ind.get("unit") or ""
    groups: dict = {}
    for r in df.to_dict("records"):
        groups.setdefault(r["unit_printed"] or r["unit"] or unit, []).append(r["value_printed"])
    places = {k: numformat.decimals(v) for k, v in groups.items()}

    def display(fact: dict, printed: bool = True) -> str:
        f = dict(fact)
        if not f.get("unit") and not f.get("unit_printed"):
            f["unit"] = unit
        if f.get("value_printed"):
            f["value_printed"] = numformat.shown(f["value_printed"], places.get(f.get("unit_printed") or f["unit"], 0))
        return fx.display_value(f, printed)
    return display


def search_terms(ind: dict) -> list:
    """Canonical name, every alias, and their traditional-script forms (for search)."""
    import zhconv

    terms = [ind["name"], *ind.get("aliases", [])]
    terms += [zhconv.convert(t, "zh-hant") for t in terms]
    return list(dict.fromkeys(pages.plain(t) for t in terms if str(t).strip()))


def topic_page(e, sec: Section, topic: dict, doc: str) -> str:
    layer = sec.layer
    inds = [i for i in layer.indicators if i["topic"] == topic["id"]]
    rows, shows = [], {}
    for ind in inds:
        df = layer.facts_of(ind["id"])
        shows[ind["id"]] = displayer(df, ind)
        rows.append({"ind": ind, "liaoning": fx.latest(df, ind.get("unit") or "", fx.LIAONING),
                     "other": fx.latest(df, ind.get("unit") or ""), "count": len(fx.values(df)),
                     "spark": sec.sparks.get(ind["id"])})
    own = [p for p in sec.portal.packages if layer.dataset_topics.get(p.name) == topic["id"]]
    names = {f for i in inds for f in layer.facts_of(i["id"])["source_package"]}
    also = [p for p in sec.portal.packages if p.name in names and p not in own]
    return pages.render(e, "topic.md.j2", doc, topic=topic, rows=rows, datasets=own, also=also, texts=TEXTS,
                        display=lambda f, printed=True: shows[f["indicator_id"]](f, printed),
                        indicator_doc=indicator_doc, page_url=page_url,
                        fm=pages.front_matter(title=pages.plain(topic["name"]),
                                              description=pages.plain(
                                                  T("topic_description", name=topic["name"], count=len(inds)))))


def plan_page(e, sec: Section) -> str:
    groups = plan_tracker.rows(sec.layer, lambda fact: source_of(sec, fact), sec.today)
    for g in groups:
        for item in g["items"]:
            for key in ("target", "baseline", "latest"):
                if item[key] is not None:
                    item[key + "_link"] = source_link(sec, item[key])
    count = sum(len(g["items"]) for g in groups)
    horizon = plan_tracker.horizon_of(sec.layer)
    ended = sec.today is not None and sec.today.year > horizon
    tally = {k: sum(1 for g in groups if g["plan"] for i in g["items"] if i["status"] == k)
             for k in ("met", "not_met", "short", "no_data", "growth")}
    return pages.render(e, "plan.md.j2", "plan.md", groups=groups, texts=TEXTS, display=fx.display_value,
                        horizon=horizon, ended=ended, tally=tally, today=sec.today,
                        page_url=page_url, indicator_doc=indicator_doc, liaoning=fx.LIAONING,
                        short=lambda slug: T.data("report_short").get(slug) or slug,
                        fm=pages.front_matter(title=T("page_titles.plan"),
                                              description=pages.plain(T("plan_description", count=count))))


# ---------------------------------------------------------------- downloads

def indicator_downloads(sec: Section, ind: dict) -> tuple:
    """(CSV bytes, JSON bytes) of the indicator's rows of the fact table: the CSV keeps the
    fact table's header and cells as printed; the JSON gives value as a number."""
    pkg = sec.layer.package
    names = [f.name for f in pkg.fields]
    mine = [(raw, typed) for raw, typed in zip(pkg.raw_rows, pkg.rows) if raw["indicator_id"] == ind["id"]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    w.writerows([[raw[n] for n in names] for raw, _ in mine])
    doc = {"indicator": {k: ind.get(k, "") for k in ("id", "name", "name_en", "unit", "definition", "topic",
                                                     "aliases")},
           "source": f"datapackages/{pkg.name}/data.csv", "records": [typed for _, typed in mine]}
    return buf.getvalue().encode("utf-8"), (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
