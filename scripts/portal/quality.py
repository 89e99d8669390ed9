"""Quality checks: what the numbers of a table promise about each other.

Each check is a small function taking the rows (dicts of printed strings), the
schema fields and its own parameters, and returning findings as data:
`{"check": kind, "name"?, "status": "pass"|"discrepancy", "row", "field", "printed",
"computed", "tolerance", "detail"}`. Tolerances follow the printed precision of each value:
half a unit of its last printed digit (`50.0` -> 0.05, `50` -> 0.5 when the field is rounded,
0 for an exact count); a field's `decimals: N` states the precision where printed trailing
zeros are padding (`17.40` rounded to one decimal). A declared check that finds nothing to
check is an error, not a silent pass.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .formula import FormulaError, evaluate, parse
from .rowtypes import data_rows
from .texts import Texts

TEXTS = Texts.beside(__file__, "quality.yaml")  # the `detail` sentence of each finding, the rounded units

ROUNDED_UNITS = set(TEXTS.data("rounded_units"))


class CheckError(ValueError):
    """A check specification that does not fit the table."""


def decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def half_unit(text: str, rounded: bool) -> float:
    if not rounded and decimals(text) == 0:
        return 0.0
    return 0.5 * 10 ** -decimals(text)


def fmt(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


class Table:
    """Rows plus schema, with helpers to look values up by label and field."""

    def __init__(self, rows: list[dict], fields: list[dict], label: str):
        self.rows, self.label = rows, label
        self.fields = {f["name"]: f for f in fields}

    def rounded(self, field: str) -> bool:
        spec = self.fields.get(field)
        if spec is None:
            raise CheckError(f"unknown field {field}")
        return spec.get("rounded", spec.get("unit") in ROUNDED_UNITS)

    def row(self, label: str) -> dict:
        """The row with this label; `@353` names the row read from source line 353."""
        if label.startswith("@"):
            for row in self.rows:
                if row.get("source_line") == label[1:]:
                    return row
            raise CheckError(f"no row from source line {label[1:]}")
        for row in self.rows:
            if row.get(self.label) == label:
                return row
        raise CheckError(f"no row labelled {label!r}")

    def data_rows(self) -> list[dict]:
        """The rows a check adds up: neither totals nor sub-rows (a sub-row is part of its parent)."""
        return data_rows(self.rows, subrows=False)

    def value(self, row: dict, field: str) -> tuple[float, float, str] | None:
        if field not in self.fields:
            raise CheckError(f"unknown field {field}")
        text = row.get(field, "")
        if text == "":
            return None
        stated = self.fields[field].get("decimals")
        unit = 0.5 * 10 ** -int(stated) if stated is not None else half_unit(text, self.rounded(field))
        return float(Decimal(text)), unit, text


def _finding(kind: str, ok: bool, detail: str, *, name: str | None = None, row=None, field=None,
             printed=None, computed=None, tolerance=None) -> dict:
    """One finding as data; `row` is the row's printed label (None for a whole-table check)."""
    out = {"check": kind}
    if name:
        out["name"] = name
    out.update(status="pass" if ok else "discrepancy", row=row, field=field, printed=printed,
               computed=computed, tolerance=tolerance, detail=detail)
    return out


def check_sum(t: Table, field: str, total: str | None = None, rows: list[str] | None = None,
              name: str | None = None) -> list[dict]:
    """A total row equals the sum of the data rows (or of the named rows)."""
    totals = [t.row(total)] if total else [r for r in t.rows if r.get("row_type") == "total"]
    parts = [t.row(x) for x in rows] if rows else t.data_rows()
    findings = []
    for total_row in totals:
        got = t.value(total_row, field)
        if got is None:
            continue
        values = [v for v in (t.value(r, field) for r in parts) if v is not None]
        s = sum(v[0] for v in values)
        tol = sum(v[1] for v in values) + got[1] + 1e-9
        diff = got[0] - s
        label = total_row.get(t.label)
        findings.append(_finding(
            "sum", abs(diff) <= tol,
            TEXTS("sum", label=label, field=field, printed=got[2], count=len(values), computed=fmt(s),
                  diff=fmt(diff), tolerance=fmt(tol)),
            name=name, row=label, field=field, printed=got[2], computed=fmt(s), tolerance=fmt(tol)))
    return findings


