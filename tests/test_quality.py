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
