"""Stage 1b: every published number as one row of the fact table (`datapackages/indicators/`).

Reads the extracted packages into DataFrames (model/frames.py), melts wide tables into one row
per numeric cell, concatenates the key figures, merges both with the indicator registry
(recipes/indicators.yaml), converts units only where the registry declares them commensurable,
marks repeated statements and writes the package with the project's own writer.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..errors import PortalError
from ..model.frames import package_frame
from ..model.reader import load_portal
from ..quality import statement_groups
from ..texts import Texts
from .registry import NEEDS_REFERENCE, Registry, load_registry

COLUMNS = ["fact_id", "indicator_id", "indicator", "wording", "geography", "period", "period_type", "value", "unit",
           "value_printed", "unit_printed", "qualifier", "kind", "reference", "repeat_of", "source_package",
           "source_row", "source_field", "report", "source_line", "breakdown", "unmapped_reason"]
CELL_KEYS = ("indicator", "period", "kind", "unit", "breakdown", "geography", "reference", "period_type")
YEAR = re.compile(r"\d{4}")
LEVEL_KINDS = ("actual", "baseline", "target", "share", "rank")


def row_keys(pkg, df: pd.DataFrame) -> pd.Series:
    """The key of each row in its package: the primary key value(s), else `line-<source line>`."""
    pk = pkg.resource.get("schema", {}).get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    if pk:
        return df[pk].astype(str).agg("/".join, axis=1)
    return "line-" + df["source_line"].astype(str)


def cell_frame(spec: dict, key: str, prefix: str) -> pd.DataFrame:
    """A mapping {key value: str | {indicator, period, …}} as a frame with prefixed columns."""
    records = []
    for name, cell in spec.items():
        cell = {"slug": cell} if isinstance(cell, str) else dict(cell)
        records.append({key: str(name), **{f"{prefix}{k}": cell.get(k, "") for k in ("slug", *CELL_KEYS)}})
    columns = [key] + [f"{prefix}{k}" for k in ("slug", *CELL_KEYS)]
    return pd.DataFrame(records, columns=columns, dtype=object)


def check_mapping(pkg, mapping: dict, keys: pd.Series) -> None:
    """A `tables:` entry names only columns and rows the package has (a typo would silently unmap)."""
    def refuse(message, field):
        raise PortalError(message, package=pkg.name, file="indicators.yaml", field=field)

    numeric = {f.name for f in pkg.content_fields if f.numeric}
    for name in mapping["fields"]:
        if name not in numeric:
            refuse(f"tables: field {name!r} is not a numeric field of {pkg.name}", f"fields/{name}")
    for key in ("geography_from", "breakdown_from", "unit_from"):
        if key in mapping and mapping[key] not in {f.name for f in pkg.fields}:
            refuse(f"tables: {key} names {mapping[key]!r}, not a field of {pkg.name}", key)
    for row in mapping.get("rows", {}):
        if row not in set(keys):
            refuse(f"tables: row {row!r} is not a row key of {pkg.name}", f"rows/{row}")


def table_cells(pkg, mapping: dict) -> pd.DataFrame:
    """The package melted to one row per non-empty numeric cell, merged with the field and row
    mappings (columns f_* and r_*), in reading order (row by row, fields in schema order)."""
    df = package_frame(pkg, raw=True)
    df["source_row"] = row_keys(pkg, df)
    check_mapping(pkg, mapping, df["source_row"])
    numeric = [f.name for f in pkg.content_fields if f.numeric]
    # the clean label the charts use (no footnote marks) where the table has one, else the row label
    label = pkg.display.get("category") or pkg.descriptor.get("x-row-label") or pkg.content_fields[0].name
    extra = sorted(c for c in {label, mapping.get("geography_from"), mapping.get("breakdown_from"),
                               mapping.get("unit_from"), "parent", "row_type"} if c)
    long = df.melt(id_vars=["source_row", "source_line", *extra], value_vars=numeric,
                   var_name="source_field", value_name="value_printed")
    long["row_pos"], long["field_pos"] = long.index % len(df), long.index // len(df)
    long = long[~long["value_printed"].isin(["", *pkg.missing_values])]  # printed markers (-, /) are missing
    long = long.merge(cell_frame(mapping["fields"], "source_field", "f_"), on="source_field", how="left")
    long = long.merge(cell_frame(mapping.get("rows", {}), "source_row", "r_"), on="source_row", how="left")
    long["label"] = long[label]
    return long.fillna("").sort_values(["row_pos", "field_pos"], kind="stable")


def cell_fact(r, pkg, mapping: dict, reg: Registry) -> dict:
    """Indicator, place, period, unit, kind and part of one cell: the row's mapping first, then the
    field's, then the table's (a total row is the whole, never a part)."""
    field = pkg.field(r.source_field)

    def column(key: str) -> str:  # the cell's row, read in the column the mapping names for `key`
        return getattr(r, mapping[key]) if key in mapping else ""

    # a row mapped to another indicator than its field's is that indicator's whole, not a part
    own_indicator = bool(r.r_indicator) and r.r_indicator != r.f_indicator

    return {
        "indicator_id": table_indicator(r),
        "indicator": f"{r.parent + ' ' if r.label == '' else ''}{r.label} · {field.title}".strip(),
        "geography": (r.r_geography or r.f_geography or mapping.get("geography")
                      or reg.geography(column("geography_from"))),
        "period": r.f_period, "qualifier": "",
        "unit_printed": r.r_unit or r.f_unit or column("unit_from") or field.unit,
        "kind": r.r_kind or r.f_kind or "actual", "reference": r.r_reference or r.f_reference,
        "period_type": r.r_period_type or r.f_period_type or mapping.get("period_type", ""), "sign": "",
        "unmapped_reason": "" if table_indicator(r) else mapping.get("unmapped_reason", ""),
        "breakdown": r.r_breakdown or r.f_breakdown or (column("breakdown_from") if r.row_type != "total"
                                                        and not own_indicator else ""),
        "value_printed": r.value_printed, "source_row": r.source_row, "source_field": r.source_field,
        "source_line": r.source_line}


def table_facts(pkg, reg: Registry) -> pd.DataFrame:
    """One row per non-empty numeric cell of a table package, mapped by its `tables:` entry."""
    mapping = reg.tables.get(pkg.name, {"fields": {}})
    return pd.DataFrame([cell_fact(r, pkg, mapping, reg) for r in table_cells(pkg, mapping).itertuples()])


def table_indicator(r) -> str:
    """The indicator of one cell: the row's own indicator, else the field's (a template with {row}
    needs the row's slug: rows without one stay unmapped)."""
    if r.r_indicator:
        return r.r_indicator
    if "{row}" in r.f_indicator:
        return r.f_indicator.replace("{row}", r.r_slug) if r.r_slug else ""
    return r.f_indicator


def key_figure_facts(pkg, reg: Registry) -> pd.DataFrame:
    """One row per key figure, given its meaning by its row of meaning/<slug>.csv (kind, reference,
    sign, period, period type; the indicator there, else the wording's alias in the registry:
    simplified form first, then as printed, e.g. traditional script)."""
    df = package_frame(pkg, raw=True)
    meanings = meaning_frame(pkg, df, reg)
    columns = ["a_indicator", "a_kind", "a_period", "a_breakdown"]
    aliases = pd.DataFrame([(text, *(x or "" for x in target)) for text, target in reg.aliases.items()],
                           columns=["alias", *columns], dtype=object)
    simplified = df.merge(aliases, left_on="indicator_simplified", right_on="alias", how="left")
    printed = df.merge(aliases, left_on="indicator", right_on="alias", how="left")
    merged = simplified.combine_first(printed[columns]).fillna("").merge(meanings, on="id", how="left")
    check_alias_kinds(merged, pkg)
    unmapped = merged["m_unmapped_reason"] != ""
    indicator_id = merged["m_indicator_id"].where(merged["m_indicator_id"] != "", merged["a_indicator"])
    return pd.DataFrame({
        "indicator_id": indicator_id.where(~unmapped, "").values,
        "indicator": merged["indicator_simplified"].values,
        "geography": merged["geography"].map(reg.geography).values,
        "period": first_of(merged["m_period"], merged["a_period"], merged["period"].map(iso_period)).values,
        "period_type": merged["m_period_type"].values,
        "unit_printed": merged["unit"].values, "qualifier": merged["qualifier"].values,
        "kind": merged["m_kind"].values, "reference": merged["m_reference"].values, "sign": merged["m_sign"].values,
        "breakdown": first_of(merged["m_breakdown"], merged["a_breakdown"]).values,
        "unmapped_reason": merged["m_unmapped_reason"].values,
        "value_printed": merged["value"].values, "source_row": merged["id"].values,
        "source_field": "value", "source_line": merged["source_line"].values})


def first_of(*columns: pd.Series) -> pd.Series:
    """Per row, the first non-empty value of the columns (in order)."""
    out = columns[-1]
    for col in reversed(columns[:-1]):
        out = col.where(col != "", out)
    return out


def meaning_frame(pkg, df: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """The meaning rows of a key-figure package (columns m_*), one per figure: a figure without a
    row, a row without a figure, or a row whose wording is not its figure's is refused."""
    rows = {kf: m for (package, kf), m in reg.meanings.items() if package == pkg.name}
    shown = f"meaning/{pkg.report.slug}.csv"
    for kf, wording in zip(df["id"], df["indicator_simplified"]):
        if kf not in rows:
            raise PortalError(f"key figure {kf} has no meaning row (kind, reference, indicator or reason)",
                              package=pkg.name, file=shown, field="id")
        if rows[kf]["wording"] != wording:
            raise PortalError(f"the row of {kf} says {rows[kf]['wording']!r}, the figure is {wording!r}",
                              package=pkg.name, file=shown, row=rows[kf]["line"], field="wording")
    extra = sorted(set(rows) - set(df["id"]))
    if extra:
        raise PortalError(f"meaning row(s) for figure(s) the package lacks: {', '.join(extra[:5])}",
                          package=pkg.name, file=shown, row=rows[extra[0]]["line"], field="id")
    keys = ["kind", "reference", "sign", "period", "period_type", "indicator_id", "breakdown", "unmapped_reason"]
    return pd.DataFrame([{"id": kf, **{f"m_{k}": m[k] for k in keys}} for kf, m in rows.items()],
                        columns=["id", *(f"m_{k}" for k in keys)], dtype=object)


def check_alias_kinds(merged: pd.DataFrame, pkg) -> None:
    """A wording listed as a growth/rank/share/other of an indicator is that kind: a meaning row
    giving it another kind while taking the alias's indicator contradicts the registry."""
    takes_alias = (merged["m_indicator_id"] == "") & (merged["m_unmapped_reason"] == "") & (merged["a_kind"] != "")
    bad = merged[takes_alias & (merged["a_kind"] != merged["m_kind"])]
    for r in bad.head(1).itertuples():
        raise PortalError(f"{r.id} ({r.indicator_simplified}) is listed under {r.a_indicator} as {r.a_kind}, "
                          f"its meaning row says {r.m_kind}", package=pkg.name,
                          file=f"meaning/{pkg.report.slug}.csv", field="kind")


def iso_period(text: str) -> str:
    """`2016-2020` (a span of years) -> `2016/2020`; `2020-12`, `2020-H1`, `2020-01/2020-09` unchanged."""
    parts = text.split("-")
    if len(parts) == 2 and all(len(p) == 4 and p.isdigit() for p in parts):
        return "/".join(parts)
    return text


PERIODS = Texts.beside(__file__, "periods.yaml")  # the words of a growth's base (2020年3月, 上年同期)
MONTH, YEAR_END = re.compile(PERIODS.data("month")), re.compile(PERIODS.data("year_end"))
PREVIOUS = tuple(PERIODS.data("previous"))


def compared(period: str, reference: str) -> str:
    """A growth's period as the two moments it compares, `BASE/END`, when its reference names the
    base (2020年3月 -> 2020-03/2020-12; 2019年底; 上年同期 -> the same label a year before);
    otherwise (全国平均, 年均, an interval already) the period unchanged."""
    if "/" in period or not YEAR.match(period):
        return period
    m = MONTH.search(reference) or YEAR_END.search(reference)
    if m:
        base = f"{m.group(1)}-{int(m.group(2)):02d}" if m.re is MONTH else f"{m.group(1)}-12"
        return f"{base}/{period}" if base < period else period
    if reference in PREVIOUS:
        return f"{int(period[:4]) - 1}{period[4:]}/{period}"
    return period


def signed(text: str, sign: str) -> str:
    """A decrease as a negative number, its printed digits kept (159.0 -> -159.0)."""
    if sign != "-":
        return text
    return text[1:] if text.startswith("-") else ("-" + text if Decimal(text) != 0 else text)


def decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def canonical(facts: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """Canonical name, unit and period type from the registry; the value converted where the units
    are commensurable, negative for a decrease; one label per moment (a year-end stock printed
    `2020` is `2020-12`)."""
    names = pd.DataFrame([(i, e["name"], e["unit"], e["period_type"]) for i, e in reg.indicators.items()],
                         columns=["indicator_id", "name", "indicator_unit", "indicator_period_type"], dtype=object)
    facts = facts.merge(names, on="indicator_id", how="left")
    facts["indicator"] = facts["name"].where(facts["name"].notna(), facts["indicator"])
    # instant/duration is a property of the measure: a level, target, share or rank of an indicator
    # takes the indicator's; a growth (a change over a span) and an unmapped figure their own
    own = facts["period_type"].fillna("")
    measure = facts["indicator_period_type"].fillna("")
    facts["period_type"] = measure.where((measure != "") & facts["kind"].isin(LEVEL_KINDS), first_of(own, measure))
    facts["period"] = [f"{p}-12" if t == "instant" and YEAR.fullmatch(p) else p
                       for p, t in zip(facts["period"], facts["period_type"])]
    facts["period"] = [compared(p, r) if k == "growth" else p
                       for p, r, k in zip(facts["period"], facts["reference"], facts["kind"])]
    factors = [reg.factor(u, p) if isinstance(u, str) else None
               for u, p in zip(facts["indicator_unit"], facts["unit_printed"])]
    facts["unit"] = [u if f is not None else p for u, p, f in zip(facts["indicator_unit"], facts["unit_printed"], factors)]
    facts["value"] = [signed(v if f in (None, 1) else decimal_text(Decimal(v) * f), s)
                      for v, f, s in zip(facts["value_printed"], factors, facts["sign"])]
    return facts.drop(columns=["name", "indicator_unit", "indicator_period_type", "sign"])


PENDING = "TODO"  # what extraction writes where a maintainer still owes an answer; validate refuses it


def mark_pending(facts: pd.DataFrame) -> pd.DataFrame:
    """A fact on no indicator without a reason, or a share or rank without a reference, gets `TODO`
    there (so a report under review still extracts; `make validate` then names each such row); a
    fact without a period type is refused at once."""
    for r in facts[facts["period_type"] == ""].head(1).itertuples():
        raise PortalError(f"{r.source_row} ({r.indicator}) has no period_type", package=r.source_package,
                          file=meaning_or_registry(r), field="period_type")
    facts = facts.copy()
    facts.loc[(facts["indicator_id"] == "") & (facts["unmapped_reason"] == ""), "unmapped_reason"] = PENDING
    facts.loc[facts["kind"].isin(NEEDS_REFERENCE) & (facts["reference"] == ""), "reference"] = PENDING
    return facts


def meaning_or_registry(r) -> str:
    return f"meaning/{r.report}.csv" if r.source_package.endswith("-key-figures") else "indicators.yaml"


def build_facts(packages_dir: Path, recipes_dir: Path) -> tuple[pd.DataFrame, list]:
    """The fact table (columns COLUMNS, all text) and the source reports, from extracted packages."""
    reg = load_registry(recipes_dir)
    portal = load_portal(packages_dir)
    parts = []
    for pkg in portal.packages:
        frame = key_figure_facts(pkg, reg) if pkg.kind == "key-figures" else table_facts(pkg, reg)
        parts.append(frame.assign(source_package=pkg.name, report=pkg.report.slug))
    names = {p.name for p in portal.packages}
    unknown = sorted({*reg.tables, *(package for package, _ in reg.meanings)} - names)
    if unknown:
        raise PortalError(f"the registry maps package(s) that do not exist: {', '.join(unknown)}",
                          file="indicators.yaml")
    facts = pd.concat(parts, ignore_index=True)
    facts["wording"] = facts["indicator"]  # as the source words it, whatever indicator it joins
    facts = canonical(facts, reg)
    unknown = sorted(set(facts["indicator_id"]) - set(reg.indicators) - {""})
    if unknown:
        raise PortalError(f"mapped to unregistered indicator(s): {', '.join(unknown)}", file="indicators.yaml")
    facts = mark_pending(facts)
    facts["fact_id"] = [f"f{n:06d}" for n in range(1, len(facts) + 1)]
    facts = facts.astype(str)[[c for c in COLUMNS if c != "repeat_of"]]
    records = facts.to_dict("records")
    repeats = {row["fact_id"]: first["fact_id"] for members in statement_groups(records).values()
               for row, first in members if first is not None}
    facts["repeat_of"] = facts["fact_id"].map(repeats).fillna("")
    return facts[COLUMNS], portal.reports
