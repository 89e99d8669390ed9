"""The indicator layer as the pages read it: the registry and topics (YAML beside the recipes),
the fact table package (datapackages/indicators/, read by the one package reader) as a pandas
DataFrame, and the views the indicator, topic and plan pages need: each value with all the
sources that state it, the latest value of a place, the series of a place. Pure data:
indicator_pages.py and plan_tracker.py turn it into pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scripts.portal.errors import PortalError
from scripts.portal.indicators.registry import load_registry
from scripts.portal.model.reader import Package, load_package
from scripts.portal.texts import Texts
from scripts.portal.site.charts import fmt

T = Texts.beside(__file__, "indicator_texts.yaml")
LIAONING = T("places.liaoning")
NATION = T("places.nation")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")   # ids become file names and URLs
NOT_OBSERVED = ("target", "growth", "rank")        # kinds that are not the indicator's level
AFTER = tuple(T.data("qualifiers_after"))  # qualifiers printed after the number

FACT_FIELDS = ("fact_id", "indicator_id", "indicator", "geography", "period", "value", "unit", "value_printed",
               "unit_printed", "qualifier", "kind", "repeat_of", "source_package", "source_row",
               "source_field", "report", "source_line")


@dataclass
class Layer:
    indicators: list          # registry entries (dicts) in registry order
    topics: list              # topic entries sorted by their order
    facts: pd.DataFrame       # one row per mapped statement: FACT_FIELDS + row (data.csv line) + pkey
    findings: list            # the fact package's x-quality entries
    package: Package          # the fact table package
    by_id: dict = field(default_factory=dict)
    dataset_topics: dict = field(default_factory=dict)  # package name -> topic id (registry `tables`, key figures)

    def facts_of(self, indicator_id: str) -> pd.DataFrame:
        return self.facts[self.facts["indicator_id"] == indicator_id]

    def findings_of(self, indicator_id: str) -> list:
        return [q for q in self.findings if finding_indicator(q) == indicator_id]


# ---------------------------------------------------------------- loading

def load(facts_dir: Path, recipes_dir: Path) -> Layer | None:
    """The layer, or None when there is no fact table package (nothing to publish)."""
    facts_dir, recipes_dir = Path(facts_dir), Path(recipes_dir)
    if not (facts_dir / "datapackage.json").exists():
        return None
    pkg = load_package(facts_dir)
    missing = [f for f in FACT_FIELDS if f not in {x.name for x in pkg.fields}]
    if missing:
        raise PortalError(f"the fact table lacks the fields {', '.join(missing)}", package=pkg.name,
                          file="datapackage.json", field=missing[0])
    reg = load_registry(recipes_dir)  # the one reader of the registry: schema, markup, references, joins
    topics = sorted(reg.topics.values(), key=lambda t: (t["order"], t["id"]))
    indicators = [{**e, "aliases": reg.wordings(i)} for i, e in reg.indicators.items()]
    facts = frame(pkg)
    facts = facts[facts["indicator_id"] != ""]  # figures the registry leaves unmapped
    for _, r in facts[~facts["indicator_id"].isin(reg.indicators)].head(1).iterrows():
        raise PortalError(f"indicator_id '{r['indicator_id']}' is not in the registry", package=pkg.name,
                          file="data.csv", row=int(r["row"]), field="indicator_id")
    datasets = {f"{slug}-key-figures": t for slug, t in reg.key_figure_topics.items()}
    datasets.update({name: t["topic"] for name, t in reg.tables.items()})
    return Layer(indicators, topics, facts, list(pkg.quality), pkg, {i["id"]: i for i in indicators}, datasets)


def frame(pkg: Package) -> pd.DataFrame:
    """The fact rows as a DataFrame: text columns as printed ("" when empty), value as float."""
    df = pd.DataFrame(pkg.raw_rows, columns=[f.name for f in pkg.fields]).fillna("")
    df["value"] = pd.to_numeric(df["value"].where(df["value"] != ""), errors="coerce")
    df["row"] = range(2, len(df) + 2)
    df["pkey"] = df["period"].map(period_key)
    return df


def finding_indicator(q: dict) -> str:
    """The indicator a consistency finding is about: its indicator_id, else the check id's
    second part (``kind:indicator_id:...``)."""
    if q.get("indicator_id"):
        return str(q["indicator_id"])
    if q.get("check") == "consistency" and q.get("field"):  # structured: field = the indicator id
        return str(q["field"])
    parts = str(q.get("check", "")).split(":")
    return parts[1] if len(parts) > 1 else ""


# ---------------------------------------------------------------- views

def period_key(period: str) -> tuple:
    """Sortable (year, month) of a period as printed: 2020 -> (2020, 12), 2020-03 -> (2020, 3),
    2016/2020 and 2021-2025 -> their last year; no year -> (0, 0)."""
    text = str(period or "")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    years = re.findall(r"\d{4}", text)
    return (int(years[-1]), 12) if years else (0, 0)


def year_of(period: str) -> int | None:
    """The single year a period names (2020, 2020-12), or None for ranges and empty periods."""
    text = str(period or "")
    return int(text[:4]) if re.fullmatch(r"\d{4}(-\d{1,2})?", text) else None


def place_order(geo: str) -> tuple:
    return (0 if geo == LIAONING else 1 if geo == NATION else 2, geo)


def values(df: pd.DataFrame) -> list:
    """One entry per value: the stated fact and every statement repeating it.

    [{"fact": row, "sources": [row, ...]}] ordered by place (辽宁省, 全国, others), period, kind."""
    rows = df.to_dict("records")
    ids = {r["fact_id"] for r in rows}
    primary = [r for r in rows if not r["repeat_of"] or r["repeat_of"] not in ids]
    repeats: dict = {}
    for r in rows:
        if r["repeat_of"] in ids:
            repeats.setdefault(r["repeat_of"], []).append(r)
    out = [{"fact": r, "sources": [r] + repeats.get(r["fact_id"], [])} for r in primary]
    out.sort(key=lambda v: (place_order(v["fact"]["geography"]), v["fact"]["pkey"], v["fact"]["kind"]))
    return out


def level_facts(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Statements of the indicator's level (not targets, growth or ranks; repeats left out),
    in the registry unit when there are any in it."""
    lv = df[~df["kind"].isin(NOT_OBSERVED) & (df["repeat_of"] == "") & df["value"].notna()]
    if "breakdown" in df.columns:  # a part of the indicator (one company, one holder) is not its level
        lv = lv[lv["breakdown"] == ""]
    same = lv[lv["unit"] == unit]
    return same if len(same) else lv


