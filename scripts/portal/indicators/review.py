"""`make review-registry`: every wording joined under each indicator, for a maintainer reviewing a
registry change (what did this pull request merge?).

Reads the fact table package (pandas) and prints, per indicator, each distinct wording with the
report, place, period, printed unit and kind of the figures it brought, so that a join of two
measures that only look alike (机架总数 under 标准机架数) is seen before it is published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..model.frames import load_facts
from .registry import load_registry

KEYS = ["wording", "report", "geography", "period", "unit_printed", "kind", "reference"]


def joined(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and distinct (wording, report, place, period, unit, kind, reference),
    with how many figures it covers, in registry order of first appearance."""
    mapped = facts[facts["indicator_id"] != ""]
    out = (mapped.groupby(["indicator_id", *KEYS], sort=False).size().reset_index(name="figures"))
    return out


def report(packages_dir: Path, recipes_dir: Path, only: str = "") -> str:
    reg = load_registry(recipes_dir)
    rows = joined(load_facts(packages_dir, raw=True))
    lines = []
    for ind_id, entry in reg.indicators.items():
        if only and ind_id != only:
            continue
        mine = rows[rows["indicator_id"] == ind_id]
        wordings = mine["wording"].nunique()
        lines.append(f"{ind_id}  {entry['name']}  [{entry['unit'] or '-'}, {entry['period_type']}]  "
                     f"{len(mine)} statement group(s), {wordings} wording(s)")
        for r in mine.itertuples():
            ref = f" (reference: {r.reference})" if r.reference else ""
            lines.append(f"    {r.wording}  | {r.report} | {r.geography} | {r.period} | "
                         f"{r.unit_printed or '-'} | {r.kind}{ref} | ×{r.figures}")
    unmapped = load_facts(packages_dir, raw=True)
    unmapped = unmapped[unmapped["indicator_id"] == ""]
    if not only:
        lines.append(f"unmapped: {len(unmapped)} figures; by reason:")
        for reason, n in unmapped["unmapped_reason"].value_counts().items():
            lines.append(f"    {n:5}  {reason}")
    return "\n".join(lines)
