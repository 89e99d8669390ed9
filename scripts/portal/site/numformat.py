"""One number format per field (issue 20): the values a page shows in one column (a dataset
field, an indicator's values in one printed unit) get one number of decimals, the most any of
them needs (trailing zeros dropped first: 99.20 and 99.2 both show as 99.2; 3.3 beside 3.33
shows as 3.30). Only what pages show: the CSV, JSON and XLSX downloads keep every value as
printed, and a cell whose shown text differs from the printed one says so in its title.
"""

from __future__ import annotations

import re

NUMBER = re.compile(r"(-?)(\d+)(?:\.(\d+))?")


def needed(printed) -> int | None:
    """Decimals a printed number needs (trailing zeros dropped), None when it is no number."""
    m = NUMBER.fullmatch(str(printed or "").replace(",", "").strip())
    if not m:
        return None
    return len((m.group(3) or "").rstrip("0"))


def decimals(values) -> int:
    """The one number of decimals for a column of printed values (0 when none is a number)."""
    return max((d for d in map(needed, values) if d is not None), default=0)


def shown(printed, places: int) -> str:
    """A printed number with `places` decimals and thousands separators; anything that is not
    a number as it is."""
    text = str(printed or "").replace(",", "").strip()
    m = NUMBER.fullmatch(text)
    if not m:
        return str(printed or "")
    sign, whole, frac = m.groups()
    frac = (frac or "").rstrip("0").ljust(places, "0")[:max(places, len((frac or "").rstrip("0")))]
    return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")