def check_share_sum(t: Table, field: str, expect: float = 100.0, name: str | None = None) -> list[dict]:
    """Shares of the data rows add up to 100 (%)."""
    values = [v for v in (t.value(r, field) for r in t.data_rows()) if v is not None]
    s = sum(v[0] for v in values)
    tol = sum(v[1] for v in values) + 1e-9
    if not values:
        return []
    return [_finding("share_sum", abs(s - expect) <= tol,
                     TEXTS("share_sum", field=field, total=fmt(s), expect=fmt(expect), diff=fmt(s - expect),
                           tolerance=fmt(tol)),
                     name=name, field=field, printed=fmt(s), computed=fmt(expect), tolerance=fmt(tol))]


def check_share(t: Table, count: str, share: str, base_row: str | None = None,
                base: str | None = None, scale: float = 100.0, name: str | None = None,
                rows: str = "data") -> list[dict]:
    """Each row's share equals its count divided by the base (a total row or a printed constant)."""
    if base_row:
        b = t.value(t.row(base_row), count)
    else:
        b = (float(Decimal(str(base))), half_unit(str(base), True), str(base))
    target_rows = t.rows if rows == "all" else t.data_rows()
    if b is None:
        return []
    return [f for row in target_rows
            for f in _quotient(t, row, t.value(row, count), b, t.value(row, share), share, scale, name, "share")]


def _quotient(t: Table, row: dict, a, b, r, field: str, scale: float, name: str | None, kind: str) -> list[dict]:
    """One row's printed `r` against a / b * scale, tolerance from the three printed precisions."""
    if a is None or b is None or r is None or b[0] == 0:
        return []
    expect = a[0] / b[0] * scale
    tol = r[1] + scale * a[1] / abs(b[0]) + scale * abs(a[0]) * b[1] / b[0] ** 2 + 1e-9
    label = row.get(t.label)
    return [_finding(kind, abs(r[0] - expect) <= tol,
                     TEXTS("quotient", label=label, field=field, printed=r[2], numerator=a[2], denominator=b[2],
                           expect=expect, tolerance=fmt(tol)),
                     name=name, row=label, field=field, printed=r[2], computed=fmt(round(expect, 4)),
                     tolerance=fmt(tol))]


def check_growth(t: Table, old: str, new: str, rate: str, name: str | None = None,
                 rows: str = "all") -> list[dict]:
    """Printed growth rate equals (new - old) / old."""
    findings = []
    for row in (t.rows if rows == "all" else t.data_rows()):
        o, n, r = t.value(row, old), t.value(row, new), t.value(row, rate)
        if o is None or n is None or r is None or o[0] == 0:
            continue
        expect = (n[0] - o[0]) / o[0] * 100
        tol = r[1] + 100 * n[1] / abs(o[0]) + 100 * abs(n[0]) * o[1] / o[0] ** 2 + 1e-9
        label = row.get(t.label)
        findings.append(_finding(
            "growth", abs(r[0] - expect) <= tol,
            TEXTS("growth", label=label, printed=r[2], old=o[2], new=n[2], expect=expect, tolerance=fmt(tol)),
            name=name, row=label, field=rate, printed=r[2], computed=fmt(round(expect, 4)), tolerance=fmt(tol)))
    return findings


def _sum_of_parts(w, ps) -> tuple[float, float] | None:
    """(sum of the parts, tolerance), or None when a cell is empty."""
    if w is None or any(p is None for p in ps):
        return None
    return sum(p[0] for p in ps), w[1] + sum(p[1] for p in ps) + 1e-9


def check_parts(t: Table, whole: str, parts: list[str], fields: list[str] | None = None,
                name: str | None = None) -> list[dict]:
    """A whole equals the sum of its parts: between fields of every row (`fields` unset),
    or between rows (`whole`/`parts` are row labels, checked for each of `fields`)."""
    findings = []
    if fields is None:
        for row in t.rows:
            w = t.value(row, whole)
            result = _sum_of_parts(w, [t.value(row, p) for p in parts])
            if result is None:
                continue
            s, tol = result
            label = row.get(t.label)
            findings.append(_finding(
                "parts", abs(w[0] - s) <= tol,
                TEXTS("parts_in_row", label=label, whole=whole, printed=w[2], parts="+".join(parts),
                      computed=fmt(s), tolerance=fmt(tol)),
                name=name, row=label, field=whole, printed=w[2], computed=fmt(s), tolerance=fmt(tol)))
        return findings
    whole_row, part_rows = t.row(whole), [t.row(p) for p in parts]
    for field in fields:
        w = t.value(whole_row, field)
        result = _sum_of_parts(w, [t.value(r, field) for r in part_rows])
        if result is None:
            continue
        s, tol = result
        findings.append(_finding(
            "parts", abs(w[0] - s) <= tol,
            TEXTS("parts_between_rows", field=field, whole=whole, printed=w[2], parts=" + ".join(parts),
                  computed=fmt(s), diff=fmt(w[0] - s), tolerance=fmt(tol)),
            name=name, row=whole, field=field, printed=w[2], computed=fmt(s), tolerance=fmt(tol)))
    return findings


