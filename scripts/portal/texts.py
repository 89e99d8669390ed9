"""Reader-facing words kept out of the code: a YAML file next to the module that prints them.

A module loads its file once, `TEXTS = Texts.beside(__file__, "quality-texts.yaml")`, and asks
for a sentence by key with its values, `TEXTS("sum", label=…, field=…)`: the entry is a
`str.format` template (`{label}`, `{expect:.3f}`, `{total:,}`), so the words can be changed
without touching the code and the numbers keep their formatting. Lists and mappings (a table
schema's fields, the words a skeleton looks for) are read with `TEXTS.data(key)`.
tests/test_texts.py checks that every key a module uses is in its file, that every entry is
used, and that each template names exactly the values the code passes.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml


class Texts:
    """The entries of one YAML file; a missing key is a KeyError naming the file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}

    @classmethod
    def beside(cls, module_file: str, name: str) -> "Texts":
        return cls(Path(module_file).with_name(name))

    def _get(self, key: str):
        if key not in self.entries:
            raise KeyError(f"{self.path.name} has no entry {key!r}")
        return self.entries[key]

    def __call__(self, key: str, **values) -> str:
        """The template `key` filled with `values` (str.format)."""
        template = self._get(key)
        if not isinstance(template, str):
            raise TypeError(f"{self.path.name}: {key!r} is not a text template")
        return template.format(**values)

    def data(self, key: str):
        """A list or mapping entry (a copy: callers may change it)."""
        return copy.deepcopy(self._get(key))
