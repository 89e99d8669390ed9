"""Load and check extraction recipes (one YAML file per source table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import PortalError
from ..model.schema import check

REQUIRED = ("name", "report", "table", "caption", "title", "title_en", "description",
            "fields", "rows", "keywords")


@dataclass
class Recipe:
    path: Path
    data: dict = field(default_factory=dict)

    def __getattr__(self, key):  # recipe.name, recipe.fields, ...
        try:
            return self.__dict__["data"][key]
        except KeyError:
            raise AttributeError(key) from None

    def get(self, key, default=None):
        return self.data.get(key, default)


def load_recipe(path: Path) -> Recipe:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PortalError(f"recipe is not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise PortalError("recipe must be a mapping", file=str(path))
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise PortalError(f"recipe lacks {', '.join(missing)}", package=data.get("name"), file=str(path))
    if not isinstance(data["fields"], list):
        raise PortalError("fields must be a list", package=data["name"], file=str(path), field="fields")
    for i, spec in enumerate(data["fields"]):
        try:  # the same field rules as a published package (model/schemas/common.schema.json#field)
            check(spec, "common#field", package=data["name"], file=str(path))
        except PortalError as exc:
            name = spec.get("name") if isinstance(spec, dict) else None
            raise PortalError(f"{exc.message} (in fields[{i}]{'.' + exc.field if exc.field != '(top level)' else ''})",
                              package=data["name"], file=str(path), field=str(name or i)) from None
    return Recipe(path, data)


def table_recipes(recipes_dir: Path) -> list[Recipe]:
    return [load_recipe(p) for p in sorted((recipes_dir / "tables").glob("*.yaml"))]
