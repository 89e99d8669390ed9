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


def test_trailing_zeros_do_not_loosen_the_tolerance():
    """The 50.0/25.0 case: every share ends in 0, yet each is printed to 0.1, so ±0.05 each."""
    rows = [row("a", "10", "50.0"), row("b", "5", "25.0"), row("c", "5", "25.0"),
            row("合计", "20", "100.0", kind="total")]
    share = {"check": "share", "count": "count", "share": "share", "base_row": "合计"}
    assert statuses(rows, [{"check": "share_sum", "field": "share"}, share]) == ["pass"] * 4
    finding = run_checks(rows, FIELDS, [{"check": "share_sum", "field": "share"}], "item")[0]
    assert finding["tolerance"] == "0.15"  # three shares at ±0.05, not ±0.5 (1.5)
    rows[1]["share"] = "25.5"  # off by 0.5: hidden by a coarse ±0.5 rule, caught by ±0.05
    assert statuses(rows, [{"check": "share_sum", "field": "share"}]) == ["discrepancy"]


def test_share_printed_5_0_that_recomputes_to_5_4_fails():
    rows = [row("a", "54", "5.0"), row("b", "946", "94.6"), row("合计", "1000", "100.0", kind="total")]
    out = run_checks(rows, FIELDS, [{"check": "share", "count": "count", "share": "share", "base_row": "合计"}],
                     "item")
    assert [(f["row"], f["status"]) for f in out] == [("a", "discrepancy"), ("b", "pass")]
    assert (out[0]["printed"], out[0]["computed"], out[0]["tolerance"]) == ("5.0", "5.4", "0.05")


def test_decimals_states_the_precision_of_padded_values():
    # 17.40 printed for a rate rounded to one decimal (17.37): ±0.05 only when the field says so
    rows = [row("a", "", "", "1621.9", "1903.7", "17.40")]
    spec = [{"check": "growth", "old": "old", "new": "new", "rate": "rate"}]
    assert statuses(rows, spec) == ["discrepancy"]
    fields = [dict(f, decimals=1) if f["name"] == "rate" else f for f in FIELDS]
    assert [f["status"] for f in run_checks(rows, fields, spec, "item")] == ["pass"]


def test_findings_are_data():
    rows = [row("a", "10", "50.0"), row("b", "10", "50.0"), row("合计", "21", "100.0", kind="total")]
    [finding] = run_checks(rows, FIELDS, [{"check": "sum", "field": "count"}], "item")
    assert {k: finding[k] for k in ("check", "status", "row", "field", "printed", "computed", "tolerance")} == {
        "check": "sum", "status": "discrepancy", "row": "合计", "field": "count", "printed": "21",
        "computed": "20", "tolerance": "0"}


def test_declared_check_that_cannot_run_is_an_error():
    rows = [row("a", "10", "50.0"), row("合计", "10", "50.0")]  # 合计 not marked as a total row
    with pytest.raises(CheckError, match="no total row"):
        run_checks(rows, FIELDS, [{"check": "sum", "field": "count"}], "item")
    with pytest.raises(CheckError, match="cannot run"):
        run_checks(rows, FIELDS, [{"check": "growth", "old": "old", "new": "new", "rate": "rate"}], "item")


def test_parts_between_rows_and_fields():
    rows = [row("总数", "100", ""), row("静态", "60", ""), row("动态", "41", "")]
    [finding] = run_checks(rows, FIELDS, [{"check": "parts", "whole": "总数", "parts": ["静态", "动态"],
                                           "fields": ["count"]}], "item")
    assert (finding["status"], finding["row"], finding["field"]) == ("discrepancy", "总数", "count")


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
    with pytest.raises(CheckError, match="function call"):
        run_checks(rows, FIELDS, [dict(ok, expr="__import__('os')")], "item")


@pytest.mark.parametrize("expr, message", [
    ("9**9**9**9", "exponent 387420489"),
    ("2 ** 10000", "exponent 10000"),
    ("1" + "0" * 30, "exceeds the limit"),
    ("().__class__", "attribute"),
    ("[1][0]", "an index"),
    ("1 if 1 else 2", "IfExp"),
    ("lambda: 1", "Lambda"),
    ("1 / (2 - 2)", "division by zero"),
    ("+".join(["1"] * 500), "over the limit"),
    ("1 +", "not an arithmetic expression"),
    ("True + 1", "only numbers"),
    ("'a' * 3", "only numbers"),
    ("x0 + 1", "unknown name"),
])
def test_hostile_formulas_are_refused_quickly(expr, message):
    import time

    rows = [row("目标", "", "", "5", "", "")]
    spec = {"check": "formula", "name": "恶意", "expr": expr, "expect": {"row": "目标", "field": "old"}}
    started = time.perf_counter()
    with pytest.raises(CheckError, match=message):
        run_checks(rows, FIELDS, [spec], "item")
    assert time.perf_counter() - started < 1.0


def test_bounded_power_computes_a_compound_growth_rate():
    rows = [row("目标", "", "", "11.9", "", "")]
    spec = {"check": "formula", "name": "年均增长", "expr": "((1600 / 910) ** (1 / 5) - 1) * 100",
            "expect": {"row": "目标", "field": "old"}}
    assert statuses(rows, [spec]) == ["pass"]


def test_formula_with_zero_tolerance_compares_two_printings():
    rows = [row("上海", "", "4.51")]
    spec = {"check": "formula", "name": "对照", "expr": "4.52", "expect": {"row": "上海", "field": "share"},
            "tolerance": 0}
    assert statuses(rows, [spec]) == ["discrepancy"]
    rows[0]["share"] = "4.52"
    assert statuses(rows, [spec]) == ["pass"]