def check_ratio(t: Table, numerator: str, denominator: str, result: str, scale: float = 1.0,
                name: str | None = None) -> list[dict]:
    """In every row, result = numerator / denominator * scale (e.g. bytes per page)."""
    return [f for row in t.rows
            for f in _quotient(t, row, t.value(row, numerator), t.value(row, denominator),
                               t.value(row, result), result, scale, name, "ratio")]


BLOCK = {"A": 16777216, "B": 65536, "C": 256}


def check_blocks(t: Table, text: str, count: str, name: str | None = None) -> list[dict]:
    """An IPv4 count written as /8, /16, /24 blocks (`20A+78B+48C`) equals the address count."""
    findings = []
    for row in t.rows:
        written, c = row.get(text, ""), t.value(row, count)
        if not written or c is None:
            continue
        terms = re.findall(r"(\d*)([ABC])", written)
        total = sum(int(n or 1) * BLOCK[letter] for n, letter in terms)
        label = row.get(t.label)
        findings.append(_finding(
            "blocks", total == c[0],
            TEXTS("blocks", label=label, written=written, total=total, printed=c[2], diff=fmt(total - c[0])),
            name=name, row=label, field=count, printed=c[2], computed=str(total), tolerance="0"))
    return findings


REF = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")
LITERAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")


def _formula_inputs(t: Table, expr: str, name: str) -> tuple[str, list[tuple[float, float]]]:
    """The formula with every cell `{label|field}` and decimal literal replaced by a name
    `x0`, `x1`, …, and those inputs as (value, half unit of their printed precision)."""
    inputs: list[tuple[float, float]] = []

    def ref(match):
        v = t.value(t.row(match.group(1).strip()), match.group(2).strip())
        if v is None:
            raise CheckError(f"formula {name}: empty cell {match.group(0)}")
        inputs.append((v[0], v[1]))
        return f" x{len(inputs) - 1} "

    def lit(match):
        inputs.append((float(match.group(1)), half_unit(match.group(1), True)))
        return f" x{len(inputs) - 1} "

    return LITERAL.sub(lit, REF.sub(ref, str(expr))).strip(), inputs


def _formula_value(t: Table, expr: str, name: str) -> tuple[float, float]:
    """(value, spread): the formula's value and how far the inputs' rounding can move it."""
    code, inputs = _formula_inputs(t, expr, name)
    try:
        tree = parse(code, {f"x{i}" for i in range(len(inputs))})
        values = {f"x{i}": v for i, (v, _) in enumerate(inputs)}
        got = evaluate(tree, values)
        spread = 0.0
        for i, (v, h) in enumerate(inputs):
            if h:
                moved = [evaluate(tree, {**values, f"x{i}": v + d}) for d in (h, -h)]
                spread += max(abs(m - got) for m in moved)
    except FormulaError as exc:
        raise CheckError(f"formula {name}: {exc}") from None
    return got, spread


def check_formula(t: Table, expr: str, expect: dict, name: str, note: str = "",
                  tolerance: float | None = None) -> list[dict]:
    """A printed value equals a formula of other printed values. `{label|field}` names a cell;
    decimal literals count as rounded printed numbers. The tolerance is the printed precision of
    the expected value plus the effect of every input's rounding (evaluated numerically), unless
    `tolerance` is given (0 for the same printed figure in two tables)."""
    got, spread = _formula_value(t, expr, name)
    if not isinstance(expect, dict):
        raise CheckError(f"formula {name}: expect must be {{row, field}} or {{value}}")
    if "value" in expect:  # a printed constant, e.g. 100 (%) that shares should add up to
        text = str(expect["value"])
        target, row, field = (float(text), half_unit(text, False), text), None, None
    else:
        row, field = expect.get("row"), expect.get("field")
        target = t.value(t.row(str(row)), str(field))
        row = t.row(str(row)).get(t.label) if str(row).startswith("@") else row
    if target is None:
        raise CheckError(f"formula {name}: expected cell is empty")
    tol = (target[1] + spread if tolerance is None else float(tolerance)) + 1e-9
    detail = TEXTS("formula", name=name, printed=target[2], expr=expr, computed=fmt(round(got, 4)),
                   diff=fmt(round(target[0] - got, 4)), tolerance=fmt(round(tol, 6)))
    detail += TEXTS("formula_note", note=note) if note else ""
    return [_finding("formula", abs(target[0] - got) <= tol, detail,
                     name=name, row=row, field=field, printed=target[2], computed=fmt(round(got, 4)),
                     tolerance=fmt(round(tol, 6)))]


