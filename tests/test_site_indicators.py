"""Indicator, topic and plan pages (site/facts.py, indicator_charts.py, plan_tracker.py,
indicator_pages.py) on the fixture fact table (tests/fixtures/indicators/) and on small frames
written here; the generated Markdown and HTML are parsed."""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from scripts.portal.errors import PortalError
from scripts.portal.site import facts as fx
from scripts.portal.site import indicator_charts as ic
from scripts.portal.site import plan_tracker as pt
from tests.site_build import FIXTURE_INDICATORS, FIXTURE_PACKAGES, built_site

FACTS = FIXTURE_INDICATORS / "facts" / "indicators"
RECIPES = FIXTURE_INDICATORS / "recipes"


@pytest.fixture(scope="module")
def layer():
    return fx.load(FACTS, RECIPES)


@pytest.fixture(scope="module")
def site():
    return built_site(str(FIXTURE_PACKAGES))


def front_matter(md: Path) -> dict:
    text = md.read_text("utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def fixture_rows() -> list:
    return list(csv.DictReader(io.StringIO((FACTS / "data.csv").read_text("utf-8"))))


# ---------------------------------------------------------------- views

@pytest.mark.parametrize("doc,url", [("indicators/internet-industry-index.md", "indicators/internet-industry-index/"),
                                     ("datasets/x/index.md", "datasets/x/"), ("datasets/x.md", "datasets/x/"),
                                     ("plan.md", "plan/"), ("index.md", "")])
def test_page_url(doc, url):
    from scripts.portal.site.indicator_pages import page_url
    assert page_url(doc) == url


@pytest.mark.parametrize("period,key", [("2020", (2020, 12)), ("2020-03", (2020, 3)), ("2016/2020", (2020, 12)),
                                        ("2021-2025", (2025, 12)), ("", (0, 0))])
def test_period_key(period, key):
    assert fx.period_key(period) == key


def test_a_repeated_statement_is_one_value_with_both_sources(layer):
    vals = fx.values(layer.facts_of("internet_users"))
    assert len(vals) == 1
    assert [s["source_row"] for s in vals[0]["sources"]] == ["kf-004", "kf-005"]


def test_latest_prefers_liaoning_and_answer_has_unit_and_period(layer):
    df = layer.facts_of("online_payment_rate")
    assert fx.latest(df, "%")["geography"] == "辽宁省"
    assert fx.search_answer(df, "%") == "辽宁省 86.4%（2020）"
    assert fx.search_answer(layer.facts_of("online_payment_users"), "万人") == "辽宁省 2,636.6 万人（2020）"


def test_qualifier_is_placed_as_printed():
    base = {"value": 10.0, "value_printed": "10", "unit": "万个", "unit_printed": "万架"}
    assert fx.display_value({**base, "qualifier": "以上"}) == "10 万架以上"
    assert fx.display_value({**base, "qualifier": "超过"}) == "超过10 万架"


@pytest.mark.parametrize("entry,field", [({"id": "Bad Id"}, "id"), ({"topic": "nowhere"}, "topic"),
                                         ({"name": ""}, "name"), ({"id": "index"}, "id"),
                                         ({"period_type": "sometimes"}, "period_type")])
def test_registry_errors_name_file_row_and_field(tmp_path, entry, field):
    """The pages read the registry through its one loader: a bad entry is refused with file, row, field
    (a reserved id such as `index` would overwrite the indicator index page)."""
    (tmp_path / "topics.yaml").write_text((RECIPES / "topics.yaml").read_text("utf-8"), encoding="utf-8")
    good = {"id": "fine", "name": "好", "name_en": "Good", "unit": "个", "topic": "resources", "period_type": "instant"}
    (tmp_path / "indicators.yaml").write_text(yaml.safe_dump(
        {"units": {}, "geographies": {}, "indicators": [good, {**good, "id": "ok", **entry}]}, allow_unicode=True),
        encoding="utf-8")
    with pytest.raises(PortalError) as e:
        fx.load(FACTS, tmp_path)
    assert (e.value.row, e.value.field) == (2, field)
    assert e.value.file.endswith("indicators.yaml")


def test_a_fact_of_an_unknown_indicator_is_refused(tmp_path):
    text = (RECIPES / "indicators.yaml").read_text("utf-8").replace("id: ipv4_share", "id: ipv4_other")
    (tmp_path / "indicators.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text((RECIPES / "topics.yaml").read_text("utf-8"), encoding="utf-8")
    with pytest.raises(PortalError) as e:
        fx.load(FACTS, tmp_path)
    assert e.value.field == "indicator_id" and e.value.row == 11  # first ipv4_share row of data.csv


def test_no_fact_table_means_no_indicator_section(tmp_path):
    assert fx.load(tmp_path / "indicators", RECIPES) is None


# ---------------------------------------------------------------- charts

def test_chart_kinds(layer):
    ind = layer.by_id
    series = ic.choose(ind["online_payment_rate"], layer.facts_of("online_payment_rate"))
    assert series.description.startswith("折线图") and "辽宁省" in series.description and "全国" in series.description
    ranked = ic.choose(ind["ipv4_share"], layer.facts_of("ipv4_share"))
    assert ranked.description.startswith("条形图") and "辽宁省排第7位" in ranked.description
    highlighted = [v["label"] for v in ranked.spec["data"]["values"] if v["highlight"]]
    assert highlighted == ["辽宁省"]
    assert ic.choose(ind["ftth_user_share"], layer.facts_of("ftth_user_share")) is None  # one value


def spec_values(spec: dict) -> list:
    return [v for s in [spec, *spec.get("layer", [])] for v in (s.get("data") or {}).get("values", [])]


def test_target_markers_and_scale_gap(layer):
    c = ic.choose(layer.by_id["base_stations_5g"], layer.facts_of("base_stations_5g"))
    diamonds = [l for l in c.spec["layer"] if isinstance(l["mark"], dict) and l["mark"].get("shape") == "diamond"]
    assert diamonds and [v["value"] for v in diamonds[0]["data"]["values"]] == [14.0]
    assert {v["kind"] for v in spec_values(c.spec)} == {"实际", "目标"}
    users = ic.choose(layer.by_id["online_payment_users"], layer.facts_of("online_payment_users"))
    geos = {r["geo"] for r in spec_values(users.spec)}
    assert geos == {"辽宁省"} and "全国的数值量级不同" in users.description


# ---------------------------------------------------------------- plan tracker

def plan_frame(rows: list) -> fx.Layer:
    cols = list(fx.FACT_FIELDS)
    df = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    df["value"] = pd.to_numeric(df["value"])
    df["row"] = range(2, len(df) + 2)
    df["pkey"] = df["period"].map(fx.period_key)
    ind = {"id": "racks", "name": "机架", "unit": "万个", "topic": "t"}
    return fx.Layer([ind], [{"id": "t", "name": "T"}], df, [], None, {"racks": ind})


def row(fid, geo, period, value, kind, pkg="plan", line=1):
    return [fid, "racks", "机架", geo, period, value, "万个", str(value), "万个", "", kind, "", pkg, "r", "v",
            "digital-liaoning-plan-2", line]


def test_progress_and_needed_growth_from_a_later_liaoning_value():
    layer = plan_frame([row("f1", "辽宁省", "2020", 4, "baseline"), row("f2", "辽宁省", "2025", 10, "target"),
                        row("f3", "辽宁省", "2022", 6.5, "actual", "later")])
    item = pt.rows(layer, lambda f: (None, None))[0]["items"][0]
    assert item["latest"]["fact_id"] == "f3" and item["same_place"]
    assert item["progress"] == 41.7                      # (6.5 - 4) / (10 - 4)
    assert item["needed"]["value"] == 15.4                 # (10 / 6.5) ** (1/3) - 1
    assert item["needed"]["from"] == "2022"


def test_shenyang_value_is_shown_as_shenyang_and_not_counted():
    layer = plan_frame([row("f1", "辽宁省", "2020", 4, "baseline"), row("f2", "辽宁省", "2025", 10, "target"),
                        row("f3", "沈阳市", "2024", 3, "actual", "sy")])
    item = pt.rows(layer, lambda f: (None, None))[0]["items"][0]
    assert item["latest"]["geography"] == "沈阳市" and not item["same_place"]
    assert item["progress"] is None
    assert item["needed"]["from"] == "2020"                # from the Liaoning baseline, not Shenyang


def test_no_later_value():
    layer = plan_frame([row("f1", "辽宁省", "2020", 4, "baseline"), row("f2", "辽宁省", "2025", 10, "target"),
                        row("f3", "辽宁省", "2020-12", 4, "actual", "same-year")])
    item = pt.rows(layer, lambda f: (None, None))[0]["items"][0]
    assert item["latest"] is None and item["progress"] is None


# ---------------------------------------------------------------- generated pages

def test_every_registry_indicator_has_a_page_with_search_front_matter(site, layer):
    for ind in layer.indicators:
        md = site.docs / "indicators" / f"{ind['id']}.md"
        fm = front_matter(md)
        assert fm["search_kind"] == "indicator"
        assert ind["name"] in fm["search_terms"] and set(ind["aliases"]) <= set(fm["search_terms"])
        assert (site.site / "indicators" / ind["id"] / "index.html").exists()
    fm = front_matter(site.docs / "indicators" / "base_stations_5g.md")
    assert "5G基站數量" in fm["search_terms"] and "建設開通5G基站" in fm["search_terms"]  # traditional forms
    assert fm["search_answer"] == "辽宁省 2.5 万个（2020）"


def page(site, path: str) -> str:
    return (site.site / path / "index.html").read_text("utf-8")


def test_indicator_page_lists_every_value_with_sources(site, layer):
    text = page(site, "indicators/online_payment_rate")
    table = text[text.index('class="portal-stack"'):text.index("</table>", text.index('class="portal-stack"'))]
    assert table.count("<tr>") == 1 + len(fx.values(layer.facts_of("online_payment_rate")))
    for period in ("2019", "2020-03", "2020-12"):
        assert f'data-label="时期">{period}</td>' in table
    assert "第 606 行" in table and "第 709 行" in table
    assert 'class="portal-chart"' in text and (site.site / "assets/charts/indicator-online_payment_rate.svg").exists()
    repeated = page(site, "indicators/internet_users")
    assert "第 300 行" in repeated and "第 417 行" in repeated and "只有一个数值" in repeated


def test_source_links_reach_the_dataset_row(site):
    """Every link from indicator and plan pages to a dataset row lands on an element with that id."""
    checked = 0
    for path in [*(site.site / "indicators").glob("*/index.html"), site.site / "plan" / "index.html"]:
        text = path.read_text("utf-8")
        for href in re.findall(r'href="([^"]*datasets/[^"]*#[^"]+)"', text):
            target, anchor = htmllib.unescape(href).split("#")
            dest = (path.parent / target / "index.html").resolve()
            assert dest.exists(), (path, href)
            assert f'id="{anchor}"' in dest.read_text("utf-8"), (path, href)
            checked += 1
    assert checked >= 30


def test_consistency_findings_are_shown(site):
    text = page(site, "indicators/ipv4_share")
    section = text[text.index('id="consistency"'):text.index('id="downloads"')]
    assert "4.51%" in section and "portal-status--discrepancy" in section
    assert "没有两个不同的数值" in page(site, "indicators/online_payment_rate")


def test_downloads_hold_the_indicator_rows(site):
    rows = [r for r in fixture_rows() if r["indicator_id"] == "online_payment_users"]
    got = list(csv.DictReader(io.StringIO((site.site / "downloads/by-indicator/online_payment_users.csv").read_text("utf-8"))))
    assert got == rows
    doc = json.loads((site.site / "downloads/by-indicator/online_payment_users.json").read_text("utf-8"))
    assert [r["value"] for r in doc["records"]] == [float(r["value"]) for r in rows]
    text = page(site, "indicators/online_payment_users")
    assert "downloads/by-indicator/online_payment_users.csv" in text


def test_pandas_snippet_reads_the_published_csv(site):
    url = "http://127.0.0.1:8000/portal/downloads/by-indicator/ipv4_share.csv"
    assert f'url = "{url}"' in htmllib.unescape(re.sub(r"<[^>]+>", "", page(site, "indicators/ipv4_share")))
    dataset = htmllib.unescape(re.sub(r"<[^>]+>", "", page(site, "datasets/cnnic-47-table-6-app-usage")))
    assert 'url = "http://127.0.0.1:8000/portal/downloads/cnnic-47-table-6-app-usage/data.csv"' in dataset
    assert "pd.read_csv(url" in dataset


def test_topic_page_lists_indicators_latest_liaoning_value_sparkline_and_datasets(site):
    text = page(site, "topics/users-apps")
    for name in ("网民规模", "网络支付使用率", "网络支付用户规模"):
        assert name in text
    assert "86.4%（2020）" in text
    sparks = re.findall(r'src="([^"]*spark-[^"]+\.svg)"', text)
    assert sparks and all((site.site / "topics/users-apps" / s).resolve().exists() for s in sparks)
    assert "datasets/cnnic-47-table-6-app-usage/" in text
    assert "本主题尚无登记的指标" in page(site, "topics/security")
    # the registry's topic of each dataset (tables:, key_figure_topics:) puts it on its topic page
    assert "datasets/liaoning-internet-2020-appendix-1-ipv4-by-province/" in page(site, "topics/resources")
    assert "datasets/liaoning-internet-2020-key-figures/" in text


def test_plan_tracker(site):
    text = page(site, "plan")
    rows = re.findall(r"<tr><th scope=\"row\".*?</tr>", text, re.S)
    assert len(rows) == 6
    g5 = next(r for r in rows if "5G 基站数量" in r)
    assert "<strong>沈阳市</strong> 2.2 万个（2022）" in g5 and "为沈阳市数据" in g5
    assert 'data-label="进度">—' in g5
    assert "辽宁省</strong>" not in g5
    revenue = next(r for r in rows if "电子信息制造业" in r)
    assert "尚无后续数据" in revenue and "基数之后无同地区数据" in revenue  # built in 2026: the period has ended


def test_key_figures_are_paged_by_report_section_not_by_count(site):
    from scripts.portal.model.reader import load_portal
    from scripts.portal.site import pages

    pkg = next(p for p in load_portal(FIXTURE_PACKAGES).packages if p.name == "liaoning-internet-2020-key-figures")
    sections = pages.key_figure_sections(pkg)
    assert [s["name"] for s in sections] == list(dict.fromkeys(r["section"] for r in
                                                               sorted(pkg.raw_rows, key=lambda r: int(r["source_line"]))))
    assert sum(s["count"] for s in sections) == len(pkg.rows)
    for s in sections:
        text = page(site, f"datasets/{pkg.name}/s{s['k']}")
        assert f"<h1" in text and htmllib.escape(s["name"], quote=False) in text
    every = "".join(p.read_text("utf-8") for p in site.docs.rglob("*.md"))
    assert not re.search(r"第 ?\d+ ?部分", every)
    assert not list(site.docs.rglob("part-*.md"))


def test_navigation_holds_the_new_sections_but_not_the_section_pages(site):
    nav = json.loads((site.docs / ".nav.json").read_text("utf-8"))
    titles = [next(iter(i)) for i in nav]
    assert "指标" in titles and "规划进度" in titles
    flat = json.dumps(nav, ensure_ascii=False)
    assert "topics/users-apps.md" in flat and "indicators/online_payment_rate.md" in flat
    assert not re.search(r"datasets/[^\"]+/s\d+\.md", flat)
    # an indicator page's menu carries its own topic's indicators, not every indicator
    text = page(site, "indicators/online_payment_rate")
    assert "indicators/ipv4_share/" not in text


def test_ranked_places_leave_out_the_nation_and_the_unattributed_rest(layer):
    df = layer.facts_of("ipv4_share")
    extra = df.iloc[:2].copy()
    extra["geography"], extra["value"], extra["fact_id"] = ["全国", "其他（未能判明省份）"], [100.0, 5.0], ["x1", "x2"]
    c = ic.choose(layer.by_id["ipv4_share"], pd.concat([df, extra]))
    labels = [v["label"] for v in c.spec["data"]["values"]]
    assert "全国" not in labels and not any(l.startswith("其他") for l in labels) and len(labels) == 10
    assert "全国为100%（不参与排列）" in c.description and "辽宁省排第7位" in c.description


def test_a_plan_target_stated_as_a_growth_rate_is_tracked():
    layer = plan_frame([row("f1", "辽宁省", "2025", 10, "target"), row("f2", "辽宁省", "2016/2020", 8.6, "growth"),
                        row("f3", "辽宁省", "2021/2025", 10, "growth")])
    other = {"id": "dev", "name": "数字经济增加值", "unit": "亿元", "topic": "t", "plan": "第五节"}
    growth = layer.facts.iloc[1:].assign(indicator_id="dev")
    layer = fx.Layer(layer.indicators + [other], layer.topics,
                     pd.concat([layer.facts.iloc[:1], growth]), [], None, {**layer.by_id, "dev": other})
    items = [i for g in pt.rows(layer, lambda f: (None, None)) for i in g["items"]]
    dev = [i for i in items if i["indicator"]["id"] == "dev"]
    assert [i["target"]["fact_id"] for i in dev] == ["f3"]   # the rate to 2025, not the past five years'
    assert dev[0]["needed"] is None and dev[0]["progress"] is None


def test_targets_of_other_reports_come_after_the_plan():
    layer = plan_frame([row("f1", "辽宁省", "2025", 10, "target", line=9), row("f2", "辽宁省", "2025", 12, "target", line=3),
                        row("f3", "辽宁省", "2022", 5, "target", "other", line=1)])
    layer.facts.loc[layer.facts["fact_id"] == "f3", "report"] = "liaoning-internet-2020"
    groups = pt.rows(layer, lambda f: (None, None))
    assert [(g["plan"], [i["target"]["fact_id"] for i in g["items"]]) for g in groups] == \
        [(True, ["f2", "f1"]), (False, ["f3"])]


def test_a_wording_with_its_own_quotation_marks_is_not_quoted_twice():
    """The real “.CN”域名数 indicator: its printed wordings hold quotation marks, so they are set
    in corner brackets (「“.CN”域名数量」), never as ““.CN”域名数量”."""
    from scripts.portal import paths
    from scripts.portal.model.reader import load_portal
    from scripts.portal.site import indicator_pages, pages

    real = load_portal(paths.packages_dir())
    sec = indicator_pages.prepare(real, paths.packages_dir() / "indicators", Path(paths.RECIPES))
    out = indicator_pages.outputs(pages.env(), sec, "https://example.org/")
    text = out["indicators/cn-domains.md"].decode("utf-8")
    line = next(l for l in text.splitlines() if l.startswith("原文中的说法")).replace("\\", "")  # md escapes "."
    assert "「“.CN”域名数量」" in line and "““" not in line
    # no template comment leaks onto a page (the templates' comments are {%# … #%}: "{#id}" is Markdown)
    leaks = [doc for doc, data in out.items() if doc.endswith(".md")
             and any(mark in data.decode("utf-8") for mark in ("{#-", "{%#", "#%}", "-#}"))]
    assert leaks == []
    users = out["indicators/internet-users.md"].decode("utf-8")
    line = next(l for l in users.splitlines() if l.startswith("原文中的说法"))
    assert "“网民规模”" in line and "「网民规模（“十三五”初）」" in line  # only the one that needs it


@pytest.mark.parametrize("later,status", [
    (row("f3", "辽宁省", "2025-12", 11, "actual", "later"), "met"),
    (row("f3", "辽宁省", "2025-12", 8, "actual", "later"), "not_met"),
    (row("f3", "辽宁省", "2023-12", 8, "actual", "later"), "short"),
    (row("f3", "沈阳市", "2025-12", 11, "actual", "later"), "no_data"),   # a city value is never the province's
])
def test_after_the_horizon_each_target_is_met_not_met_or_without_data(later, status):
    """Read in 2026, after the plan's 2025 horizon: no growth still needed, a status per target, and
    progress only from a same-place value (issue 20)."""
    import datetime as dt

    layer = plan_frame([row("f1", "辽宁省", "2020-12", 4, "baseline"), row("f2", "辽宁省", "2025-12", 10, "target"), later])
    item = pt.rows(layer, lambda f: (None, None), dt.date(2026, 12, 4))[0]["items"][0]
    assert item["status"] == status and item["needed"] is None
    assert (item["progress"] is None) == (status == "no_data")
    before = pt.rows(layer, lambda f: (None, None), dt.date(2024, 6, 1))[0]["items"][0]
    assert before["status"] is None


def test_a_conflicting_target_carries_the_finding_naming_both_sources():
    layer = plan_frame([row("f1", "辽宁省", "2025-12", 80, "target"), row("f2", "辽宁省", "2025-12", 50, "target", line=9)])
    finding = {"check": "consistency", "status": "discrepancy", "field": "racks", "row": "辽宁省|2025-12|target",
               "detail": "两个目标：80（f1）；50左右（f2）"}
    layer = fx.Layer(layer.indicators, layer.topics, layer.facts, [finding], None, layer.by_id)
    items = pt.rows(layer, lambda f: (None, None))[0]["items"]
    assert [i["conflict"]["detail"] for i in items] == [finding["detail"]] * 2


def test_the_plan_page_states_one_progress_and_that_the_period_ended(site):
    text = page(site, "plan")
    assert "进度（本站各页同一定义）" in text and "规划期（至 2025 年）已经结束" in text
    assert "尚需年均增长" not in text and "/年" not in text
    comparisons = page(site, "comparisons")
    assert "进度 (%)" not in comparisons and "它不是进度" in comparisons
