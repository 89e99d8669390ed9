"""Strict JSON reading and the JSON Schemas (model/schemas/*.json) of the registry and the packages.

Every descriptor and the registry are read here: UTF-8 only, standard JSON only (no NaN or
Infinity, no duplicate keys), then checked against their schema. Failures are PortalErrors
naming the package, the file and the JSON path of the offending value (in `field`).
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

from ..errors import PortalError
from .yaml_loader import MAX_ALIASES, MAX_DEPTH, MAX_INT, MAX_NODES, SURROGATE  # noqa: F401 (bounds in one place)

SCHEMAS = Path(__file__).with_name("schemas")
# Markup or a script in text that pages print (refused in packages, recipes and registries alike).
MARKUP = re.compile(r"<\s*[a-zA-Z/!]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)


MAX_YAML_BYTES = 2_000_000        # one recipe or registry file (indicators.yaml: about 0.1 MB)
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")


class _Refused(ValueError):
    """A value the JSON reader refuses (carries the JSON path when known)."""


def _no_constant(name: str):
    raise _Refused(f"{name} is not a JSON number (only finite numbers are allowed)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:40]} is too large (it would be infinite)")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_INT:
        raise _Refused(f"integer {text[:40]}{'...' if len(text) > 40 else ''} is outside "
                       f"±{MAX_INT:,} (what JSON, XLSX and SQLite hold exactly)")
    return int(text)


def _no_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def json_depth(raw: bytes) -> tuple[int, int]:
    """(deepest nesting of arrays and objects, line where it first exceeds MAX_DEPTH or 0), by
    scanning the brackets outside strings (json's C parser would recurse until RecursionError)."""
    outside = re.sub(rb'"(?:[^"\\]|\\.)*"', b'""', raw)
    brackets = outside.translate(None, bytes(b for b in range(256) if b not in b"[]{}"))
    if len(brackets) <= 2 * MAX_DEPTH:
        return len(brackets) // 2, 0
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
    if deepest <= MAX_DEPTH:
        return deepest, 0
    offset, depth = 0, 0
    for match in re.finditer(rb"[\[\]{}]", outside):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            offset = match.start()
            break
    return deepest, outside[:offset].count(b"\n") + 1


def lone_surrogate(value, path=()):
    """The JSON path of the first string (or key) holding a lone UTF-16 surrogate, or None."""
    stack = [(value, list(path))]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if SURROGATE.search(node):
                return where
        elif isinstance(node, dict):
            for key, item in reversed(list(node.items())):
                if SURROGATE.search(key):
                    return where + [key]
                stack.append((item, where + [key]))
        elif isinstance(node, list):
            stack.extend((item, where + [i]) for i, item in reversed(list(enumerate(node))))
    return None


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
    """The JSON value in `raw` (standard JSON in UTF-8: no NaN, no duplicate keys, numbers within
    what JSON, XLSX and SQLite hold, at most MAX_DEPTH levels, no lone surrogate), or a located
    PortalError."""
    where = {"package": package, "file": file}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PortalError(f"not UTF-8 (byte {exc.start}); save it as UTF-8", **where,
                          row=raw[:exc.start].count(b"\n") + 1) from None
    deepest, line = json_depth(raw)
    if line:
        raise PortalError(f"nested more than {MAX_DEPTH} levels deep (arrays and objects)", **where, row=line)
    try:
        value = json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constant, parse_float=_finite,
                           parse_int=_bounded_int, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise PortalError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          **where, row=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise PortalError(f"invalid JSON: {exc}", **where) from None
    if _SURROGATE_ESCAPE.search(text):
        bad = lone_surrogate(value)
        if bad is not None:
            raise PortalError("contains a lone UTF-16 surrogate (\\ud800-\\udfff escape): not text",
                              **where, field=json_path(bad))
    return value


def read_yaml(path: Path, shown: str | None = None):
    """The YAML document in `path` (recipes, registries), or a located PortalError. Safe tags
    only, at most MAX_YAML_BYTES, MAX_DEPTH levels and MAX_ALIASES aliases expanding to at most
    MAX_NODES nodes, no duplicate keys, finite numbers and integers within ±MAX_INT."""
    shown = shown or str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_YAML_BYTES:
            raise PortalError(f"file is {size:,} bytes, over the limit of {MAX_YAML_BYTES:,}", file=shown)
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PortalError("file not found", file=shown) from None
    except OSError as exc:
        raise PortalError(f"cannot read it: {exc.strerror or exc}", file=shown) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PortalError(f"not UTF-8 (byte {exc.start}); save it as UTF-8", file=shown,
                          row=raw[:exc.start].count(b"\n") + 1) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, shown: str):
    """One YAML document read by read_yaml's rules (see there)."""
    import yaml

    from .yaml_loader import BoundedLoader, YamlRefused

    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        loader.check_size(node)
        return loader.construct_document(node)
    except YamlRefused as exc:
        raise PortalError(exc.message, file=shown, row=exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PortalError(f"not valid YAML: {problem}", file=shown,
                          row=mark.line + 1 if mark is not None else None) from None
    finally:
        loader.dispose()


MAX_PATTERN = 200   # characters of a `pattern` constraint
LONG_REPEAT = 10    # a repetition allowed more often than this is "long" (+, *, {0,100})


def pattern_risk(pattern: str) -> str | None:
    """Why a `pattern` constraint is refused, or None. Frictionless runs it on every cell (up to
    1,000 characters, 10,000 rows), so only shapes that match in about linear time pass: no
    repetition holding another repetition or an alternation (`(a+)+`, `(a|ab)*`: exponential
    backtracking), at most one long repetition in all (`a*a*a*b`: polynomial), no
    backreference, at most MAX_PATTERN characters. Bounded optional parts (`(-Q[1-4])?`) are
    fine."""
    import re._constants as c
    import re._parser as parser

    if len(pattern) > MAX_PATTERN:
        return f"pattern has {len(pattern)} characters, over the limit of {MAX_PATTERN}"
    try:
        tree = parser.parse(pattern)
    except re.error as exc:
        return f"pattern is not a regular expression: {exc}"
    long_repeats = 0
    stack = [(tree, False)]
    while stack:
        items, in_repeat = stack.pop()
        for op, arg in items:
            if op in (c.GROUPREF, c.GROUPREF_EXISTS):
                return "pattern uses a backreference (its matching time has no bound): refused"
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                low, high, sub = arg
                if high > 1 and low != high and in_repeat:  # an exact count ({3}) adds no ambiguity
                    return ("pattern repeats a repetition (like `(a+)+`): catastrophic backtracking "
                            "(`(a+)+$` took 74 s on 32 characters): refused")
                long_repeats += high > LONG_REPEAT
                stack.append((sub, in_repeat or high > 1))
            elif op is c.BRANCH:
                if in_repeat:
                    return "pattern repeats an alternation (like `(a|ab)*`): catastrophic backtracking: refused"
                stack.extend((branch, in_repeat) for branch in arg[1])
            elif op is c.SUBPATTERN:
                stack.append((arg[3], in_repeat))
            elif op in (c.ASSERT, c.ASSERT_NOT):
                stack.append((arg[1], in_repeat))
            elif op is c.ATOMIC_GROUP:
                stack.append((arg, in_repeat))
    if long_repeats > 1:
        return (f"pattern has {long_repeats} long repetitions (like `a*a*b`): polynomial backtracking on "
                "1,000-character cells: at most one is allowed")
    return None


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


def leaf_errors(error) -> list:
    """The innermost errors under an anyOf/allOf error (jsonschema keeps them in `context`)."""
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in leaf_errors(sub)]


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
    if kind == "pattern" and error.validator_value.startswith("^(-*|"):
        return (f"{shown} starts like a spreadsheet formula (=, +, @, or - followed by more): a "
                "missing-value marker is printed in cells and downloads")
    if kind == "pattern":
        return f"{shown} does not have the allowed form {error.validator_value}"
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']*)'", error.message)
        return f"{', '.join(map(repr, extra))[:120]} not allowed here"
    if kind in ("maxLength", "maxItems"):
        return f"too long ({len(value)}, at most {error.validator_value})"
    if kind in ("minLength", "minItems"):
        return "empty"
    if kind == "anyOf" and isinstance(value, str):
        leaves = [e for e in leaf_errors(error) if e.validator != "type"]
        if leaves and not any(str(e.validator_value).startswith("^[Hh][Tt]") for e in leaves):
            return explain(leaves[0])
        return f"{shown} is not allowed here (only http(s) URLs or null)"
    return f"{shown}: {error.message[:120]}"


def check(instance, name: str, *, package: str | None = None, file: str) -> None:
    """Raise a PortalError for the first violation of schema `name` (the shallowest, in document order)."""
    errors = list(validator(name).iter_errors(instance))
    if not errors:
        return
    first = min(errors, key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    path = list(first.absolute_path)
    if first.validator in ("required", "additionalProperties"):
        path.append(first.message.split("'")[1])
    where = {"package": package, "file": file, "field": json_path(path)}
    if name == "reports" and path and isinstance(path[0], int):
        where = {"file": file, "row": path[0] + 1, "field": json_path(path[1:])}
    raise PortalError(explain(first), **where)