CONSISTENCY_KEY = ("indicator_id", "geography", "period", "kind", "unit", "qualifier", "breakdown", "reference")


def _statement_tolerance(row: dict) -> float:
    """Half a unit of the last printed digit, converted like the value (9.89 亿 -> 50 万)."""
    printed, value = row["value_printed"], float(Decimal(row["value"]))
    factor = value / float(Decimal(printed)) if float(Decimal(printed)) else 1.0
    return half_unit(printed, row["unit_printed"] in ROUNDED_UNITS) * abs(factor)


def _same_number(difference: float, tolerance: float) -> bool:
    """Two printed values can be roundings of one number: closer than their half-units added
    (4.51 and 4.52 cannot be: [4.505, 4.515) and [4.515, 4.525) do not overlap)."""
    return abs(difference) <= 1e-9 or abs(difference) < tolerance - 1e-9


AT_LEAST = tuple(TEXTS.data("qualifiers_at_least"))
AT_MOST = tuple(TEXTS.data("qualifiers_at_most"))
ABOUT = tuple(TEXTS.data("qualifiers_about"))
AFTER = tuple(TEXTS.data("qualifiers_after"))  # printed after the number: 20以上, 50左右
ABOUT_SHARE = 0.1  # 约 / 左右: within 10 % of the number
RANGE_FROM = re.compile(r"(\d+(?:\.\d+)?)[" + re.escape(TEXTS.data("range_separators")) + "]")


def statement_bounds(row: dict) -> tuple[float, float]:
    """The values a statement allows: its number within printed precision, widened by its qualifier
    (20以上 -> [20, ∞), 近80 -> (-∞, 80], 50左右 -> [45, 55])."""
    value, tol, q = float(Decimal(row["value"])), _statement_tolerance(row), row.get("qualifier", "")
    low = RANGE_FROM.fullmatch(q)  # a range printed 7—8: its lower end in the qualifier, the upper in value
    if low:
        return float(low.group(1)) - tol, value + tol
    if q in AT_LEAST:
        return value - tol, float("inf")
    if q in AT_MOST:
        return float("-inf"), value + tol
    if q in ABOUT:
        spread = max(abs(value) * ABOUT_SHARE, tol)
        return value - spread, value + spread
    return value - tol, value + tol


def compatible(a: dict, b: dict) -> bool:
    """Whether two statements can both be true (their bounds overlap)."""
    (lo1, hi1), (lo2, hi2) = statement_bounds(a), statement_bounds(b)
    overlap = min(hi1, hi2) - max(lo1, lo2)
    # two roundings are half-open (4.51 and 4.52 touch at 4.515 but cannot both hold); an exact
    # number, a qualifier's or a range's end is closed (7 and 7—8 can)
    rounded = all(_statement_tolerance(r) > 0 and not r.get("qualifier") for r in (a, b))
    return overlap > 1e-9 if rounded else overlap > -1e-9


def _where(row: dict) -> str:
    number = fmt(float(Decimal(row["value"])))
    q = row.get("qualifier", "")
    qualified = f"{number}{q}" if q in AFTER else f"{q}{number}"
    return TEXTS("consistency_source", qualified=qualified, unit=row["unit"],
                 fact_id=row["fact_id"], package=row["source_package"], row=row["source_row"],
                 field=row["source_field"], line=row["source_line"])


def _distinct_statements(groups: dict, key: list[str] | None) -> dict[tuple, list[dict]]:
    """The statements new to their group (not repeats), regrouped without the qualifier."""
    names = list(key or CONSISTENCY_KEY)
    where = names.index("qualifier") if "qualifier" in names else None
    out: dict[tuple, list[dict]] = {}
    for group_key, members in groups.items():
        bare = group_key if where is None else group_key[:where] + group_key[where + 1:]
        out.setdefault(bare, []).extend(row for row, first in members if first is None)
    return out


