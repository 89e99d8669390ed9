"""The indicator registry (recipes/indicators.yaml + topics.yaml): load, check by one schema, look up.

No pandas here: the registry is plain data, checked once (jsonschema, then the cross-references a
schema cannot express) and refused with a PortalError naming file, entry and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import jsonschema


from ..errors import PortalError
from ..model.schema import MARKUP, read_yaml

KINDS = ("actual", "baseline", "target", "rank", "growth", "share", "other")
ALIAS_KINDS = ("growth", "rank", "share", "other")  # alias lists that fix the kind
REFERENCED = ("growth", "share", "rank")  # kinds that take a reference (参照); share and rank need one
NEEDS_REFERENCE = ("share", "rank")
PERIOD_TYPES = ("instant", "duration")
RESERVED_IDS = ("index", "assets", "search", "embed", "query", "downloads", "topics", "datasets", "reports")
MEANING_COLUMNS = ["id", "wording", "kind", "reference", "sign", "period", "period_type", "indicator_id",
                   "breakdown", "unmapped_reason"]
SLUG = "^[a-z0-9][a-z0-9_-]*$"
TEXT = {"type": "string", "minLength": 1}
TEXTS = {"type": "array", "items": TEXT}
ALIASES = {"type": "array", "items": {"oneOf": [TEXT, {  # a wording, or a wording whose figures refer to
    "type": "object", "additionalProperties": False, "required": ["text"],  # another period or a part
    "properties": {"text": TEXT, "period": TEXT, "breakdown": TEXT}}]}}
CELL = {"type": "object", "additionalProperties": False, "properties": {
    "indicator": TEXT, "period": {"type": "string"}, "kind": {"enum": list(KINDS)}, "unit": TEXT,
    "breakdown": {"type": "string"}, "geography": TEXT, "reference": TEXT,
    "period_type": {"enum": list(PERIOD_TYPES)}}}
INDICATOR = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "name", "name_en", "unit", "topic", "period_type"],
    "properties": {
        "id": {"type": "string", "pattern": SLUG, "not": {"enum": list(RESERVED_IDS)}}, "name": TEXT,
        "name_en": TEXT, "unit": {"type": "string"}, "topic": {"type": "string", "pattern": SLUG},
        "period_type": {"enum": list(PERIOD_TYPES)},
        "definition": {"type": "string"}, "plan": {"type": "string"},
        "aliases": ALIASES, **{k: ALIASES for k in ALIAS_KINDS}}}
EXTRA_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["indicators"],
                "properties": {"indicators": {"type": "array", "items": INDICATOR}}}
# wordings that name another population or definition: within a group, a wording naming one term is
# never joined to an indicator whose name, plan wording or definition names another (unless an
# `equivalences` entry of the registry states why they are the same)
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["units", "geographies", "indicators"],
    "properties": {
        "units": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {"type": ["number", "string"]}}},
        "geographies": {"type": "object", "additionalProperties": TEXTS},
        "key_figure_topics": {"type": "object", "additionalProperties": {"type": "string", "pattern": SLUG}},
        "indicators": {"type": "array", "items": INDICATOR},
        "distinct_terms": {"type": "array", "items": {"type": "array", "minItems": 2, "items": TEXT}},
        "equivalences": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["indicator", "wording", "reason"],
            "properties": {"indicator": TEXT, "wording": TEXT, "reason": TEXT}}},
        "tables": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["package", "topic", "fields"],
            "properties": {
                "package": TEXT, "topic": {"type": "string", "pattern": SLUG}, "unmapped_reason": TEXT,
                "period_type": {"enum": list(PERIOD_TYPES)},
                "geography": TEXT, "geography_from": TEXT, "breakdown_from": TEXT, "unit_from": TEXT,
                "rows": {"type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, CELL]}},
                "fields": {"type": "object", "additionalProperties": CELL}}}},
        # the fact table's consistency findings that are the sources' own (see acknowledged.py)
        "acknowledged": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["check", "row", "field", "reason"],
            "properties": {k: {"type": ["string", "number"]} for k in
                           ("check", "name", "row", "field", "printed", "computed", "reason")}}},
    },
}


@dataclass
class Registry:
    indicators: dict          # id -> entry (dict as in the YAML)
    topics: dict              # id -> topic entry
    units: dict               # canonical unit -> {printed unit: Decimal factor}
    geographies: dict         # source wording -> canonical name
    aliases: dict             # source wording -> (indicator id, kind, period, breakdown; None = the figure's)
    meanings: dict            # (key-figure package, id) -> its row of recipes/meaning/<slug>.csv
    tables: dict              # package -> table mapping
    key_figure_topics: dict   # report slug -> topic of its key-figure package
    acknowledged: list = field(default_factory=list)  # the fact table's acknowledged discrepancies
    distinct_terms: list = field(default_factory=list)  # groups of words naming different populations
    equivalences: list = field(default_factory=list)    # joins the registry declares despite distinct terms

    def factor(self, indicator_unit: str, printed_unit: str) -> Decimal | None:
        """The factor turning a printed unit into the indicator's unit, or None (not commensurable)."""
        if printed_unit == indicator_unit:
            return Decimal(1)
        return self.units.get(indicator_unit, {}).get(printed_unit)

    def geography(self, text: str) -> str:
        return self.geographies.get(text, text)

    def wordings(self, indicator_id: str) -> list[str]:
        """Every source wording mapped onto an indicator (any kind; simplified and traditional),
        in registry order, then the key figures whose meaning row names it: the search terms of
        its page."""
        entry = self.indicators[indicator_id]
        items = [i for k in ("aliases", *ALIAS_KINDS) for i in entry.get(k, [])]
        named = [m["wording"] for m in self.meanings.values() if m["indicator_id"] == indicator_id]
        return list(dict.fromkeys([*(i if isinstance(i, str) else i["text"] for i in items), *named]))


