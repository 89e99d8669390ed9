"""Chart chooser, specs and the render cache (scripts/portal/site/charts.py)."""

from __future__ import annotations

from scripts.portal import settings

import json
import re

import pytest

from scripts.portal.site import charts, renderer
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def pkg(portal, name):
    return next(p for p in portal.packages if p.name == name)


def marks(spec):
    layers = spec.get("layer", [spec])
    return [l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"] for l in layers]


def values(spec):
    data = spec.get("data") or spec["layer"][0]["data"]
    return data["values"]


@pytest.mark.parametrize("name,shape,first_words", [
    ("liaoning-internet-2020-appendix-1-ipv4-by-province", "provinces", "条形图"),
    ("liaoning-internet-2020-table-1-app-users", "periods", "分组条形图"),
    ("liaoning-internet-2020-table-2-enterprises-by-type", "composition", "条形图"),
    ("digital-liaoning-plan-2-main-indicators", "targets", "条形图："),
    ("digital-shenyang-2022-key-figures", "key-figures", "条形图"),
])
def test_chooser_picks_chart_for_shape(portal, name, shape, first_words):
    p = pkg(portal, name)
    assert charts.shape_of(p)["shape"] == shape
    chosen = charts.choose(p)
    assert chosen and chosen[0].id == f"{name}-1"
    assert chosen[0].description.startswith(first_words)
    assert chosen[0].spec["description"] == chosen[0].description
    assert chosen[0].description.endswith("。")


def test_provinces_ranked_with_liaoning_highlighted(portal):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))[0]
    rows = values(c.spec)
    assert [r["value"] for r in rows] == sorted((r["value"] for r in rows), reverse=True)
    assert [r["label"] for r in rows if r["highlight"]] == ["辽宁"]
    assert "辽宁排第7位" in c.description
    assert "(%)" in json.dumps(c.spec, ensure_ascii=False)  # unit in the axis title


def test_totals_left_out_of_bars(portal):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-table-2-enterprises-by-type"))[0]
    assert "合计" not in [r["label"] for r in values(c.spec)]
    assert "合计行不计入" in c.description


def test_periods_grouped_by_series(portal):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-table-1-app-users"))[0]
    series = {r["series"] for r in values(c.spec)}
    assert series == {"2019年网民使用率", "2020年网民使用率"}
    assert "yOffset" in c.spec["encoding"]


def test_targets_progress_skips_rows_without_baseline(portal):
    c = charts.choose(pkg(portal, "digital-liaoning-plan-2-main-indicators"))[0]
    labels = [r["label"] for r in values(c.spec)]
    assert "数字经济核心产业增加值占地区生产总值比重" not in labels  # no 2020 value
    assert {"rule"} <= set(marks(c.spec))


def test_chinese_font_configured(portal):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))[0]
    assert charts.FONT in c.spec["config"]["font"]


def test_render_writes_svg_and_uses_cache(portal, tmp_path):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))[0]
    first, rendered, cached = charts.render_one(c, tmp_path / "cache", png=False, identity=renderer.drawing_identity())
    assert (rendered, cached) == (1, 0)
    again, rendered, cached = charts.render_one(c, tmp_path / "cache", png=False, identity=renderer.drawing_identity())
    assert (rendered, cached) == (0, 1) and again["svg"][0] == first["svg"][0]
    svg = first["svg"][0].decode("utf-8")
    assert svg.startswith("<svg") and "辽宁" in svg
    assert charts.svg_size(first["svg"][0]) == tuple(int(x) for x in re.search(
        r'<svg[^>]*width="(\d+)" height="(\d+)"', svg).groups())
    assert json.loads(charts.spec_bytes(c)) == c.spec


def test_changed_spec_is_rendered_again(portal, tmp_path):
    c = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))[0]
    charts.render_one(c, tmp_path / "cache", png=False, identity=renderer.drawing_identity())
    c.spec["description"] += "!"
    _, rendered, cached = charts.render_one(c, tmp_path / "cache", png=False, identity=renderer.drawing_identity())
    assert (rendered, cached) == (1, 0)


# ---------------------------------------------------------------- readable charts (issue 8)

def layers(spec):
    return spec.get("layer", [spec]) if "spec" not in spec else [spec["spec"]]


def axis_titles(spec):
    out = []
    for l in layers(spec):
        for ch in ("x", "y"):
            t = (l.get("encoding", {}).get(ch) or {}).get("title")
            if t:
                out.append(t)
    return out


