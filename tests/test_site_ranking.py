"""ranking.py: one rank of a place among the provinces (issue 20), with hand-made points, and
the real packages: Liaoning's IPv4 share is ranked over the 31 provinces on /comparisons/ and on
the indicator page alike (其他（未能判明省份） and 合计 never count)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.portal import settings
from scripts.portal.model.reader import load_portal
from scripts.portal.site import compare, ranking

ROOT = Path(__file__).resolve().parents[1]


def test_province_names_full_short_and_with_marks():
    assert ranking.province("辽宁") == ranking.province("辽宁省") == ranking.province("辽宁¹") == "辽宁省"
    assert ranking.province("内蒙古") == "内蒙古自治区"
    for other in ("全国", "合计", "其他", "其他（未能判明省份）", "未能判明", "沈阳市", "", None):
        assert ranking.province(other) is None
    assert len(ranking.PROVINCES) == 31


def test_non_provinces_are_never_ranked_nor_counted():
    pts = [("全国", 100.0), ("北京", 25.49), ("其他（未能判明省份）", 8.92), ("合计", 100.0), ("广东", 9.54),
           ("辽宁", 3.33), ("上海市", 4.51), ("未能判明", 50.0), ("吉林", None)]
    got = ranking.placing(pts, "辽宁")
    assert (got.rank, got.of, got.top, got.top_value) == (4, 4, "北京市", 25.49)
    assert ranking.placing(pts, "吉林") is None
    assert ranking.placing(pts, "其他") is None


def test_equal_values_share_a_rank_and_a_place_given_twice_keeps_its_first_value():
    got = ranking.placing([("北京", 5), ("天津", 5), ("辽宁", 5), ("辽宁省", 9), ("上海", 1)], "辽宁")
    assert (got.rank, got.of, got.value) == (1, 4, 5)


@pytest.mark.skipif(not (ROOT / "datapackages" / "indicators").exists(), reason="no real packages")
def test_liaoning_ipv4_share_has_one_rank_on_both_pages():
    from scripts.portal.site import facts as fx, indicator_pages

    portal = load_portal(ROOT / "datapackages")
    ranks = [r for r in compare.ranks(portal, settings.highlight()) if "ipv4-share" in r.package.name]
    assert {(r.rank, r.of) for r in ranks} == {(7, 31)}   # 其他（未能判明省份） 8.92 % is not ranked
    layer = fx.load(ROOT / "datapackages" / "indicators", ROOT / "scripts" / "portal" / "recipes")
    got = indicator_pages.place_rank(layer.facts_of("ipv4-share"), "%")
    assert (got["placing"].rank, got["placing"].of, got["period"]) == (7, 31, "2020-12")
