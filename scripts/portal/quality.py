"""Quality checks: what the numbers of a table promise about each other.

Each check is a small function taking the rows (dicts of printed strings), the
schema fields and its own parameters, and returning findings
`{"check", "status": "pass"|"discrepancy", "detail"}`. Tolerances follow the
printed precision: half a unit of the last printed digit of every rounded input.
"""

from __future__ import annotations

import re
from decimal import Decimal

ROUNDED_UNITS = {"万", "亿", "%", "万人", "亿元", "万元", "万户", "KB", "个百分点", "万家", "万个", "万座", "亿个"}


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
        self._padding: dict[str, int] = {}

    def padding(self, field: str) -> int:
        """Decimals that are padding: if every value of a column ends in 0 (`30.60`, `24.00`),
        the column was rounded to fewer decimals than printed."""
        if field not in self._padding:
            values = [r.get(field, "") for r in self.rows if "." in r.get(field, "")]
            pad = 0
            while values and all(len(v.split(".")[1]) > pad and v[len(v) - 1 - pad] == "0" for v in values):
                pad += 1
            self._padding[field] = pad
        return self._padding[field]

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
        return [r for r in self.rows if r.get("row_type", "data") == "data"]

    def value(self, row: dict, field: str) -> tuple[float, float, str] | None:
        if field not in self.fields:
            raise CheckError(f"unknown field {field}")
        text = row.get(field, "")
        if text == "":
            return None
        if "." in text and self.padding(field):
            places = decimals(text) - self.padding(field)
            unit = 0.5 * 10 ** -places
        else:
            unit = half_unit(text, self.rounded(field))
        return float(Decimal(text)), unit, text


def _finding(name: str, ok: bool, detail: str) -> dict:
    return {"check": name, "status": "pass" if ok else "discrepancy", "detail": detail}


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
            name or f"sum:{field}:{label}", abs(diff) <= tol,
            f"“{label}”行 {field} 印为 {got[2]}，{len(values)} 行之和为 {fmt(s)}，差 {fmt(diff)}（容差 {fmt(tol)}）"))
    return findings


def check_share_sum(t: Table, field: str, expect: float = 100.0, name: str | None = None) -> list[dict]:
    """Shares of the data rows add up to 100 (%)."""
    values = [v for v in (t.value(r, field) for r in t.data_rows()) if v is not None]
    s = sum(v[0] for v in values)
    tol = sum(v[1] for v in values) + 1e-9
    return [_finding(name or f"share_sum:{field}", abs(s - expect) <= tol,
                     f"{field} 各行之和为 {fmt(s)}，应为 {fmt(expect)}，差 {fmt(s - expect)}（容差 {fmt(tol)}）")]


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
    return [_finding(name or f"{kind}:{field}:{label}", abs(r[0] - expect) <= tol,
                     f"“{label}” {field} 印为 {r[2]}，按 {a[2]} / {b[2]} 计算为 {expect:.3f}（容差 {fmt(tol)}）")]


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
            name or f"growth:{rate}:{label}", abs(r[0] - expect) <= tol,
            f"“{label}” 增长率印为 {r[2]}%，按 {o[2]} → {n[2]} 计算为 {expect:.2f}%（容差 {fmt(tol)}）"))
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
                name or f"parts:{whole}:{label}", abs(w[0] - s) <= tol,
                f"“{label}” {whole} 印为 {w[2]}，{'+'.join(parts)} = {fmt(s)}（容差 {fmt(tol)}）"))
        return findings
    whole_row, part_rows = t.row(whole), [t.row(p) for p in parts]
    for field in fields:
        w = t.value(whole_row, field)
        result = _sum_of_parts(w, [t.value(r, field) for r in part_rows])
        if result is None:
            continue
        s, tol = result
        findings.append(_finding(
            name or f"parts:{whole}:{field}", abs(w[0] - s) <= tol,
            f"{field}：“{whole}” 印为 {w[2]}，{' + '.join(parts)} = {fmt(s)}，差 {fmt(w[0] - s)}（容差 {fmt(tol)}）"))
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
            name or f"blocks:{text}:{label}", total == c[0],
            f"“{label}” 折合数 {written} = {total:,} 个地址，印出的地址数为 {c[2]}，差 {fmt(total - c[0])}"))
    return findings


REF = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")
LITERAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")


