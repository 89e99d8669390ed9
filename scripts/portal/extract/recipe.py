"""Load and check extraction recipes (one YAML file per source table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import PortalError

REQUIRED = ("name", "report", "table", "caption", "title", "title_en", "description",
            "fields", "rows", "keywords")
TYPES = {"string", "integer", "number"}


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
    for spec in data["fields"]:
        for key in ("name", "title", "title_en", "unit", "description"):
            if key in spec and not isinstance(spec[key], str):
                raise PortalError(f"{key} must be text, got {spec[key]!r} (quote it in YAML)",
                                  package=data["name"], file=str(path), field=spec.get("name"))
        if spec.get("type", "string") not in TYPES:
            raise PortalError(f"unknown type {spec.get('type')!r}", package=data["name"],
                              file=str(path), field=spec.get("name"))
        if spec.get("type") in ("integer", "number") and not spec.get("unit"):
            raise PortalError("numeric field needs a unit", package=data["name"],
                              file=str(path), field=spec.get("name"))
    return Recipe(path, data)


def table_recipes(recipes_dir: Path) -> list[Recipe]:
    return [load_recipe(p) for p in sorted((recipes_dir / "tables").glob("*.yaml"))]
