"""Where a chart places a period on its time axis: the period's last day.

A period label of the fact table is ``2020`` (a year), ``2020-12`` (a month: a stock at its
end), ``2020-H1`` / ``2020-H2`` (half years), ``2020-Q3`` (a quarter) or ``A/B`` (from A to B;
also ``2021-2025``). Every one is drawn at its END, so that a year's flow and the year-end
stock (2020 and 2020-12) fall on one point, and points are spaced as the time between them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from scripts.portal.errors import PortalError

YEAR = r"(\d{4})"
ONE = re.compile(rf"{YEAR}(?:-(?:(\d{{1,2}})|H([12])|Q([1-4])))?")
YEARS = re.compile(rf"{YEAR}-{YEAR}")    # 2021-2025: a range of whole years


def period_end(label: str) -> dt.date:
    """The last day of the period a label names: 2020 -> 2020-12-31, 2020-02 -> 2020-02-29,
    2020-H1 -> 2020-06-30, 2020-Q3 -> 2020-09-30, 2019-12/2020-12 and 2016/2020 -> the end
    of the second part. A label that names no period is a PortalError naming it."""
    text = str(label or "").strip()
    years = YEARS.fullmatch(text)
    if years and int(years.group(2)) > int(years.group(1)):
        text = years.group(2)
    parts = text.split("/")
    m = ONE.fullmatch(parts[-1]) if len(parts) <= 2 and all(ONE.fullmatch(p) for p in parts) else None
    if m is None:
        raise PortalError(f"period '{label}' is not a year, month, half, quarter or A/B range: no place on a time axis")
    year, month, half, quarter = m.groups()
    year = int(year)
    last_month = int(month) if month else 6 * int(half) if half else 3 * int(quarter) if quarter else 12
    if not 1 <= last_month <= 12:
        raise PortalError(f"period '{label}': month {last_month} does not exist")
    return dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def iso(label: str) -> str:
    """period_end as the ISO date string a Vega-Lite temporal field reads (in UTC)."""
    return period_end(label).isoformat()


def stamp(day: dt.date) -> int:
    """A date as Vega's time value: milliseconds since 1970, UTC midnight."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp() * 1000)


def vl_datetime(day: dt.date) -> dict:
    """A date as a Vega-Lite DateTime (UTC midnight) for scale domains and axis values. Not a
    timestamp: Vega-Lite turns that into datetime(ms), which Vega's expression interpreter (the
    pages' strict CSP runs charts with it) reads as a year, so the live chart lost its axis."""
    return {"year": day.year, "month": day.month, "date": day.day, "utc": True}


def ticks(days: list) -> tuple:
    """(tick dates, "year" or "month") for an axis over these dates: the ends of years (every
    1, 2 or 5 years, at most about 8 ticks) when the dates span more than three years, else
    the ends of quarters, so that months are named where months matter."""
    lo, hi = min(days), max(days)
    if hi.year - lo.year > 3 or all(d.month == 12 and d.day == 31 for d in days):
        step = next(s for s in (1, 2, 5, 10, 20, 50) if (hi.year - lo.year) / s <= 8)
        first = lo.year - (lo.year % step)
        return [dt.date(y, 12, 31) for y in range(first, hi.year + 1, step) if lo <= dt.date(y, 12, 31) <= hi], "year"
    out, y, q = [], lo.year, (lo.month - 1) // 3
    while (y, q) <= (hi.year, (hi.month - 1) // 3):
        end = dt.date(y, 3 * q + 3, calendar.monthrange(y, 3 * q + 3)[1])
        if lo <= end <= hi:
            out.append(end)
        y, q = (y + 1, 0) if q == 3 else (y, q + 1)
    return out, "month"


def domain(days: list) -> tuple:
    """The axis's first and last day: the dates with a margin (a twentieth of their span, at
    least 45 days) so that no point sits on the chart's edge."""
    lo, hi = min(days), max(days)
    pad = max(dt.timedelta(days=45), (hi - lo) / 20)
    return lo - pad, hi + pad