def latest(df: pd.DataFrame, unit: str, geography: str | None = None) -> dict | None:
    """The latest level value: of `geography`, else of 辽宁省, else 全国, else any place."""
    lv = level_facts(df, unit)
    if geography is not None:
        lv = lv[lv["geography"] == geography]
    if lv.empty:
        return None
    place = min(lv["geography"], key=place_order)
    mine = lv[lv["geography"] == place]
    return mine.loc[mine["pkey"].idxmax()].to_dict() if len(mine) else None


def series(df: pd.DataFrame, unit: str) -> dict:
    """{geography: [(period, value, fact)] by period} of level values in one unit (a period
    stated with two values keeps the first; the finding says so)."""
    lv = level_facts(df, unit)
    if lv.empty:
        return {}
    lv = lv[lv["unit"] == lv["unit"].mode().iloc[0]] if unit not in set(lv["unit"]) else lv[lv["unit"] == unit]
    out = {}
    for geo, g in lv.sort_values(["pkey", "row"]).groupby("geography", sort=False):
        pts = g.drop_duplicates("period")
        out[geo] = [(r["period"], float(r["value"]), r) for r in pts.to_dict("records")]
    return dict(sorted(out.items(), key=lambda kv: place_order(kv[0])))


def targets(df: pd.DataFrame) -> list:
    """Target statements (not repeats) with a single-year period and a value."""
    t = df[(df["kind"] == "target") & (df["repeat_of"] == "") & df["value"].notna()]
    return [r for r in t.to_dict("records") if year_of(r["period"])]


def display_value(fact: dict, printed: bool = True) -> str:
    """A value for readers: qualifier, number with thousands separators, unit; as printed in
    the source (value_printed, unit_printed) or in the registry's canonical unit."""
    v = fact.get("value")
    if printed and fact.get("value_printed"):
        text, unit = fmt_number(fact["value_printed"]), fact.get("unit_printed") or fact.get("unit") or ""
    elif v is not None and not pd.isna(v):
        text, unit = fmt(float(v)), fact.get("unit") or ""
    else:
        return ""
    sep = "" if not unit or unit in ("%", "‰") else " "
    q = fact.get("qualifier") or ""
    return f"{text}{sep}{unit}{q}" if q in AFTER else f"{q}{text}{sep}{unit}"


def converted(fact: dict) -> bool:
    """Whether the registry converted the printed value (9.89 亿 -> 98,900 万人), not only
    renamed its unit (万 -> 万人)."""
    try:
        return float(fact["value_printed"]) != float(fact["value"])
    except (TypeError, ValueError, KeyError):
        return False


def fmt_number(text: str) -> str:
    m = re.fullmatch(r"(-?)(\d+)(\.\d+)?", str(text))
    if not m:
        return str(text)
    sign, whole, frac = m.groups()
    return f"{sign}{int(whole):,}{frac or ''}"


def search_answer(df: pd.DataFrame, unit: str) -> str:
    """'辽宁省 3,052.1 万人（2020-12）': the latest value of 辽宁省, else 全国, else a place."""
    fact = latest(df, unit)
    if fact is None:
        fact = next((v["fact"] for v in values(df)), None)
    if fact is None:
        return ""
    text = f"{fact['geography']} {display_value(fact, printed=False)}"
    return T("search_answer", text=text, period=fact["period"]) if fact["period"] else text
