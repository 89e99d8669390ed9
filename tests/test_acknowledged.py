"""Acknowledged discrepancies: what matches, what is refused."""

from __future__ import annotations

from scripts.portal.acknowledged import apply

FINDING = {"check": "sum", "status": "discrepancy", "row": "合计", "field": "users", "printed": "100",
           "computed": "101", "tolerance": "0", "detail": "…"}
ACK = {"check": "sum", "row": "合计", "field": "users", "printed": "100", "computed": "101", "reason": "原表有误"}


def test_a_matching_acknowledgement_publishes_the_reason():
    out, problems = apply([FINDING], [ACK])
    assert problems == [] and out == [dict(FINDING, reason="原表有误")]


def test_numbers_compare_as_numbers():
    out, problems = apply([FINDING], [dict(ACK, printed=100, computed="101.0")])
    assert problems == [] and out[0]["reason"] == "原表有误"


def test_an_unacknowledged_discrepancy_is_a_problem_with_a_suggestion():
    out, [problem] = apply([FINDING], [])
    assert "reason" not in out[0]
    assert (problem["row"], problem["field"]) == ("合计", "users")
    assert "printed 100, computed 101" in problem["message"]
    assert '{check: "sum", row: "合计", field: "users", printed: "100", computed: "101", reason:' in problem["message"]


def test_changed_numbers_make_the_acknowledgement_stale():
    moved = dict(FINDING, computed="111")
    _, problems = apply([moved], [ACK])
    assert sorted(p["message"].split(",")[0] for p in problems) == [
        "acknowledgement matches no discrepancy (fixed", "unacknowledged discrepancy"]


def test_a_passing_check_cannot_be_acknowledged():
    _, [problem] = apply([dict(FINDING, status="pass")], [ACK])
    assert problem["message"].startswith("acknowledgement matches no discrepancy")


def test_name_must_match_when_given():
    named = dict(FINDING, check="formula", name="对照")
    assert apply([named], [dict(ACK, check="formula", name="对照")])[1] == []
    assert len(apply([named], [dict(ACK, check="formula", name="别的")])[1]) == 2