def check_formula(t: Table, expr: str, expect: dict, name: str, note: str = "",
                  tolerance: float | None = None) -> list[dict]:
    """A printed value equals a formula of other printed values. `{label|field}` names a cell;
    decimal literals count as rounded printed numbers. The tolerance is the printed precision of
    the expected value plus the effect of every input's rounding (evaluated numerically), unless
    `tolerance` is given (0 for the same printed figure in two tables)."""
    inputs: list[tuple[float, float]] = []

    def ref(match):
        v = t.value(t.row(match.group(1).strip()), match.group(2).strip())
        if v is None:
            raise CheckError(f"formula {name}: empty cell {match.group(0)}")
        inputs.append((v[0], v[1]))
        return f"x[{len(inputs) - 1}]"

    def lit(match):
        inputs.append((float(match.group(1)), half_unit(match.group(1), True)))
        return f"x[{len(inputs) - 1}]"

    code = LITERAL.sub(lit, REF.sub(ref, expr))
    if re.search(r"[^\dx\[\]\s+\-*/().]", code):
        raise CheckError(f"formula {name}: only numbers, cells and + - * / ( ) are allowed")
    values = [v for v, _ in inputs]
    evaluate = lambda xs: eval(code, {"__builtins__": {}}, {"x": xs})  # noqa: E731 (checked above)
    got = evaluate(values)
    spread = 0.0
    for i, (v, h) in enumerate(inputs):
        if h:
            up, down = list(values), list(values)
            up[i], down[i] = v + h, v - h
            spread += max(abs(evaluate(up) - got), abs(evaluate(down) - got))
    if "value" in expect:  # a printed constant, e.g. 100 (%) that shares should add up to
        text = str(expect["value"])
        target = (float(text), half_unit(text, False), text)
    else:
        target = t.value(t.row(expect["row"]), expect["field"])
    if target is None:
        raise CheckError(f"formula {name}: expected cell is empty")
    tol = (target[1] + spread if tolerance is None else float(tolerance)) + 1e-9
    detail = (f"{name}：印为 {target[2]}，按 {expr} 计算为 {fmt(round(got, 4))}，"
              f"差 {fmt(round(target[0] - got, 4))}（容差 {fmt(round(tol, 6))}）")
    return [_finding(f"formula:{name}", abs(target[0] - got) <= tol, detail + (f"。{note}" if note else ""))]


CONSISTENCY_KEY = ("indicator_id", "geography", "period", "kind", "unit", "qualifier", "breakdown")


def _statement_tolerance(row: dict) -> float:
    """Half a unit of the last printed digit, converted like the value (9.89 亿 -> 50 万)."""
    printed, value = row["value_printed"], float(Decimal(row["value"]))
    factor = value / float(Decimal(printed)) if float(Decimal(printed)) else 1.0
    return half_unit(printed, row["unit_printed"] in ROUNDED_UNITS) * abs(factor)


def _same_number(difference: float, tolerance: float) -> bool:
    """Two printed values can be roundings of one number: closer than their half-units added
    (4.51 and 4.52 cannot be: [4.505, 4.515) and [4.515, 4.525) do not overlap)."""
    return abs(difference) <= 1e-9 or abs(difference) < tolerance - 1e-9


def _where(row: dict) -> str:
    return (f"{fmt(float(Decimal(row['value'])))} {row['unit']}（{row['fact_id']}：{row['source_package']} "
            f"{row['source_row']} {row['source_field']}，第{row['source_line']}行）")


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
    """Fact table: one value per indicator, place, period, kind, unit and qualifier. A later
    statement equal to an earlier one (within printed precision) must be marked `repeat_of` it;
    a different value is a discrepancy naming both sources. Unmapped facts are not compared."""
    findings, agreeing = [], 0
    for group_key, members in statement_groups(t.rows, key).items():
        for row, first in members:
            expected = first["fact_id"] if first else ""
            if row.get("repeat_of", "") != expected:
                raise CheckError(f"consistency: {row['fact_id']} repeat_of is {row.get('repeat_of')!r}, "
                                 f"expected {expected!r}")
        distinct = [row for row, first in members if first is None]
        if len(distinct) > 1:
            what = "，".join(x for x in group_key[1:4] if x)
            findings.append(_finding(f"{name or 'consistency'}:{':'.join(group_key[:4])}", False,
                                     f"“{distinct[0]['indicator']}”（{what}）有 {len(distinct)} 个不同数值："
                                     + "；".join(_where(d) for d in distinct)))
        elif len(members) > 1:
            agreeing += 1
    findings.append(_finding(f"{name or 'consistency'}:repeats", True,
                             f"{agreeing} 组（同一指标、地区、时期、类型）被陈述多次且数值一致，后出现者标为 repeat_of"))
    return findings

CHECKS = {"sum": check_sum, "share_sum": check_share_sum, "share": check_share,
          "growth": check_growth, "parts": check_parts, "ratio": check_ratio,
          "blocks": check_blocks, "formula": check_formula, "consistency": check_consistency}


FIELD_PARAMS = ("field", "text", "count", "share", "old", "new", "rate", "numerator", "denominator", "result")


def run_checks(rows: list[dict], fields: list[dict], specs: list[dict], label: str) -> list[dict]:
    """Run every declared check; a spec that does not fit raises CheckError."""
    table = Table(rows, fields, label)
    findings: list[dict] = []
    for spec in specs:
        params = dict(spec)
        kind = params.pop("check")
        if kind not in CHECKS:
            raise CheckError(f"unknown check {kind!r}")
        named = [params[k] for k in FIELD_PARAMS if k in params] + list(params.get("fields") or [])
        if kind == "parts" and "fields" not in params:
            named += [params.get("whole")] + list(params.get("parts") or [])
        unknown = [n for n in named if n not in table.fields]
        if unknown:
            raise CheckError(f"check {kind}: unknown field(s) {', '.join(map(str, unknown))}")
        try:
            findings.extend(CHECKS[kind](table, **params))
        except TypeError as exc:
            raise CheckError(f"check {kind}: {exc}") from None
    return findings
