"""Reader-facing words kept out of the code: a YAML file next to the module that prints them.

The one loader of the portal's words (data layer and site alike). A module loads its file once,
`TEXTS = Texts.beside(__file__, "quality.yaml")`, and asks for a sentence by key with its
values, `TEXTS("sum", label=…, field=…)`; a key may be dotted to reach into a mapping
(`T("provinces.rank", place=…)`). The entry is a `str.format` template (`{label}`,
`{expect:.3f}`, `{total:,}`; a literal brace is `{{`), so the words can be changed without
touching the code and the numbers keep their formatting. Lists and mappings (a table schema's
fields, the words a skeleton looks for) are read with `TEXTS.data(key)`, a whole file (for the
page templates) with `TEXTS.all()`. tests/test_texts.py and tests/test_site_texts.py check that
every key a module uses is in its file, that every entry is used, and that each template names
exactly the values the code passes.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=None)
def read(path: Path) -> dict:
    """The parsed YAML file (read once per process); it must be a mapping."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ValueError(f"{Path(path).name}: expected a mapping of texts")
    return doc


class Texts:
    """The entries of one YAML file; a missing key is a KeyError naming the file and the key."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def beside(cls, module_file: str, name: str) -> "Texts":
        return cls(Path(module_file).resolve().with_name(name))

    @property
    def entries(self) -> dict:
        return read(self.path)

    def _get(self, key: str):
        value = self.entries
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(f"{self.path.name} has no text {key!r}")
            value = value[part]
        return value

    def __call__(self, key: str, **values) -> str:
        """The template `key` filled with `values` (str.format)."""
        template = self._get(key)
        if not isinstance(template, str):
            raise TypeError(f"{self.path.name}: {key!r} is not a text template")
        return template.format(**values)

    def data(self, key: str):
        """A list or mapping entry (a copy: callers may change it)."""
        return copy.deepcopy(self._get(key))

    def all(self) -> dict:
        """The whole file, for page templates (`texts.index.intro` in a .md.j2): read, never change it."""
        return self.entries