def check_text(data, file: str, where: str = "") -> None:
    """No markup or script in any text of the registry (names reach pages, the fact table, search)."""
    if isinstance(data, dict):
        for key, value in data.items():
            check_text(key, file, where)
            check_text(value, file, f"{where}/{key}" if where else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_text(value, file, f"{where}/{i}")
    elif isinstance(data, str) and MARKUP.search(data):
        raise PortalError(f"text contains markup or a script: {data[:60]!r} (at {where})", file=file,
                          field=where.rsplit("/", 1)[-1] or None)


def check_schema(data, schema: dict, file: str) -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        path = list(err.absolute_path)
        row = path[1] + 1 if len(path) > 1 and isinstance(path[1], int) else None
        raise PortalError(f"{err.message} (at {'/'.join(map(str, path)) or 'top level'})", file=file,
                          row=row, field=str(path[-1]) if path else None)


TOPICS_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["topics"], "properties": {
    "topics": {"type": "array", "minItems": 1, "items": {
        "type": "object", "additionalProperties": False, "required": ["id", "name", "name_en", "order"],
        "properties": {"id": {"type": "string", "pattern": SLUG}, "name": TEXT, "name_en": TEXT,
                       "order": {"type": "integer"}, "description": {"type": "string"}}}}}}


def load_registry(recipes_dir: Path) -> Registry:
    """The registry: topics.yaml, indicators.yaml (+ indicators.d/*.yaml, more indicators) and the
    key figures' meaning files (meaning/<report slug>.csv), each checked by its schema, then the
    cross-references; the first problem is a PortalError naming file, entry and field."""
    recipes_dir = Path(recipes_dir)
    topics_data = read_yaml(recipes_dir / "topics.yaml", "topics.yaml")
    check_schema(topics_data, TOPICS_SCHEMA, "topics.yaml")
    check_text(topics_data, "topics.yaml")
    data = read_yaml(recipes_dir / "indicators.yaml", "indicators.yaml")
    check_schema(data, SCHEMA, "indicators.yaml")
    check_text(data, "indicators.yaml")
    entries = [(e, "indicators.yaml", n) for n, e in enumerate(data["indicators"], 1)]
    for path in sorted((recipes_dir / "indicators.d").glob("*.yaml")):
        shown = f"indicators.d/{path.name}"
        extra = read_yaml(path, shown)
        check_schema(extra, EXTRA_SCHEMA, shown)
        check_text(extra, shown)
        entries += [(e, shown, n) for n, e in enumerate(extra["indicators"], 1)]
    topics = unique({t["id"]: t for t in topics_data["topics"]}, [(t, "topics.yaml", n) for n, t in
                                                                  enumerate(topics_data["topics"], 1)])
    indicators = unique({e["id"]: e for e, _, _ in entries}, entries)
    for entry, shown, number in entries:
        if entry["topic"] not in topics:
            raise PortalError(f"topic {entry['topic']!r} is not in topics.yaml", file=shown, row=number,
                              field="topic")
    registry = Registry(indicators=indicators, topics=topics, units=units_of(data["units"]),
                        geographies=geographies_of(data["geographies"]), aliases=aliases_of(entries),
                        meanings=meanings_of(recipes_dir / "meaning", indicators),
                        tables={t["package"]: t for t in data.get("tables", [])},
                        key_figure_topics=data.get("key_figure_topics", {}),
                        acknowledged=data.get("acknowledged", []),
                        distinct_terms=data.get("distinct_terms", []), equivalences=data.get("equivalences", []))
    check_references(registry, data)
    check_joins(registry, entries)
    return registry


