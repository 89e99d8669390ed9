"""Words for readers, kept out of the code (issue 12): YAML files beside the site modules.

A module names its file once, ``T = texts.load("chart_texts")`` (site/chart_texts.yaml), and
asks for a text by its dotted key, with the values of its ``str.format`` placeholders:
``T("provinces.rank", place="辽宁", rank=3)``; ``T.data("key")`` returns a list or mapping as
written. Every text goes through ``str.format`` (a literal brace is written ``{{`` or ``}}``).
A translator or editor changes the YAML, never the code; tests/test_site_texts.py checks
that every key the code asks for exists and that its placeholders are the values the code
passes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

SITE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def read(name: str) -> dict:
    """The parsed site/<name>.yaml (read once per process)."""
    doc = yaml.safe_load((SITE / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"site/{name}.yaml: expected a mapping of texts")
    return doc


class Texts:
    """The texts of one YAML file: ``T(key, **values)`` is a string, ``T.data(key)`` any value."""

    def __init__(self, name: str):
        self.name = name

    def data(self, key: str):
        """The value at a dotted key, as written (shared by every caller: read it, never change it)."""
        value = read(self.name)
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(f"site/{self.name}.yaml has no text '{key}'")
            value = value[part]
        return value

    def all(self) -> dict:
        """The whole file, for templates (``texts.index.intro`` in a .md.j2)."""
        return read(self.name)

    def __call__(self, key: str, **values) -> str:
        text = self.data(key)
        if not isinstance(text, str):
            raise TypeError(f"site/{self.name}.yaml: '{key}' is not a text")
        return text.format(**values)


def load(name: str) -> Texts:
    return Texts(name)