@pytest.fixture(scope="module")
def real_charts():
    from scripts.portal import paths
    from scripts.portal.site import compare

    p = load_portal(paths.packages_dir())
    chosen = [(pkg, c) for pkg in p.packages for c in charts.choose(pkg)]
    return chosen + [(None, c) for c in compare.page_data(p, settings.highlight())[1]]


def test_no_chart_puts_two_units_on_one_axis(real_charts):
    for _, c in real_charts:
        rows = values(c.spec) if "data" in c.spec or "layer" in c.spec else []
        units = {r["unit"] for r in rows if "unit" in r}
        assert len(units) <= 1, f"{c.id}: {units} on one axis"


def test_basic_resources_compares_change_not_raw_values(real_charts):
    c = next(c for p, c in real_charts if p and p.name == "cnnic-47-table-1-basic-resources")
    assert axis_titles(c.spec)[0].endswith("变化 (%)")
    assert "单位不同" in c.description
    by_label = {r["label"]: r["value"] for r in values(c.spec)}
    assert by_label["IPv6"] == round((57634 - 50877) / 50877 * 100, 1)
    assert by_label["国际出口带宽"] == 30.4


def test_axis_titles_whole_with_unit_once(real_charts):
    for _, c in real_charts:
        for t in axis_titles(c.spec) + [c.title]:
            assert "列" not in t and not t.startswith(("年", "月")), f"{c.id}: {t!r}"
            units = re.findall(r"[(（]([^()（）]+)[)）]", t)
            assert len(units) == len(set(units)), f"{c.id}: doubled unit in {t!r}"


def test_no_footnote_marks_in_chart_labels(real_charts):
    for _, c in real_charts:
        text = json.dumps(values(c.spec), ensure_ascii=False)
        assert not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", text), c.id


def test_every_chart_has_title_and_one_sentence_finding(real_charts):
    for _, c in real_charts:
        assert c.title and c.description.endswith("。") and c.description.count("。") == 1, c.id


def test_liaoning_highlighted_in_grouped_and_category_charts():
    rows = [{"label": "辽宁", "value": 3.0}, {"label": "全国", "value": 2.0}]
    assert charts.is_highlight("辽宁", {}) and charts.is_highlight("辽宁省", {})
    assert not charts.is_highlight("辽宁成大方圆", {"shape": "categories"})
    spec = charts.ranked_bars([{**r, "highlight": charts.is_highlight(r["label"], {}), "text": ""} for r in rows],
                              "x", "d。")
    assert "辽宁" in json.dumps(spec["layer"][0]["encoding"]["y"]["axis"]["labelColor"], ensure_ascii=False)


@pytest.mark.parametrize("value, unit, text", [(387508224, "个", "3.875亿"), (50877, "块/32", "5.088万"),
                                               (98111, "万", "98,111"), (62.4, "%", "62.4"), (9999, "个", "9,999")])
def test_large_numbers_the_chinese_way(value, unit, text):
    assert charts.fmt_cn(value, unit) == text


def test_value_axis_has_few_ticks_and_no_overlap():
    axis = charts.value_axis(charts.altair(), "个").to_dict()
    assert axis["labelOverlap"] is True and "width" in axis["tickCount"]["expr"]
    assert "亿" in axis["labelExpr"] and "万" in axis["labelExpr"]
    assert "亿" not in charts.value_axis(charts.altair(), "万人").to_dict()["labelExpr"]


def make_pkg(rows, fields):
    from scripts.portal.model.reader import Field, Package

    fs = [Field(name=n, title=t, title_en="", type=ty, unit=u, description="") for n, t, ty, u in fields]
    desc = {"title": "测试表", "x-display": {"shape": "periods", "category": "item", "measures": ["a", "b"]},
            "resources": [{"schema": {"fields": [{"name": f.name} for f in fs]}}]}
    return Package(name="t", path=None, descriptor=desc, fields=fs, rows=rows, raw_rows=rows, csv_bytes=b"")


PERIOD_FIELDS = [("item", "项目", "string", ""), ("a", "2019 年 12 月", "integer", "见 unit 列"),
                 ("b", "2020 年 12 月", "integer", "见 unit 列"), ("unit", "单位", "string", "")]


