"""compare.py: pairings (Liaoning vs national), ranks among provinces, plan targets — on the
fixture packages, with the expected numbers recomputed here from the packages' rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.portal import settings
from scripts.portal.model.reader import load_portal
from scripts.portal.site import charts, compare, ranking

FIXTURE_PACKAGES = Path(__file__).resolve().parent / "fixtures" / "packages"


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def test_pairing_aligns_rows_by_label_and_sorts_by_difference(portal):
    cfg = compare.load_config()
    (p,) = compare.pairings(portal, cfg)
    assert p.noun == cfg["liaoning_vs_national"][0]["noun"]
    assert [r["diff"] for r in p.rows] == sorted((r["diff"] for r in p.rows), reverse=True)
    for r in p.rows:
        assert r["diff"] == round(r["left"] - r["right"], 2)
    left_labels = {compare.normalise(charts.label_of(r, charts.shape_of(p.left))) for r in p.left.data_rows}
    assert {compare.normalise(r["label"]) for r in p.rows} <= left_labels
    assert f"项{p.noun}" in p.chart.description and "项应用" not in p.chart.description.replace(f"项{p.noun}", "")


def test_rank_is_one_plus_the_places_above(portal):
    highlight = settings.highlight()
    ranked = compare.ranks(portal, highlight)
    assert ranked
    for r in ranked:
        disp = charts.shape_of(r.package)
        pts = charts.points(r.package, disp, r.field.name)
        values = [pt["value"] for pt in pts if ranking.province(pt["label"])]  # provinces only
        assert r.of == len(values) <= 31
        assert r.rank == 1 + sum(1 for v in values if v > r.value)
        assert r.top_value == max(values)


def test_targets_progress_is_baseline_over_target(portal):
    (plan,) = compare.targets(portal)
    assert plan["rows"]
    for row in plan["rows"]:
        if isinstance(row["base"], (int, float)) and row["target"]:
            assert row["progress"] == round(100 * row["base"] / row["target"], 1)
        else:
            assert row["progress"] is None


def test_page_data_charts_every_pairing_and_the_ranks(portal):
    data, extra = compare.page_data(portal, settings.highlight())
    assert [c.id for c in extra] == [p.chart.id for p in data["pairings"]] + ["compare-ranks"]
    assert settings.highlight() in data["rank_chart"].title
