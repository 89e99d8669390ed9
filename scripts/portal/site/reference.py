"""The recipe reference page's data: every key of recipe-schema.yaml with its description and example."""

from __future__ import annotations

import yaml

from scripts.portal.extract.recipe import schema
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "meta_texts.yaml")
SECTIONS = [  # (title, $defs entry or None for the top level, what the keys belong to)
    (T("reference.table"), None, "scripts/portal/recipes/tables/<package-name>.yaml"),
    (T("reference.field"), "field", "each item of fields:"),
    (T("reference.display"), "display", "display:"),
    (T("reference.acknowledgement"), "acknowledgement", "each item of acknowledged:"),
    *[(T("reference.check", kind=kind), f"check_{kind}", "an item of checks:")
      for kind in ("sum", "share_sum", "share", "growth", "parts", "ratio", "blocks", "formula")],
    (T("reference.key_figures"), "key_figures", "recipes/key-figures.yaml, under the report's slug"),
]


def example(key: str, spec: dict) -> str:
    """One line of YAML showing the key with its first example."""
    value = (spec.get("examples") or [spec.get("const", spec.get("default", ""))])[0]
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return f"{key}: {text.removesuffix('...').strip()}"


def keys_of(part: dict) -> list[dict]:
    required = set(part.get("required", []))
    out = []
    for key, spec in part.get("properties", {}).items():
        if key == "check":
            continue
        target = spec
        if "$ref" in spec:
            target = schema()["$defs"][spec["$ref"].rsplit("/", 1)[-1]]
        kinds = target.get("type") or ("one of " + ", ".join(map(str, target["enum"])) if "enum" in target else "")
        out.append({"key": key, "required": key in required,
                    "type": " or ".join(kinds) if isinstance(kinds, list) else kinds,
                    "description": spec.get("description") or target.get("description", ""),
                    "example": example(key, {**target, **spec})})
    return out


def sections() -> list[dict]:
    root = schema()
    out = []
    for title, name, where in SECTIONS:
        part = root if name is None else root["$defs"][name]
        out.append({"title": title, "where": where, "description": part.get("description", ""),
                    "entries": keys_of(part)})
    return out
