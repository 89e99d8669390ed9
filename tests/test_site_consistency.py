"""consistency.py: notes computed from the values an indicator page lists (issue 20): a
difference of one printed digit (4.51 % and 4.52 %) is a note; values equal within the coarser
printed precision (3.3 % and 3.33 %) are not; different kinds of statement (a target, a level)
are never compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.portal.site import consistency

ROOT = Path(__file__).resolve().parents[1]


def entry(geo, value, printed, kind="share", period="2020-12", unit="%"):
    return {"fact": {"geography": geo, "period": period, "value": value, "value_printed": printed, "kind": kind, "qualifier": "",
                     "unit": unit, "breakdown": ""}, "links": []}


def test_one_printed_digit_apart_is_a_difference():
    vals = [entry("上海市", 4.51, "4.51"), entry("上海市", 4.52, "4.52"), entry("云南省", 0.98, "0.98"),
            entry("云南省", 0.98, "0.98")]
    (note,) = consistency.differences(vals)
    assert note["geography"] == "上海市" and round(note["gap"], 6) == 0.01 and len(note["entries"]) == 2


def test_equal_within_the_coarser_printed_precision_is_no_difference():
    vals = [entry("辽宁省", 3.3, "3.3", kind="actual"), entry("辽宁省", 3.33, "3.33")]
    assert consistency.differences(vals) == []
    vals = [entry("辽宁省", 3.3, "3.3", kind="actual"), entry("辽宁省", 3.36, "3.36")]
    assert len(consistency.differences(vals)) == 1


def test_converted_units_use_the_printed_step_and_targets_are_not_levels():
    # 9.89 亿 = 98,900 万人: half a printed step is 50 万人
    vals = [entry("全国", 98900, "9.89", kind="actual", unit="万人"), entry("全国", 98930, "98930", kind="actual", unit="万人")]
    assert consistency.differences(vals) == []
    vals = [entry("辽宁省", 80, "80", kind="target"), entry("辽宁省", 50, "50", kind="actual")]
    assert consistency.differences(vals) == []


def test_an_acknowledged_reason_is_attached():
    vals = [entry("福建省", 1.94, "1.94"), entry("福建省", 1.95, "1.95")]
    (note,) = consistency.differences(vals, [{"row": "福建省|2020-12|share", "reason": "两者照录。"}])
    assert note["reason"] == "两者照录。"


@pytest.mark.skipif(not (ROOT / "datapackages" / "indicators").exists(), reason="no real packages")
def test_ipv4_share_lists_shanghai_and_fujian_as_different():
    from scripts.portal.site import facts as fx

    layer = fx.load(ROOT / "datapackages" / "indicators", ROOT / "scripts" / "portal" / "recipes")
    notes = consistency.differences(fx.values(layer.facts_of("ipv4-share")))
    assert sorted(n["geography"] for n in notes) == ["上海市", "福建省"]
    assert sorted(sorted(e["fact"]["value_printed"] for e in n["entries"]) for n in notes) == [
        ["1.94", "1.95"], ["4.51", "4.52"]]


def test_a_bound_holds_for_the_points_and_targets_are_compared_as_printed():
    over = entry("辽宁省", 3000, "3000", kind="actual", unit="万个")
    over["fact"]["qualifier"] = "超过"
    assert consistency.differences([entry("辽宁省", 3305.2, "3305.2", kind="actual", unit="万个"), over]) == []
    assert len(consistency.differences([entry("辽宁省", 2900, "2900", kind="actual", unit="万个"), over])) == 1
    target = entry("辽宁省", 20, "20", kind="target", period="2025", unit="个")
    target["fact"]["qualifier"] = "以上"
    assert len(consistency.differences([entry("辽宁省", 30, "30", kind="target", period="2025", unit="个"), target])) == 1


def test_a_finding_a_note_states_is_not_repeated():
    notes = consistency.differences([entry("上海市", 4.51, "4.51"), entry("上海市", 4.52, "4.52")])
    same = {"row": "上海市|2020-12|share", "status": "discrepancy"}
    other = {"check": "consistency:ipv4-share:福建省:2020-12", "status": "discrepancy"}
    assert consistency.uncovered([same, other], notes) == [other]


def test_values_printed_with_other_precision_are_said_to_agree():
    vals = [entry("辽宁省", 3.3, "3.3", kind="actual"), entry("辽宁省", 3.33, "3.33"), entry("云南省", 0.98, "0.98"),
            entry("云南省", 0.98, "0.98")]
    (same,) = consistency.precision_only(vals)
    assert same["geography"] == "辽宁省" and consistency.differences(vals) == []