def statement_groups(rows: list[dict], key: list[str] | None = None) -> dict[tuple, list[tuple[dict, dict | None]]]:
    """Mapped facts grouped by `key`; each fact paired with the earliest earlier fact of its group
    with the same value (within printed precision), or None when its value is new to the group."""
    groups: dict[tuple, list[tuple[dict, dict | None]]] = {}
    for row in rows:
        if not row.get("indicator_id"):
            continue
        members = groups.setdefault(tuple(row.get(k, "") for k in (key or CONSISTENCY_KEY)), [])
        value, tol = float(Decimal(row["value"])), _statement_tolerance(row)
        first = next((d for d, same in members if same is None
                      and _same_number(float(Decimal(d["value"])) - value, _statement_tolerance(d) + tol)), None)
        members.append((row, first))
    return groups


def check_consistency(t: Table, key: list[str] | None = None, name: str | None = None) -> list[dict]:
    """Fact table: one value per indicator, place, period, kind, unit and breakdown. A later
    statement equal to an earlier one (same qualifier, within printed precision) must be marked
    `repeat_of` it; distinct statements are compared with their qualifiers (以上, 左右, 超过 …):
    a pair that cannot both be true is a discrepancy naming both sources, different wordings that
    can is a note. Unmapped facts are not compared."""
    findings, agreeing = [], 0
    groups = statement_groups(t.rows, key)
    for group_key, members in groups.items():
        for row, first in members:
            expected = first["fact_id"] if first else ""
            if row.get("repeat_of", "") != expected:
                raise CheckError(f"consistency: {row['fact_id']} repeat_of is {row.get('repeat_of')!r}, "
                                 f"expected {expected!r}")
        if len(members) > 1 and all(first is not None for _, first in members[1:]):
            agreeing += 1
    for group_key, distinct in _distinct_statements(groups, key).items():
        if len(distinct) < 2:
            continue
        what = TEXTS("consistency_what_join").join(x for x in group_key[1:4] if x)
        sources = TEXTS("consistency_join").join(_where(d) for d in distinct)
        clash = next(((a, b) for i, a in enumerate(distinct) for b in distinct[i + 1:] if not compatible(a, b)), None)
        pair = clash or (distinct[0], distinct[1])
        words = dict(indicator=distinct[0]["indicator"], what=what, count=len(distinct), sources=sources)
        detail = TEXTS("consistency_differs", **words) if clash else TEXTS("consistency_compatible", **words)
        findings.append(_finding(
            "consistency", clash is None, detail, name=name,
            row="|".join(group_key[1:4]), field=group_key[0], printed=pair[0]["value"], computed=pair[1]["value"]))
    findings.append(_finding("consistency", True, TEXTS("consistency_agrees", count=agreeing), name=name))
    return findings


CHECKS = {"sum": check_sum, "share_sum": check_share_sum, "share": check_share,
          "growth": check_growth, "parts": check_parts, "ratio": check_ratio,
          "blocks": check_blocks, "formula": check_formula, "consistency": check_consistency}


FIELD_PARAMS = ("field", "text", "count", "share", "old", "new", "rate", "numerator", "denominator", "result")


NOTHING_TO_CHECK = {
    "sum": "the table has no total row (declare `totals:` in the recipe, or name the row with `total:`)",
    "share": "no row has both a count and a share, or the base row is empty",
    "share_sum": "the share field is empty in every data row",
}


def run_checks(rows: list[dict], fields: list[dict], specs: list[dict], label: str) -> list[dict]:
    """Run every declared check; a spec that does not fit, or that finds nothing to check,
    raises CheckError with the reason."""
    table = Table(rows, fields, label)
    findings: list[dict] = []
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("check"), str):
            raise CheckError(f"a check must be a mapping with `check: <kind>`, got {spec!r}")
        params = dict(spec)
        kind = params.pop("check")
        if kind not in CHECKS:
            raise CheckError(f"unknown check {kind!r} (known: {', '.join(CHECKS)})")
        named = [params[k] for k in FIELD_PARAMS if k in params] + list(params.get("fields") or [])
        if kind == "parts" and "fields" not in params:
            named += [params.get("whole")] + list(params.get("parts") or [])
        unknown = [n for n in named if n not in table.fields]
        if unknown:
            raise CheckError(f"check {kind}: unknown field(s) {', '.join(map(str, unknown))}")
        try:
            found = CHECKS[kind](table, **params)
        except TypeError as exc:
            raise CheckError(f"check {kind}: {exc}") from None
        if not found:
            what = spec.get("name") or ", ".join(str(n) for n in named)
            why = NOTHING_TO_CHECK.get(kind, "no row has all the values it needs")
            raise CheckError(f"check {kind} ({what}) cannot run: {why}")
        findings.extend(found)
    return findings
