"""Compare the fact table with an independent second mapping of a random sample (issue 19).

Not the product. `tests/fixtures/independent_check/sample.csv` is a random sample of the fact
table's figures (seed 20261204) with only what the source prints; `blind.csv` is the second
mapping of it, made from the source texts by someone who had not seen the registry (kind,
reference, sign, measure, place, period, period type). This tool joins both with the fact table by
the figure's source cell and writes `comparison.csv` (one row per sample figure and aspect) and
prints the agreement rates; `python -m scripts.tools.independent_check` after `make extract`.

Agreement per aspect:
- kind: equal;
- reference (share, rank, growth): both give one and one contains the other's key words, or both empty;
- period: equal once both are written with a year-end stock as YYYY-12;
- indicator: pairwise: for every two sample figures, do both mappings agree on "same measure or
  not" (the registry by indicator_id, the second mapping by its measure name)? A Rand index, so
  no translation of one vocabulary into the other is needed.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from pathlib import Path

from scripts.portal import paths
from scripts.portal.model.frames import load_facts

HERE = paths.ROOT / "tests" / "fixtures" / "independent_check"
KEY = ["source_package", "source_row", "source_field"]


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def words(text: str) -> set[str]:
    """Key words of a reference: Han runs of two characters, digits and Latin words."""
    text = re.sub(r"[的总数量规模比重占全部整体]", " ", text or "")
    return {w for w in re.findall(r"[\u4e00-\u9fff]{2,}|[A-Za-z0-9.]+", text)}


def same_reference(a: str, b: str) -> bool:
    if not a or not b:
        return not a and not b
    wa, wb = words(a), words(b)
    if a in b or b in a or bool(wa & wb) or any(x in y or y in x for x in wa for y in wb):
        return True
    ca, cb = set(re.findall(r"[\u4e00-\u9fff]", a)), set(re.findall(r"[\u4e00-\u9fff]", b))
    return len(ca & cb) >= 0.6 * min(len(ca), len(cb)) if ca and cb else False  # 接受检测的 / CNCERT检测的


def year_end(period: str, period_type: str) -> str:
    return f"{period}-12" if period_type == "instant" and re.fullmatch(r"\d{4}", period or "") else period


def compare(sample: list[dict], blind: list[dict], facts) -> list[dict]:
    by_key = {tuple(r[k] for k in KEY): r for r in facts.to_dict("records")}
    second = {r["sample"]: r for r in blind}
    out = []
    for s in sample:
        f, b = by_key[tuple(s[k] for k in KEY)], second[s["sample"]]
        refs = f["kind"] in ("share", "rank", "growth") or b["kind"] in ("share", "rank", "growth")
        out.append({
            "sample": s["sample"], "fact_id": f["fact_id"], "wording": f["wording"],
            "kind": f["kind"], "kind_2": b["kind"], "kind_agrees": f["kind"] == b["kind"],
            "reference": f["reference"], "reference_2": b["reference"],
            "reference_agrees": same_reference(f["reference"], b["reference"]) if refs else True,
            "period": f["period"], "period_2": year_end(b["period"], b["period_type"]),
            "period_agrees": f["period"] == year_end(b["period"], b["period_type"]),
            "indicator_id": f["indicator_id"], "measure_2": b["measure"]})
    return out


def pairwise(rows: list[dict]) -> tuple[int, int, int, int]:
    """(pairs on which both mappings agree about 'same measure or not', all pairs, pairs both
    call the same measure, pairs either calls the same measure): most pairs are different
    measures, so the last two (a Jaccard index of the joins) are the stricter test."""
    agree = total = both = either = 0
    for a, b in itertools.combinations(rows, 2):
        reg = bool(a["indicator_id"]) and a["indicator_id"] == b["indicator_id"]
        second = a["measure_2"] == b["measure_2"]
        agree, total = agree + (reg == second), total + 1
        both, either = both + (reg and second), either + (reg or second)
    return agree, total, both, either


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    agree, total, both, either = pairwise(rows)
    return {"figures": n, **{k: sum(r[f"{k}_agrees"] for r in rows) for k in ("kind", "reference", "period")},
            "pairs_agreeing": agree, "pairs": total, "joins_both": both, "joins_either": either}


def main() -> int:
    rows = compare(read(HERE / "sample.csv"), read(HERE / "blind.csv"), load_facts(paths.packages_dir(), raw=True))
    with (HERE / "comparison.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    s = summary(rows)
    n = s["figures"]
    for k in ("kind", "reference", "period"):
        print(f"{k}: {s[k]}/{n} = {s[k] / n:.1%}")
    print(f"indicator (pairwise): {s['pairs_agreeing']}/{s['pairs']} = {s['pairs_agreeing'] / s['pairs']:.1%}; "
          f"joins made by both / by either: {s['joins_both']}/{s['joins_either']} = "
          f"{s['joins_both'] / max(s['joins_either'], 1):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
