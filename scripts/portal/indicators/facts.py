"""Stage 1b: every published number as one row of the fact table (`datapackages/indicators/`).

Reads the extracted packages into DataFrames (model/frames.py), melts wide tables into one row
per numeric cell, concatenates the key figures, merges both with the indicator registry
(recipes/indicators.yaml), converts units only where the registry declares them commensurable,
marks repeated statements and writes the package with the project's own writer.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..errors import PortalError
from ..model.frames import package_frame
from ..model.reader import load_portal
from ..quality import statement_groups
from .registry import Registry, load_registry

COLUMNS = ["fact_id", "indicator_id", "indicator", "geography", "period", "value", "unit",
           "value_printed", "unit_printed", "qualifier", "kind", "repeat_of", "source_package",
           "source_row", "source_field", "report", "source_line", "breakdown"]
CELL_KEYS = ("indicator", "period", "kind", "unit", "breakdown", "geography")


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

    return {
        "indicator_id": table_indicator(r),
        "indicator": f"{r.parent + ' ' if r.label == '' else ''}{r.label} · {field.title}".strip(),
        "geography": (r.r_geography or r.f_geography or mapping.get("geography")
                      or reg.geography(column("geography_from"))),
        "period": r.f_period, "qualifier": "",
        "unit_printed": r.r_unit or r.f_unit or column("unit_from") or field.unit,
        "kind": r.r_kind or r.f_kind or "actual",
        "breakdown": r.r_breakdown or r.f_breakdown or (column("breakdown_from") if r.row_type != "total" else ""),
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
    """One row per key figure, its wording looked up among the registry's aliases (simplified
    form first, then as printed, e.g. traditional script)."""
    df = package_frame(pkg, raw=True)
    columns = ["a_indicator", "a_kind", "a_period", "a_breakdown"]
    aliases = pd.DataFrame([(text, *(x or "" for x in target)) for text, target in reg.aliases.items()],
                           columns=["alias", *columns], dtype=object)
    simplified = df.merge(aliases, left_on="indicator_simplified", right_on="alias", how="left")
    printed = df.merge(aliases, left_on="indicator", right_on="alias", how="left")
    merged = simplified.combine_first(printed[columns]).fillna("")
    overrides = pd.DataFrame([{"id": kf, "o_indicator": e.get("indicator", None), "o_kind": e.get("kind", ""),
                               "o_breakdown": e.get("breakdown", "")}
                              for (package, kf), e in reg.key_figures.items() if package == pkg.name],
                             columns=["id", "o_indicator", "o_kind", "o_breakdown"], dtype=object)
    missing = sorted(set(overrides["id"]) - set(df["id"]))
    if missing:
        raise PortalError(f"key_figures: {', '.join(missing)} not in {pkg.name}", package=pkg.name,
                          file="indicators.yaml", field="key_figures")
    merged = merged.merge(overrides, on="id", how="left")
    indicator_id = merged["o_indicator"].where(merged["o_indicator"].notna(), merged["a_indicator"])
    own_kind = merged["kind"].map({"fact": "actual", "target": "target"})
    kind = merged["o_kind"].fillna("").where(merged["o_kind"].fillna("") != "", merged["a_kind"])
    return pd.DataFrame({
        "indicator_id": indicator_id.fillna("").values,
        "indicator": merged["indicator_simplified"].values,
        "geography": merged["geography"].map(reg.geography).values,
        "period": merged["a_period"].where(merged["a_period"] != "", merged["period"].map(iso_period)).values,
        "unit_printed": merged["unit"].values, "qualifier": merged["qualifier"].values,
        "kind": kind.where(kind != "", own_kind).values,
        "breakdown": merged["o_breakdown"].fillna("").where(merged["o_breakdown"].fillna("") != "",
                                                            merged["a_breakdown"]).values,
        "value_printed": merged["value"].values, "source_row": merged["id"].values,
        "source_field": "value", "source_line": merged["source_line"].values})


def iso_period(text: str) -> str:
    """`2016-2020` (a span of years) -> `2016/2020`; `2020-12`, `2020-H1`, `2020-01/2020-09` unchanged."""
    parts = text.split("-")
    if len(parts) == 2 and all(len(p) == 4 and p.isdigit() for p in parts):
        return "/".join(parts)
    return text


def decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def canonical(facts: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """Canonical name and unit from the registry; the value converted where the units are commensurable."""
    names = pd.DataFrame([(i, e["name"], e["unit"]) for i, e in reg.indicators.items()],
                         columns=["indicator_id", "name", "indicator_unit"], dtype=object)
    facts = facts.merge(names, on="indicator_id", how="left")
    facts["indicator"] = facts["name"].where(facts["name"].notna(), facts["indicator"])
    factors = [reg.factor(u, p) if isinstance(u, str) else None
               for u, p in zip(facts["indicator_unit"], facts["unit_printed"])]
    facts["unit"] = [u if f is not None else p for u, p, f in zip(facts["indicator_unit"], facts["unit_printed"], factors)]
    facts["value"] = [v if f is None or f == 1 else decimal_text(Decimal(v) * f)
                      for v, f in zip(facts["value_printed"], factors)]
    return facts.drop(columns=["name", "indicator_unit"])


def build_facts(packages_dir: Path, recipes_dir: Path) -> tuple[pd.DataFrame, list]:
    """The fact table (columns COLUMNS, all text) and the source reports, from extracted packages."""
    reg = load_registry(recipes_dir)
    portal = load_portal(packages_dir)
    parts = []
    for pkg in portal.packages:
        frame = key_figure_facts(pkg, reg) if pkg.kind == "key-figures" else table_facts(pkg, reg)
        parts.append(frame.assign(source_package=pkg.name, report=pkg.report.slug))
    names = {p.name for p in portal.packages}
    unknown = sorted({*reg.tables, *(package for package, _ in reg.key_figures)} - names)
    if unknown:
        raise PortalError(f"the registry maps package(s) that do not exist: {', '.join(unknown)}",
                          file="indicators.yaml")
    facts = canonical(pd.concat(parts, ignore_index=True), reg)
    unknown = sorted(set(facts["indicator_id"]) - set(reg.indicators) - {""})
    if unknown:
        raise PortalError(f"mapped to unregistered indicator(s): {', '.join(unknown)}", file="indicators.yaml")
    facts["fact_id"] = [f"f{n:06d}" for n in range(1, len(facts) + 1)]
    facts = facts.astype(str)[[c for c in COLUMNS if c != "repeat_of"]]
    records = facts.to_dict("records")
    repeats = {row["fact_id"]: first["fact_id"] for members in statement_groups(records).values()
               for row, first in members if first is not None}
    facts["repeat_of"] = facts["fact_id"].map(repeats).fillna("")
    return facts[COLUMNS], portal.reports
