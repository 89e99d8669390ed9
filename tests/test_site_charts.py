"""Chart chooser, specs and the render cache (scripts/portal/site/charts.py)."""

from __future__ import annotations

import json

import pytest

from scripts.portal.site import charts
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
    ("digital-liaoning-plan-2-main-indicators", "targets", "进度条形图"),
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
    chosen = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))
    first = charts.render(chosen, tmp_path / "out", tmp_path / "cache", png=False)
    second = charts.render(chosen, tmp_path / "out2", tmp_path / "cache", png=False)
    assert first["rendered"] == 1 and second["rendered"] == 0 and second["cached"] == 1
    svg = (tmp_path / "out2" / f"{chosen[0].id}.svg").read_text("utf-8")
    assert svg.startswith("<svg") and "辽宁" in svg
    spec = json.loads((tmp_path / "out" / f"{chosen[0].id}.vl.json").read_text("utf-8"))
    assert spec == chosen[0].spec


def test_changed_spec_is_rendered_again(portal, tmp_path):
    chosen = charts.choose(pkg(portal, "liaoning-internet-2020-appendix-1-ipv4-by-province"))
    charts.render(chosen, tmp_path / "out", tmp_path / "cache", png=False)
    chosen[0].spec["description"] += "!"
    again = charts.render(chosen, tmp_path / "out", tmp_path / "cache", png=False)
    assert again["rendered"] == 1


def test_every_chart_spec_is_valid_vega_lite():
    """The build does not validate specs (for speed): every spec of the fixture and real
    packages, and of the comparisons page, is validated against Vega-Lite's schema here."""
    import altair as alt

    from scripts.portal import paths
    from scripts.portal.site import compare
    from scripts.portal.site.build import comparisons

    dirs = [FIXTURE_PACKAGES] + ([paths.packages_dir()] if any(paths.packages_dir().glob("*/datapackage.json")) else [])
    count = 0
    for d in dirs:
        portal = load_portal(d)
        specs = [c.spec for p in portal.packages for c in charts.choose(p)]
        specs += [c.spec for c in comparisons(portal, compare)[1]]
        for spec in specs:
            alt.TopLevelSpec.validate(spec)
            count += 1
    assert count > 10
    broken = dict(specs[0], mark={"type": "no-such-mark"})
    with pytest.raises(Exception):
        alt.TopLevelSpec.validate(broken)


def test_spec_builders_give_exactly_the_specs_altair_gives():
    """Each builder on many real inputs (every package's charts and the comparisons page's)
    equals the Altair reference (tests/altair_reference.py) for the same arguments."""
    from scripts.portal import paths
    from scripts.portal.site import compare
    from scripts.portal.site.build import comparisons
    from tests import altair_reference as ref

    calls = []
    names = ("ranked_bars", "grouped_bars", "progress_bars", "dumbbell", "rank_dots")
    originals = {n: getattr(charts, n) for n in names}

    def recorder(name):
        def call(*args, **kwargs):
            calls.append((name, args, kwargs))
            return originals[name](*args, **kwargs)
        return call

    dirs = [FIXTURE_PACKAGES] + ([paths.packages_dir()] if any(paths.packages_dir().glob("*/datapackage.json")) else [])
    try:
        for n in names:
            setattr(charts, n, recorder(n))
        for d in dirs:
            portal = load_portal(d)
            for p in portal.packages:
                charts.choose(p)
            comparisons(portal, compare)
    finally:
        for n, f in originals.items():
            setattr(charts, n, f)
    assert {name for name, _, _ in calls} == set(names)
    for name, args, kwargs in calls:
        assert originals[name](*args, **kwargs) == getattr(ref, name)(*args, **kwargs), name
