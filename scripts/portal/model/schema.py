"""Strict JSON reading and the JSON Schemas (model/schemas/*.json) of the registry and the packages.

Every descriptor and the registry are read here: UTF-8 only, standard JSON only (no NaN or
Infinity, no duplicate keys), then checked against their schema. Failures are PortalErrors
naming the package, the file and the JSON path of the offending value (in `field`).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from ..errors import PortalError

SCHEMAS = Path(__file__).with_name("schemas")
# Markup or a script in text that pages print (refused in packages, recipes and registries alike).
MARKUP = re.compile(r"<\s*[a-zA-Z/!]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number (only finite numbers are allowed)")


def _no_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def read_json(path: Path, *, package: str | None = None, file: str | None = None):
    """The JSON value in `path` (standard JSON in UTF-8), or a located PortalError."""
    file = file or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PortalError(f"{path.name} is missing", package=package, file=file) from None
    except OSError as exc:
        raise PortalError(f"cannot read {path.name}: {exc.strerror}", package=package, file=file) from None
    return parse_json(raw, package=package, file=file)


def parse_json(raw: bytes, *, package: str | None = None, file: str | None = None):
    """The JSON value in `raw` (standard JSON in UTF-8: no NaN, no duplicate keys), or a located PortalError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PortalError(f"not UTF-8 (byte {exc.start}); save it as UTF-8", package=package, file=file,
                          row=raw[:exc.start].count(b"\n") + 1) from None
    try:
        return json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constant,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise PortalError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          package=package, file=file, row=exc.lineno) from None
    except ValueError as exc:
        raise PortalError(f"invalid JSON: {exc}", package=package, file=file) from None


def read_yaml(path: Path, shown: str | None = None):
    """The YAML document in `path` (recipes, registries), or a located PortalError."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortalError("file not found", file=shown or str(path)) from None
    except yaml.YAMLError as exc:
        raise PortalError(f"not valid YAML: {exc}", file=shown or str(path)) from None


def _docs() -> dict:
    return {p.name: json.loads(p.read_text("utf-8")) for p in SCHEMAS.glob("*.schema.json")}


def inline(node, doc: dict, docs: dict):
    """`node` with every $ref replaced by its target (the schemas have no cycles): validation
    then never resolves a reference, which keeps `make validate` fast."""
    if isinstance(node, list):
        return [inline(n, doc, docs) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: inline(v, doc, docs) for k, v in node.items() if k not in ("$ref", "$defs", "description")}
    if "$ref" not in node:
        return out
    file, _, pointer = node["$ref"].partition("#")
    target_doc = docs[file] if file else doc
    target = target_doc
    for part in pointer.strip("/").split("/"):
        target = target[part]
    target = inline(target, target_doc, docs)
    merged = {**target, **out}
    for key, pick in (("maxLength", min), ("maxItems", min), ("minLength", max), ("minItems", max)):
        if key in target and key in out:
            merged[key] = pick(target[key], out[key])
    if any(k in target and k in out for k in ("pattern", "type", "not", "allOf", "anyOf", "enum")):
        return {"allOf": [target, out]}
    return merged


@functools.cache
def validator(name: str):
    """The Draft 2020-12 validator of model/schemas/<name>.schema.json, references inlined;
    `common#<def>` names one definition of common.schema.json (e.g. `common#field`)."""
    import jsonschema

    docs = _docs()
    file, _, definition = name.partition("#")
    doc = docs[f"{file}.schema.json"]  # the schemas' own validity: tests/test_model.py
    target = doc["$defs"][definition] if definition else doc
    return jsonschema.Draft202012Validator(inline(target, doc, docs))


@functools.cache
def safe_text() -> re.Pattern:
    """The `safe` rule of common.schema.json (matches text free of refused characters), for CSV cells."""
    doc = json.loads((SCHEMAS / "common.schema.json").read_text("utf-8"))
    return re.compile(doc["$defs"]["safe"]["pattern"])


def json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def explain(error) -> str:
    """A plain sentence for one jsonschema error."""
    value = error.instance
    shown = repr(value)[:60] if not isinstance(value, (dict, list)) else type(value).__name__
    kind = error.validator
    if kind == "required":
        return error.message.replace(" is a required property", " missing")
    if kind == "type":
        return f"must be of type {error.validator_value}, got {type(value).__name__} {shown}"
    if kind == "pattern" and "\\u200b" in error.validator_value:
        return f"{shown} contains a control, line-separator, bidi-override or zero-width character"
    if kind == "pattern" and error.validator_value.startswith("^[Hh][Tt]"):
        return f"{shown} is not an http(s) URL (javascript:, data:, file: and relative links are refused)"
    if kind == "pattern":
        return f"{shown} does not have the allowed form {error.validator_value}"
    if kind in ("maxLength", "maxItems"):
        return f"too long ({len(value)}, at most {error.validator_value})"
    if kind in ("minLength", "minItems"):
        return "empty"
    if kind == "anyOf" and isinstance(value, str):
        return f"{shown} is not allowed here (only http(s) URLs or null)"
    return f"{shown}: {error.message[:120]}"


def check(instance, name: str, *, package: str | None = None, file: str) -> None:
    """Raise a PortalError for the first violation of schema `name` (the shallowest, in document order)."""
    errors = list(validator(name).iter_errors(instance))
    if not errors:
        return
    first = min(errors, key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    path = list(first.absolute_path)
    if first.validator == "required":
        path.append(first.message.split("'")[1])
    where = {"package": package, "file": file, "field": json_path(path)}
    if name == "reports" and path and isinstance(path[0], int):
        where = {"file": file, "row": path[0] + 1, "field": json_path(path[1:])}
    raise PortalError(explain(first), **where)