def unique(by_id: dict, entries: list) -> dict:
    """`by_id` when every entry's id is unique, else a PortalError at the second use of an id."""
    if len(by_id) != len(entries):
        seen = set()
        for entry, shown, number in entries:
            if entry["id"] in seen:
                raise PortalError(f"duplicate id {entry['id']!r}", file=shown, row=number, field="id")
            seen.add(entry["id"])
    return by_id


def units_of(spec: dict) -> dict:
    out = {}
    for canonical, family in spec.items():
        try:
            out[canonical] = {printed: Decimal(str(factor)) for printed, factor in family.items()}
        except ArithmeticError:
            raise PortalError(f"unit factors of {canonical!r} must be numbers", file="indicators.yaml",
                              field=f"units/{canonical}") from None
    return out


def geographies_of(spec: dict) -> dict:
    out = {}
    for canonical, wordings in spec.items():
        for text in [canonical, *wordings]:
            if out.get(text, canonical) != canonical:
                raise PortalError(f"geography wording {text!r} maps to {out[text]!r} and {canonical!r}",
                                  file="indicators.yaml", field="geographies")
            out[text] = canonical
    return out


def aliases_of(entries: list) -> dict:
    """Source wording -> (indicator id, kind fixed by the list or None = the figure's own kind,
    period replacing the figure's or None, breakdown or None), e.g. 网民规模较2020年3月增长 ->
    growth over 2020-03/2020-12; 移动电话基站数东北排名 -> rank with breakdown 东北地区."""
    out: dict[str, tuple] = {}
    for entry, shown, number in entries:
        lists = [(None, entry.get("aliases", []))] + [(k, entry.get(k, [])) for k in ALIAS_KINDS]
        for kind, items in lists:
            for item in items:
                item = {"text": item} if isinstance(item, str) else item
                target = (entry["id"], kind, item.get("period"), item.get("breakdown"))
                if out.get(item["text"], target) != target:
                    raise PortalError(f"wording {item['text']!r} is mapped twice ({out[item['text']][0]} and "
                                      f"{entry['id']})", file=shown, row=number, field=kind or "aliases")
                out[item["text"]] = target
    return out


