"""Indicator charts over time (indicator_charts.py, issue 20 point 2): periods on a UTC time
scale at their ends (periods.py), a year and its year-end stock one point, the sentence in the
order drawn, ticks named the Chinese way; and every time chart of the real portal so drawn."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest

from scripts.portal import paths
from scripts.portal.site import facts as fx
from scripts.portal.site import indicator_charts as ic
from scripts.portal.site import periods

IND = {"id": "rate", "name": "普及率", "unit": "%", "topic": "t"}


def frame(rows: list) -> pd.DataFrame:
    """Fact rows (geography, period, value[, kind]) of one indicator."""
    cols = list(fx.FACT_FIELDS)
    out = []
    for i, r in enumerate(rows, 1):
        geo, period, value, kind = (*r, "actual") if len(r) == 3 else r
        out.append(dict(zip(cols, [f"f{i}", "rate", "普及率", geo, period, value, "%", str(value), "%", "", kind, "",
                                   "pkg", f"r{i}", "v", "report", i])))
    df = pd.DataFrame(out, columns=cols)
    df["value"] = pd.to_numeric(df["value"])
    df["row"] = range(2, len(df) + 2)
    df["pkey"] = df["period"].map(fx.period_key)
    return df


def layer_values(spec: dict) -> list:
    return [v for s in [spec, *spec.get("layer", [])] for v in (s.get("data") or {}).get("values", [])]


def x_encoding(spec: dict) -> dict:
    return next(s["encoding"]["x"] for s in spec["layer"] if "x" in s.get("encoding", {}))


def test_periods_are_drawn_at_their_ends_on_a_utc_time_scale():
    """The issue's example: 2020, 2020-12, 2022, 2024, 2025 were evenly spaced categories and the
    sentence read "从2020-12的2.5到2020的2.5"."""
    df = frame([("全国", "2020-12", 2.5), ("全国", "2020", 2.5), ("全国", "2022", 3.0), ("全国", "2024", 4.0),
                ("全国", "2025", 4.5)])
    c = ic.choose(IND, df)
    x = x_encoding(c.spec)
    assert x["type"] == "temporal" and x["field"] == "date" and x["scale"]["type"] == "utc"
    values = layer_values(c.spec)
    assert [v["date"] for v in values] == ["2020-12-31", "2022-12-31", "2024-12-31", "2025-12-31"]  # 2020 ≡ 2020-12
    assert "从2020-12的2.5到2025的4.5" in c.description and "2020的2.5" not in c.description
    ticks = x["axis"]["values"]
    assert ticks == [{"year": y, "month": 12, "date": 31, "utc": True} for y in range(2020, 2026)]
    assert x["axis"]["format"] == "%Y年"   # formatted in UTC: the scale is utc
    lo, hi = (dt.date(d["year"], d["month"], d["date"]) for d in x["scale"]["domain"])
    assert lo < dt.date(2020, 12, 31) and hi > dt.date(2025, 12, 31)


def test_months_are_named_when_the_series_is_short():
    df = frame([("辽宁省", "2020-03", 60.0), ("辽宁省", "2020-H1", 61.0), ("辽宁省", "2020-12", 64.0)])
    c = ic.choose(IND, df)
    x = x_encoding(c.spec)
    assert x["axis"]["format"] == "%Y年%-m月"
    assert [v["date"] for v in layer_values(c.spec)] == ["2020-03-31", "2020-06-30", "2020-12-31"]


def test_targets_are_placed_at_the_end_of_their_year_and_listed_in_time_order():
    df = frame([("辽宁省", "2020-12", 10.0), ("辽宁省", "2022", 12.0), ("辽宁省", "2025", 20.0, "target"),
                ("辽宁省", "2023", 15.0, "target")])
    c = ic.choose(IND, df)
    diamonds = [v for v in layer_values(c.spec) if v["kind"] == "目标"]
    assert {v["date"] for v in diamonds} == {"2023-12-31", "2025-12-31"}
    goals = c.description.split("目标（空心菱形）：")[1]
    assert goals.index("2023") < goals.index("2025")


def test_one_moment_twice_is_not_a_series():
    """2020 and 2020-12 of one place are one point: no line of one point, no sparkline."""
    df = frame([("辽宁省", "2020", 5.0), ("辽宁省", "2020-12", 5.0)])
    assert ic.choose(IND, df) is None
    assert ic.sparkline(IND, df) is None


def test_sparkline_on_a_time_scale():
    df = frame([("全国", "2015-12", 50.0), ("全国", "2019-12", 60.0), ("全国", "2020-03", 62.0), ("全国", "2020-12", 70.0)])
    s = ic.sparkline(IND, df)
    x = s.spec["encoding"]["x"]
    assert x["type"] == "temporal" and x["scale"]["type"] == "utc"
    assert [v["date"] for v in s.spec["data"]["values"]] == ["2015-12-31", "2019-12-31", "2020-03-31", "2020-12-31"]


@functools.lru_cache(maxsize=1)
def real_indicator_charts() -> list:
    from scripts.portal.model.reader import load_portal
    from scripts.portal.site import indicator_pages

    portal = load_portal(paths.packages_dir())
    return indicator_pages.prepare(portal, paths.packages_dir() / "indicators", paths.ROOT / "scripts/portal/recipes"
                                   ).all_charts


def test_every_time_chart_of_the_real_portal_is_on_a_time_scale_in_drawn_order():
    found = [c for c in real_indicator_charts() if c.description.startswith(("折线图", "迷你折线图"))]
    if not (paths.packages_dir() / "indicators" / "datapackage.json").exists():
        pytest.skip("no real fact table here")
    assert len(found) > 20
    for c in found:
        layers = c.spec.get("layer", [c.spec])
        xs = [s["encoding"]["x"] for s in layers if "x" in s.get("encoding", {})]
        assert xs and all(x["type"] == "temporal" for x in xs), c.id
        for s in layers:
            values = (s.get("data") or {}).get("values", [])
            for v in values:
                assert v["date"] == periods.iso(v["period"]), (c.id, v)
        lines = [s for s in layers if (s.get("mark") or {}).get("type") == "line" and "strokeDash" not in s["mark"]]
        assert lines, c.id
        for s in lines:  # each place's points: one per moment, in time order (the dashed link to a target aside)
            by_geo = {}
            for v in (s.get("data") or c.spec["data"])["values"]:
                by_geo.setdefault(v.get("geo"), []).append(v["date"])
            for geo, dates in by_geo.items():
                assert dates == sorted(dates) and len(set(dates)) == len(dates), (c.id, geo, dates)


def test_places_beyond_the_lines_a_chart_holds_are_not_called_another_magnitude():
    """A ninth province of the same magnitude is left out for room, and the sentence says so
    (it once said each such place's values were of another magnitude)."""
    geos = ["辽宁省", "全国", "吉林省", "河北省", "山东省", "江苏省", "浙江省", "广东省"]
    df = frame([(g, p, 2.0 + i / 10) for i, g in enumerate(geos) for p in ("2019-12", "2020-12")]
               + [("某省", "2020-12", 500.0), ("某省", "2019-12", 400.0)])
    c = ic.choose(IND, df)
    assert len({v["geo"] for v in layer_values(c.spec)}) == ic.MAX_PLACES
    assert "另有2个地区未画入（一图最多6条线" in c.description
    assert "某省的数值量级不同" in c.description and "广东省的数值量级不同" not in c.description
