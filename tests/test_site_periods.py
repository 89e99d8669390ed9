"""Where a chart places a period (scripts/portal/site/periods.py): at the period's end, so a
year's value and its year-end stock fall on one point and spacing follows time."""

from __future__ import annotations

import datetime as dt

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.site import periods

D = dt.date


@pytest.mark.parametrize("label, day", [
    ("2020", D(2020, 12, 31)), ("2020-12", D(2020, 12, 31)), ("2020-02", D(2020, 2, 29)),
    ("2019-02", D(2019, 2, 28)), ("2020-3", D(2020, 3, 31)), ("2020-H1", D(2020, 6, 30)),
    ("2020-H2", D(2020, 12, 31)), ("2020-Q1", D(2020, 3, 31)), ("2020-Q3", D(2020, 9, 30)),
    ("2019-12/2020-12", D(2020, 12, 31)), ("2016/2020", D(2020, 12, 31)), ("2020-01/2020-09", D(2020, 9, 30)),
    ("2021-2025", D(2025, 12, 31)), ("2019-H1/2020-Q2", D(2020, 6, 30)), (" 2024 ", D(2024, 12, 31)),
])
def test_a_period_is_placed_at_its_end(label, day):
    assert periods.period_end(label) == day


def test_a_year_and_its_december_are_one_point():
    assert periods.iso("2020") == periods.iso("2020-12") == "2020-12-31"
    assert periods.period_end("2020-H2") == periods.period_end("2020-Q4") == periods.period_end("2020")


@pytest.mark.parametrize("label", ["", "2020-13", "2020-00", "2020-H3", "2020-Q5", "二〇二〇", "2020年", "2020/2021/2022",
                                   "2020-12-31", "20201"])
def test_what_names_no_period_is_refused_by_name(label):
    with pytest.raises(PortalError) as err:
        periods.period_end(label)
    assert f"'{label}'" in err.value.message


def test_spacing_follows_time():
    """2020, 2020-12, 2022, 2024 and 2025 (issue 20: drawn evenly as categories): the gaps are
    0, 2, 2 and 1 years."""
    days = [periods.period_end(p) for p in ["2020", "2020-12", "2022", "2024", "2025"]]
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    assert gaps == [0, 730, 731, 365]
    assert periods.stamp(D(1970, 1, 2)) == 86_400_000


def test_ticks_are_year_ends_or_quarter_ends():
    years, kind = periods.ticks([D(2015, 12, 31), D(2020, 12, 31), D(2025, 12, 31)])
    assert kind == "year" and years == [D(y, 12, 31) for y in (2016, 2018, 2020, 2022, 2024)]  # every 2 years
    assert periods.ticks([D(2019, 12, 31), D(2020, 6, 30), D(2025, 12, 31)])[0] == [D(y, 12, 31) for y in range(2019, 2026)]
    months, kind = periods.ticks([D(2020, 3, 31), D(2020, 6, 30), D(2020, 12, 31)])
    assert kind == "month" and months == [D(2020, 3, 31), D(2020, 6, 30), D(2020, 9, 30), D(2020, 12, 31)]
    lo, hi = periods.domain([D(2020, 3, 31), D(2020, 12, 31)])
    assert lo < D(2020, 3, 31) and hi > D(2020, 12, 31)
