"""The one YAML loader (recipes, registries, project texts): PyYAML's safe loader with limits.

`yaml.safe_load` refuses `!!python` tags but nothing else: nine levels of ten aliases (700
bytes) expand to a billion nodes, a file nested 100,000 levels deep ends in a RecursionError,
`.nan` and `.inf` are numbers, a 5,000-digit integer raises a ValueError, and a key given twice
silently keeps the last value. This loader refuses each of those while it reads, naming the
line: nesting deeper than MAX_DEPTH, more than MAX_ALIASES aliases, an alias to its own anchor,
more than MAX_NODES nodes once the aliases are expanded, non-finite numbers, integers outside
±MAX_INT, duplicate keys, lone UTF-16 surrogates. schema.read_yaml turns the refusal into a located PortalError.
"""

from __future__ import annotations

import math
import re

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

# Bounds of what the readers accept (issue 23); schema.py applies the first two to JSON too.
MAX_DEPTH = 32                    # nesting of collections (JSON arrays and objects, YAML sequences and mappings)
MAX_INT = 2**53 - 1               # exact in JSON (JavaScript), XLSX (a double) and SQLite (int64)
MAX_ALIASES = 100                 # YAML aliases in one file (the indicator registry uses 7)
SURROGATE = re.compile("[\\ud800-\\udfff]")
MAX_NODES = 200_000               # YAML values once every alias is expanded (indicators.yaml: about 6,000)


class YamlRefused(Exception):
    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else None


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader (pure Python: its composer's recursion is bounded here) with the limits
    of the module docstring."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlRefused(f"more than {MAX_ALIASES} aliases (*name): refused", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def check_size(self, root) -> int:
        """The node count with every alias expanded (shared nodes counted each time they are
        used); refuses a cycle or more than MAX_NODES."""
        sizes: dict[int, int] = {}
        busy: set[int] = set()

        def size(node) -> int:
            key = id(node)
            if key in sizes:
                return sizes[key]
            if key in busy:
                raise YamlRefused("an alias refers to the collection it is in (a cycle): refused", node.start_mark)
            busy.add(key)
            if isinstance(node, SequenceNode):
                total = 1 + sum(size(child) for child in node.value)
            elif isinstance(node, MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in node.value)
            else:
                total = 1
            busy.discard(key)
            if total > MAX_NODES:
                raise YamlRefused(f"expands to more than {MAX_NODES:,} values once its aliases are "
                                  "expanded (an alias bomb?): refused", node.start_mark)
            sizes[key] = total
            return total

        return size(root)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and SURROGATE.search(value):
            raise YamlRefused("contains a lone UTF-16 surrogate (\\ud800-\\udfff escape): not text", node.start_mark)
        return value

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise YamlRefused(f"{node.value!r} is not a finite number", node.start_mark)
        return value

    def construct_yaml_int(self, node):
        digits = node.value.replace("_", "").lstrip("+-")
        if len(digits) > 24:
            raise YamlRefused(f"integer {node.value[:40]!r} is too long", node.start_mark)
        value = super().construct_yaml_int(node)
        if abs(value) > MAX_INT:
            raise YamlRefused(f"integer {node.value[:40]!r} is outside ±{MAX_INT:,}", node.start_mark)
        return value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode) and not any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    if key_node.value in seen:
                        raise YamlRefused(f"key {key_node.value[:40]!r} appears twice in one mapping",
                                          key_node.start_mark)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


BoundedLoader.add_constructor("tag:yaml.org,2002:float", BoundedLoader.construct_yaml_float)
BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