def test_mixed_units_without_a_computable_change_get_one_panel_per_row():
    rows = [{"item": "甲", "a": 0, "b": 5, "unit": "个"}, {"item": "乙", "a": 0, "b": 7000000, "unit": "Mbps"}]
    c = charts.choose(make_pkg(rows, PERIOD_FIELDS))[0]
    assert "facet" in c.spec and c.spec["resolve"]["scale"]["x"] == "independent"
    assert {r["panel"] for r in c.spec["data"]["values"]} == {"甲 (个)", "乙 (Mbps)"}


def test_same_unit_similar_magnitudes_stay_grouped_bars():
    rows = [{"item": "甲", "a": 10, "b": 12, "unit": "个"}, {"item": "乙", "a": 20, "b": 25, "unit": "个"}]
    c = charts.choose(make_pkg(rows, PERIOD_FIELDS))[0]
    assert "yOffset" in c.spec["encoding"] and c.spec["encoding"]["x"]["title"] == "数值 (个)"


def test_bar_labels_are_unique_so_no_bars_stack(real_charts):
    """A nominal axis with a repeated label stacks (adds up) the bars: every bar has its own label."""
    for _, c in real_charts:
        rows = values(c.spec) if "layer" in c.spec or "data" in c.spec else []
        keys = [(r.get("label"), r.get("series")) for r in rows if "label" in r]
        assert len(keys) == len(set(keys)), c.id


def test_every_chart_of_the_portal_is_valid_vega_lite():
    """The build skips Altair's per-chart validation (most of a chart's build time); here every
    chart the real portal makes (dataset, comparison, indicator and sparkline charts) is checked
    once against the Vega-Lite schema Altair ships."""
    from pathlib import Path

    from altair.vegalite.v6.schema import core

    from scripts.portal import paths
    from scripts.portal.site import compare, indicator_pages

    real = load_portal(paths.packages_dir())
    made = [c for p in real.packages for c in charts.choose(p)]
    made += compare.page_data(real, settings.highlight())[1]
    made += indicator_pages.prepare(real, paths.packages_dir() / "indicators", Path(paths.RECIPES)).all_charts
    kinds = {c.id.split("-")[0] for c in made}
    assert {"indicator", "spark"} <= kinds and len(made) > 250
    for c in made:
        core.TopLevelSpec.validate(c.spec)
    broken = dict(made[0].spec, mark={"type": "no-such-mark"})
    with pytest.raises(Exception, match="no-such-mark|is not valid|not one of"):
        core.TopLevelSpec.validate(broken)


def test_undeclared_shape_follows_the_declared_highlight_not_the_labels(portal):
    """Issue 12 item 6: without x-display.shape, a table that declares a place to highlight is a
    province ranking; one that does not is ranked categories, whatever its labels start with."""
    import copy

    p = copy.copy(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))
    declared = dict(p.descriptor["x-display"])
    assert any(str(r.get(declared["category"])).startswith(settings.highlight()) for r in p.data_rows)
    del declared["shape"]
    p.descriptor = {**p.descriptor, "x-display": declared}
    assert charts.shape_of(p)["shape"] == "provinces"
    p.descriptor = {**p.descriptor, "x-display": {k: v for k, v in declared.items() if k != "highlight"}}
    assert charts.shape_of(p)["shape"] == "categories"


def test_key_figure_bars_of_another_place_name_it(real_charts):
    """A key figure of another place than most of its report's (全国 or 沈阳市 in the Liaoning
    report) says whose it is on its bar label (issue 20: a figure must name its place where it
    is drawn), and a bar of the report's own place is not prefixed."""
    kf = [(pkg, c) for pkg, c in real_charts if pkg is not None and pkg.kind == "key-figures"]
    assert kf
    named = 0
    for pkg, c in kf:
        geos = {str(r.get("geography") or "") for r in pkg.data_rows}
        for v in c.spec["data"]["values"]:
            if v["geo"] and not v["label"].startswith(v["geo"]):
                # unprefixed: the report's usual place
                assert all(not v["label"].startswith(f"{g}：") for g in geos), v
            named += v["label"].startswith(f"{v['geo']}：")
        prefixed = [v for v in c.spec["data"]["values"] if v["label"].startswith(f"{v['geo']}：")]
        assert len({v["geo"] for v in prefixed}) < len(geos) or len(geos) == 1
    assert named > 0, "no key figure of another place named on its bar"
