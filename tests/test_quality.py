"""Quality checks on small tables: what passes, what is flagged, and the tolerance."""

from __future__ import annotations

import pytest

from scripts.portal.quality import CheckError, run_checks

FIELDS = [{"name": "item", "title": "项目", "type": "string"},
          {"name": "count", "title": "数量", "type": "integer", "unit": "个"},
          {"name": "share", "title": "占比", "type": "number", "unit": "%"},
          {"name": "old", "title": "2019", "type": "number", "unit": "万"},
          {"name": "new", "title": "2020", "type": "number", "unit": "万"},
          {"name": "rate", "title": "增长率", "type": "number", "unit": "%"}]


def row(item, count, share, old="", new="", rate="", kind="data"):
    return {"item": item, "count": count, "share": share, "old": old, "new": new, "rate": rate, "row_type": kind}


def statuses(rows, specs):
    return [f["status"] for f in run_checks(rows, FIELDS, specs, "item")]


def test_sum_of_exact_counts_has_no_tolerance():
    rows = [row("a", "10", "50.0"), row("b", "10", "50.0"), row("合计", "21", "100.0", kind="total")]
    findings = run_checks(rows, FIELDS, [{"check": "sum", "field": "count"}], "item")
    assert findings[0]["status"] == "discrepancy"
    assert "21" in findings[0]["detail"] and "20" in findings[0]["detail"]
    rows[2]["count"] = "20"
    assert statuses(rows, [{"check": "sum", "field": "count"}]) == ["pass"]


def test_share_sum_tolerates_rounding_only():
    rows = [row("a", "1", "33.3"), row("b", "1", "33.3"), row("c", "1", "33.3")]
    assert statuses(rows, [{"check": "share_sum", "field": "share"}]) == ["pass"]
    rows[0]["share"] = "33.6"  # sum 100.2: beyond 3 × 0.05
    assert statuses(rows, [{"check": "share_sum", "field": "share"}]) == ["discrepancy"]


def test_share_against_total_row():
    rows = [row("a", "16", "0.8"), row("b", "2335", "99.3"), row("合计", "2351", "100.0", kind="total")]
    out = statuses(rows, [{"check": "share", "count": "count", "share": "share", "base_row": "合计"}])
    assert out == ["discrepancy", "pass"]  # 16/2351 = 0.68 %, printed 0.8 %


@pytest.mark.parametrize("old, new, rate, expected", [
    ("850.6", "1054.6", "24.0", "pass"),
    ("850.6", "1054.6", "25.0", "discrepancy"),
    ("42296", "34171", "-19.2", "pass"),
])
def test_growth(old, new, rate, expected):
    assert statuses([row("x", "", "", old, new, rate)],
                    [{"check": "growth", "old": "old", "new": "new", "rate": "rate"}]) == [expected]


def test_padded_decimals_widen_tolerance():
    # every rate ends in 0: printed with 2 decimals but rounded to 1 (e.g. 17.40 for 17.37)
    rows = [row("a", "", "", "1621.9", "1903.7", "17.40"), row("b", "", "", "850.6", "1054.6", "24.00")]
    assert statuses(rows, [{"check": "growth", "old": "old", "new": "new", "rate": "rate"}]) == ["pass", "pass"]


def test_parts_between_rows_and_fields():
    rows = [row("总数", "100", ""), row("静态", "60", ""), row("动态", "41", "")]
    out = statuses(rows, [{"check": "parts", "whole": "总数", "parts": ["静态", "动态"], "fields": ["count"]}])
    assert out == ["discrepancy"]


def test_bad_spec_is_reported():
    with pytest.raises(CheckError):
        run_checks([row("a", "1", "1")], FIELDS, [{"check": "sum", "field": "nope"}], "item")
    with pytest.raises(CheckError):
        run_checks([row("a", "1", "1")], FIELDS, [{"check": "magic"}], "item")


def test_blocks_written_as_abc():
    fields = FIELDS + [{"name": "blocks", "title": "折合数", "type": "string"}]
    rows = [dict(row("大陆", "340668416", ""), blocks="20A+78B+48C"),
            dict(row("合计", "340668416", "", kind="total"), blocks="20A+82B+53C")]
    out = run_checks(rows, fields, [{"check": "blocks", "text": "blocks", "count": "count"}], "item")
    assert [f["status"] for f in out] == ["pass", "discrepancy"]
    assert "340,931,840" in out[1]["detail"]


def test_formula_between_rows_with_propagated_tolerance():
    rows = [row("总字节", "", "", "20952363890708", "", ""), row("网页数", "", "", "297829914511", "", ""),
            row("平均", "", "", "70", "", "")]
    spec = {"check": "formula", "name": "平均字节", "expr": "{总字节|old} / {网页数|old}",
            "expect": {"row": "平均", "field": "old"}}
    assert statuses(rows, [spec]) == ["pass"]
    rows[2]["old"] = "72"
    assert statuses(rows, [spec]) == ["discrepancy"]


def test_formula_literals_are_rounded_and_code_is_restricted():
    rows = [row("目标", "", "", "5", "", "")]
    ok = {"check": "formula", "name": "提升", "expr": "20 - 14.2", "expect": {"row": "目标", "field": "old"}}
    assert statuses(rows, [ok]) == ["discrepancy"]  # 5.8 points, printed 5
    with pytest.raises(CheckError):
        run_checks(rows, FIELDS, [dict(ok, expr="__import__('os')")], "item")


def test_formula_with_zero_tolerance_compares_two_printings():
    rows = [row("上海", "", "4.51")]
    spec = {"check": "formula", "name": "对照", "expr": "4.52", "expect": {"row": "上海", "field": "share"},
            "tolerance": 0}
    assert statuses(rows, [spec]) == ["discrepancy"]
    rows[0]["share"] = "4.52"
    assert statuses(rows, [spec]) == ["pass"]