PERIOD = r"\d{4}(-(0[1-9]|1[0-2]|H[12]|Q[1-4]))?"
PERIOD_FORM = re.compile(rf"({PERIOD})(/{PERIOD})?")


def meanings_of(directory: Path, indicators: dict) -> dict:
    """(package, key-figure id) -> its meaning row, from meaning/<slug>.csv (one row per key figure
    of <slug>-key-figures), each row checked: kind, reference only where the kind takes one (and
    always for share and rank), sign only on growth, period forms, period type, a registered
    indicator, a reason exactly when the figure is left unmapped."""
    out = {}
    for path in sorted(Path(directory).glob("*.csv")):
        shown, package = f"meaning/{path.name}", f"{path.stem}-key-figures"
        rows = read_csv_rows(path, shown)
        for number, row in enumerate(rows, 2):
            check_meaning(row, indicators, shown, number)
            if (package, row["id"]) in out:
                raise PortalError(f"figure {row['id']} is given twice", file=shown, row=number, field="id")
            out[(package, row["id"])] = {**row, "file": shown, "line": number}
    return out


def read_csv_rows(path: Path, shown: str) -> list[dict]:
    import csv

    try:
        with Path(path).open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != MEANING_COLUMNS:
                raise PortalError(f"columns must be {', '.join(MEANING_COLUMNS)}", file=shown, row=1)
            rows = list(reader)
    except UnicodeDecodeError:
        raise PortalError("not UTF-8 text", file=shown) from None
    for number, row in enumerate(rows, 2):
        if None in row or any(v is None for v in row.values()):
            raise PortalError("a row has more or fewer cells than the header", file=shown, row=number)
        check_text(row, shown, f"row {number}")
    return rows


def pending(reg: Registry) -> list[PortalError]:
    """Meaning rows that still owe an answer: a share or rank without its reference (extraction
    writes TODO there; a figure owing its unmapped_reason is found in the fact table, where the
    aliases have been applied)."""
    out = []
    for (package, _), m in reg.meanings.items():
        if m["kind"] in NEEDS_REFERENCE and not m["reference"]:
            out.append(PortalError(f"{m['id']} ({m['wording']}): a {m['kind']} needs its reference (what it is a "
                                   f"{'share of' if m['kind'] == 'share' else 'rank among'})", package=package,
                                   file=m["file"], row=m["line"], field="reference"))
    return out


def check_meaning(row: dict, indicators: dict, shown: str, number: int) -> None:
    def refuse(message: str, column: str):
        raise PortalError(message, file=shown, row=number, field=column)

    kind = row["kind"]
    if kind not in KINDS:
        refuse(f"kind {kind!r} is not one of {', '.join(KINDS)}", "kind")
    if row["reference"] and kind not in REFERENCED:
        refuse(f"a {kind} figure takes no reference (only {', '.join(REFERENCED)} do)", "reference")
    if row["sign"] not in ("", "-") or (row["sign"] and kind != "growth"):
        refuse("sign is '-' (a decrease, on a growth figure) or empty", "sign")
    if row["period"] and not PERIOD_FORM.fullmatch(row["period"]):
        refuse(f"unknown period form {row['period']!r} (YYYY, YYYY-MM, YYYY-H1, YYYY-Q1, A/B)", "period")
    if row["period_type"] not in ("", *PERIOD_TYPES):
        refuse(f"period_type {row['period_type']!r} is not one of {', '.join(PERIOD_TYPES)}", "period_type")
    if row["indicator_id"] and row["indicator_id"] not in indicators:
        refuse(f"indicator {row['indicator_id']!r} is not registered", "indicator_id")
    if row["unmapped_reason"] and row["indicator_id"]:
        refuse("a figure on an indicator has no unmapped_reason", "unmapped_reason")


