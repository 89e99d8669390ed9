"""Load extraction recipes (one YAML file per source table) and check them against their schema.

`recipe-schema.yaml` beside this file is the one description of a recipe's keys: it refuses
unknown or misspelt keys (naming the key's path, e.g. `fields[2].unti`) and generates the
reference page. A loaded recipe is a typed `Recipe`, never a dict read through `__getattr__`.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import PortalError
from ..model.schema import check, read_yaml
from ..paths import ROOT

SCHEMA_FILE = Path(__file__).with_name("recipe-schema.yaml")


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def key_figures_schema() -> dict:
    return {"type": "object", "additionalProperties": {"$ref": "#/$defs/key_figures"}, "$defs": schema()["$defs"]}


@dataclass(frozen=True)
class Recipe:
    """One table recipe; the keys are described in recipe-schema.yaml."""
    path: Path
    name: str
    report: str
    table: str
    caption: str
    title: str
    title_en: str
    description: str
    keywords: list
    lines: list
    rows: list
    fields: list
    display: dict
    section: str = ""
    source_note: str = ""
    footnotes: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    version: str | None = None
    split: str = "tab"
    skip: list = field(default_factory=list)
    join: list = field(default_factory=list)
    join_with: str = ""
    cells: dict = field(default_factory=dict)
    label_field: str | None = None
    group_field: str | None = None
    empty_label_is_subrow: bool = False
    totals: list = field(default_factory=list)
    subrows: dict = field(default_factory=dict)
    primary_key: list | None = None
    checks: list = field(default_factory=list)
    acknowledged: list = field(default_factory=list)
    missing_values: dict = field(default_factory=dict)   # printed marker -> its meaning

    @property
    def label(self) -> str:
        return self.label_field or self.fields[0]["name"]


def key_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def schema_problems(data, root: dict) -> list[tuple[str, str]]:
    """(key path, problem) for every way `data` breaks the schema `root`, unknown keys first."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(root)
    problems = []
    for error in validator.iter_errors(data):
        where = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(known), key=str):
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
                problems.append((key_path(where + [key]), f"unknown key {key!r}{hint}"))
        else:
            problems.append((key_path(where), error.message))
    return sorted(set(problems), key=lambda p: (not p[1].startswith("unknown key"), p[0]))


def check_schema(data, root: dict, path: Path, package: str | None) -> None:
    problems = schema_problems(data, root)
    if problems:
        lines = "; ".join(f"{where}: {what}" for where, what in problems[:8])
        more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        shown = path.relative_to(ROOT) if path.is_absolute() and path.is_relative_to(ROOT) else path
        raise PortalError(f"recipe does not follow recipe-schema.yaml: {lines}{more}",
                          package=package, file=str(shown))


def load_recipe(path: Path) -> Recipe:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise PortalError("recipe must be a mapping", file=str(path))
    check_schema(data, schema(), path, data.get("name") if isinstance(data.get("name"), str) else None)
    for i, spec in enumerate(data["fields"]):
        try:  # the same field rules as a published package (model/schemas/common.schema.json#field)
            check(spec, "common#field", package=data["name"], file=str(path))
        except PortalError as exc:
            where = "" if exc.field == "(top level)" else "." + str(exc.field)
            raise PortalError(f"{exc.message} (in fields[{i}]{where})", package=data["name"], file=str(path),
                              field=str(spec.get("name") or i)) from None
    for spec in data["fields"]:
        if spec["type"] in ("integer", "number") and not spec.get("unit"):
            raise PortalError("numeric field needs a unit", package=data["name"],
                              file=str(path), field=spec["name"])
    if path.stem != data["name"]:
        raise PortalError(f"recipe file must be named after its package: {data['name']}.yaml",
                          package=data["name"], file=str(path))
    return Recipe(path=path, **data)


def load_key_figures(path: Path) -> dict:
    """recipes/key-figures.yaml: slug -> metadata of the report's key-figure package."""
    data = read_yaml(path) or {}
    check_schema(data, key_figures_schema(), path, None)
    return data


def table_recipes(recipes_dir: Path) -> list[Recipe]:
    return [load_recipe(p) for p in sorted((recipes_dir / "tables").glob("*.yaml"))]
