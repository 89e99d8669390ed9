"""Acknowledged discrepancies: the recipe's statement that a failed check is the source's own.

A discrepancy is published only when the recipe acknowledges it with the check, row, field,
the printed and the computed value and a one-line reason; any other discrepancy is treated as
the maintainer's mistake (validation fails), and so is an acknowledgement that matches no
discrepancy any more (a fixed recipe must not hide behind an old note).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from .texts import Texts

TEXTS = Texts.beside(__file__, "quality.yaml")  # the placeholder reason of a suggested acknowledgement

MATCHED = ("check", "name", "row", "field", "printed", "computed")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)


def matches(ack: dict, finding: dict) -> bool:
    """The acknowledgement names this discrepancy (`name` only needs to match when given)."""
    keys = [k for k in MATCHED if k != "name" or "name" in ack]
    return finding.get("status") == "discrepancy" and all(
        _same(ack.get(k), finding.get(k)) if k in ("printed", "computed") else
        (ack.get(k) is None and finding.get(k) is None) or str(ack.get(k)) == str(finding.get(k))
        for k in keys)


def suggestion(finding: dict) -> str:
    """The acknowledgement a maintainer would add, as one line of YAML."""
    entry = {k: finding[k] for k in MATCHED if finding.get(k) is not None}
    entry["reason"] = TEXTS("acknowledgement_reason")
    return "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()) + "}"


def describe(finding: dict) -> str:
    where = ", ".join(f"{k} {finding[k]}" for k in ("row", "field") if finding.get(k) is not None)
    what = finding["check"] + (f" “{finding['name']}”" if finding.get("name") else "")
    return (f"{what}{' (' + where + ')' if where else ''}: printed {finding.get('printed')}, "
            f"computed {finding.get('computed')} (tolerance {finding.get('tolerance')})")


def apply(findings: list[dict], acks: list[dict]) -> tuple[list[dict], list[dict]]:
    """(findings with the reason of their acknowledgement, problems). A problem is
    `{"message", "row", "field"}`: an unacknowledged discrepancy or an unmatched acknowledgement."""
    out, problems, used = [], [], set()
    for finding in findings:
        hits = [i for i, ack in enumerate(acks) if matches(ack, finding)]
        finding = dict(finding)
        if hits:
            used.update(hits)
            finding["reason"] = acks[hits[0]].get("reason", "")
        elif finding.get("status") == "discrepancy":
            problems.append({"row": finding.get("row"), "field": finding.get("field"), "message": (
                f"unacknowledged discrepancy, {describe(finding)}. If the recipe is wrong, fix it; if the "
                f"source itself is inconsistent, add to the recipe's `acknowledged:` list: {suggestion(finding)}")})
        out.append(finding)
    for i, ack in enumerate(acks):
        if i not in used:
            problems.append({"row": ack.get("row"), "field": ack.get("field"), "message": (
                f"acknowledgement matches no discrepancy (fixed, or its numbers changed?): "
                f"{json.dumps(ack, ensure_ascii=False)}; remove it or update printed/computed")})
    return out, problems