def check_references(reg: Registry, data: dict) -> None:
    for number, table in enumerate(data.get("tables", []), 1):
        if table["topic"] not in reg.topics:
            raise PortalError(f"topic {table['topic']!r} is not in topics.yaml", file="indicators.yaml",
                              row=number, field="tables/topic")
        cells = list(table["fields"].values()) + [r for r in table.get("rows", {}).values() if isinstance(r, dict)]
        for cell in cells:
            ind = cell.get("indicator", "")
            if ind and "{row}" not in ind and ind not in reg.indicators:
                raise PortalError(f"indicator {ind!r} of table {table['package']} is not registered",
                                  file="indicators.yaml", row=number, field="tables/fields")
    for slug, topic in reg.key_figure_topics.items():
        if topic not in reg.topics:
            raise PortalError(f"topic {topic!r} is not in topics.yaml", file="indicators.yaml",
                              field=f"key_figure_topics/{slug}")
    for table in data.get("tables", []):
        for name, cell in table["fields"].items():
            check_cell(cell, table["package"], f"tables/{table['package']}/fields/{name}")
        for name, cell in table.get("rows", {}).items():
            if isinstance(cell, dict):
                check_cell(cell, table["package"], f"tables/{table['package']}/rows/{name}")


def check_cell(cell: dict, package: str, where: str) -> None:
    """A table cell's kind takes a reference exactly as a key figure's does; its period has a known form."""
    kind, ref = cell.get("kind", "actual"), cell.get("reference", "")
    if ref and kind not in REFERENCED:
        raise PortalError(f"a {kind} cell takes no reference", package=package, file="indicators.yaml",
                          field=f"{where}/reference")
    if "kind" in cell and kind in NEEDS_REFERENCE and not ref:
        raise PortalError(f"a {kind} cell needs a reference", package=package, file="indicators.yaml",
                          field=f"{where}/reference")
    if cell.get("period") and not PERIOD_FORM.fullmatch(cell["period"]):
        raise PortalError(f"unknown period form {cell['period']!r}", package=package, file="indicators.yaml",
                          field=f"{where}/period")


def names_of(entry: dict) -> str:
    return " ".join(entry.get(k, "") for k in ("name", "plan", "definition"))


def mixed_terms(reg: Registry, wording: str, indicator_id: str) -> tuple[str, str] | None:
    """(term of the wording, other term of the indicator) when the wording names another population
    or definition than the indicator (重点企业 vs 规上工业企业), unless an equivalence is declared."""
    if any(e["indicator"] == indicator_id and e["wording"] == wording for e in reg.equivalences):
        return None
    names = names_of(reg.indicators[indicator_id])
    for group in reg.distinct_terms:
        mine = [t for t in group if t in wording]
        theirs = [t for t in group if t in names and t not in mine and not any(t in m for m in mine)]
        if mine and theirs and not any(m in names for m in mine):
            return mine[0], theirs[0]
    return None


def check_joins(reg: Registry, entries: list) -> None:
    """No alias or meaning row joins a wording naming one population to an indicator naming another."""
    for entry, shown, number in entries:
        for kind in ("aliases", *ALIAS_KINDS):
            for item in entry.get(kind, []):
                text = item if isinstance(item, str) else item["text"]
                mixed = mixed_terms(reg, text, entry["id"])
                if mixed:
                    raise PortalError(f"wording {text!r} names {mixed[0]!r}, indicator {entry['id']!r} names "
                                      f"{mixed[1]!r}: another population or definition (declare an equivalence "
                                      f"with its reason if they are the same)", file=shown, row=number, field=kind)
    for meaning in reg.meanings.values():
        if meaning["indicator_id"]:
            mixed = mixed_terms(reg, meaning["wording"], meaning["indicator_id"])
            if mixed:
                raise PortalError(f"wording {meaning['wording']!r} names {mixed[0]!r}, indicator "
                                  f"{meaning['indicator_id']!r} names {mixed[1]!r}: another population or "
                                  f"definition", file=meaning["file"], row=meaning["line"], field="indicator_id")
