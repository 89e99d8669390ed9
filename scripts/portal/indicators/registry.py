"""The indicator registry (recipes/indicators.yaml + topics.yaml): load, check by one schema, look up.

No pandas here: the registry is plain data, checked once (jsonschema, then the cross-references a
schema cannot express) and refused with a PortalError naming file, entry and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import jsonschema


from ..errors import PortalError
from ..model.schema import MARKUP, read_yaml

KINDS = ("actual", "baseline", "target", "rank", "growth", "share", "other")
ALIAS_KINDS = ("growth", "rank", "share", "other")  # alias lists that fix the kind
SLUG = "^[a-z0-9][a-z0-9-]*$"
TEXT = {"type": "string", "minLength": 1}
TEXTS = {"type": "array", "items": TEXT}
ALIASES = {"type": "array", "items": {"oneOf": [TEXT, {  # a wording, or a wording whose figures refer to
    "type": "object", "additionalProperties": False, "required": ["text"],  # another period or a part
    "properties": {"text": TEXT, "period": TEXT, "breakdown": TEXT}}]}}
CELL = {"type": "object", "additionalProperties": False, "properties": {
    "indicator": TEXT, "period": {"type": "string"}, "kind": {"enum": list(KINDS)}, "unit": TEXT,
    "breakdown": {"type": "string"}, "geography": TEXT}}
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["units", "geographies", "indicators"],
    "properties": {
        "units": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {"type": ["number", "string"]}}},
        "geographies": {"type": "object", "additionalProperties": TEXTS},
        "key_figure_topics": {"type": "object", "additionalProperties": {"type": "string", "pattern": SLUG}},
        "indicators": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "name", "name_en", "unit", "topic"],
            "properties": {
                "id": {"type": "string", "pattern": SLUG}, "name": TEXT, "name_en": TEXT,
                "unit": {"type": "string"}, "topic": {"type": "string", "pattern": SLUG},
                "definition": {"type": "string"}, "plan": {"type": "string"},
                "aliases": ALIASES, **{k: ALIASES for k in ALIAS_KINDS}}}},
        "key_figures": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["package", "id"],
            "properties": {"package": TEXT, "id": TEXT, "indicator": {"type": "string"},
                           "kind": {"enum": list(KINDS)}, "breakdown": {"type": "string"}}}},
        "tables": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["package", "topic", "fields"],
            "properties": {
                "package": TEXT, "topic": {"type": "string", "pattern": SLUG},
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
    key_figures: dict         # (package, id) -> override entry
    tables: dict              # package -> table mapping
    key_figure_topics: dict   # report slug -> topic of its key-figure package
    acknowledged: list = field(default_factory=list)  # the fact table's acknowledged discrepancies

    def factor(self, indicator_unit: str, printed_unit: str) -> Decimal | None:
        """The factor turning a printed unit into the indicator's unit, or None (not commensurable)."""
        if printed_unit == indicator_unit:
            return Decimal(1)
        return self.units.get(indicator_unit, {}).get(printed_unit)

    def geography(self, text: str) -> str:
        return self.geographies.get(text, text)

    def wordings(self, indicator_id: str) -> list[str]:
        """Every source wording mapped onto an indicator (any kind; simplified and traditional),
        in registry order: the search terms of its page."""
        entry = self.indicators[indicator_id]
        items = [i for k in ("aliases", *ALIAS_KINDS) for i in entry.get(k, [])]
        return list(dict.fromkeys(i if isinstance(i, str) else i["text"] for i in items))

    def dataset_topic(self, package: str) -> str:
        """The topic of a dataset: its `tables:` entry's, or its report's for a key-figure package."""
        if package in self.tables:
            return self.tables[package]["topic"]
        slug = package.removesuffix("-key-figures")
        if package.endswith("-key-figures") and slug in self.key_figure_topics:
            return self.key_figure_topics[slug]
        raise KeyError(f"no topic for dataset {package!r} in indicators.yaml")

    def plan_indicators(self) -> list[str]:
        """Indicators of the plan's 主要指标 table or its quantified targets (`plan` set), in order."""
        return [i for i, e in self.indicators.items() if e.get("plan")]


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
    topics_data = read_yaml(Path(recipes_dir) / "topics.yaml")
    check_schema(topics_data, TOPICS_SCHEMA, "topics.yaml")
    check_text(topics_data, "topics.yaml")
    data = read_yaml(Path(recipes_dir) / "indicators.yaml")
    check_schema(data, SCHEMA, "indicators.yaml")
    check_text(data, "indicators.yaml")
    topics = unique({t["id"]: t for t in topics_data["topics"]}, topics_data["topics"], "id", "topics.yaml")
    indicators = unique({i["id"]: i for i in data["indicators"]}, data["indicators"], "id", "indicators.yaml")
    for number, entry in enumerate(data["indicators"], 1):
        if entry["topic"] not in topics:
            raise PortalError(f"topic {entry['topic']!r} is not in topics.yaml", file="indicators.yaml",
                              row=number, field="topic")
    registry = Registry(indicators=indicators, topics=topics, units=units_of(data["units"]),
                        geographies=geographies_of(data["geographies"]), aliases=aliases_of(data["indicators"]),
                        key_figures={(k["package"], k["id"]): k for k in data.get("key_figures", [])},
                        tables={t["package"]: t for t in data.get("tables", [])},
                        key_figure_topics=data.get("key_figure_topics", {}),
                        acknowledged=data.get("acknowledged", []))
    check_references(registry, data)
    return registry


def unique(by_id: dict, items: list, key: str, file: str) -> dict:
    if len(by_id) != len(items):
        seen = set()
        for number, item in enumerate(items, 1):
            if item[key] in seen:
                raise PortalError(f"duplicate {key} {item[key]!r}", file=file, row=number, field=key)
            seen.add(item[key])
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


def aliases_of(entries: list[dict]) -> dict:
    """Source wording -> (indicator id, kind fixed by the list or None = the figure's own kind,
    period replacing the figure's or None, breakdown or None), e.g. 网民规模较2020年3月增长 ->
    growth over 2020-03/2020-12; 移动电话基站数东北排名 -> rank with breakdown 东北地区."""
    out: dict[str, tuple] = {}
    for number, entry in enumerate(entries, 1):
        lists = [(None, entry.get("aliases", []))] + [(k, entry.get(k, [])) for k in ALIAS_KINDS]
        for kind, items in lists:
            for item in items:
                item = {"text": item} if isinstance(item, str) else item
                target = (entry["id"], kind, item.get("period"), item.get("breakdown"))
                if out.get(item["text"], target) != target:
                    raise PortalError(f"wording {item['text']!r} is mapped twice ({out[item['text']][0]} and "
                                      f"{entry['id']})", file="indicators.yaml", row=number, field=kind or "aliases")
                out[item["text"]] = target
    return out


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
    for (package, kf), entry in reg.key_figures.items():
        if entry.get("indicator") and entry["indicator"] not in reg.indicators:
            raise PortalError(f"indicator {entry['indicator']!r} is not registered", file="indicators.yaml",
                              field=f"key_figures/{package}/{kf}")
