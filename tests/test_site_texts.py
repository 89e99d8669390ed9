"""The reader texts of the site generator (issue 12): every text the code
asks for exists in its YAML file with exactly the placeholders the code fills, every text in
those files is asked for, and the site modules keep no reader text in string literals."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
import yaml


ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "scripts" / "portal" / "site"


def _is_load(node) -> bool:
    """Texts.beside(__file__, "x.yaml") (scripts/portal/texts.py)."""
    f = node.func if isinstance(node, ast.Call) else None
    return (isinstance(f, ast.Attribute) and f.attr == "beside" and getattr(f.value, "id", "") == "Texts"
            and len(node.args) == 2 and isinstance(node.args[1], ast.Constant))


def lookups(path: Path) -> list:
    """Every text lookup in a module: (file, key, keywords or None for a .get, **values used, line).
    Names bound to Texts.beside(__file__, "file.yaml") are text sources; names bound to SOURCE.data("key") are
    mappings whose constant subscripts are lookups too."""
    tree = ast.parse(path.read_text("utf-8"))
    sources, mappings, out = {}, {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_load(node.value):
            for t in node.targets:
                sources[t.id] = node.value.args[1].value.removesuffix(".yaml")
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Attribute) and f.attr == "data" and getattr(f.value, "id", None) in sources:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        mappings[t.id] = (sources[f.value.id], node.value.args[0].value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in sources:
            assert isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}: text key must be a literal"
            kws = {k.arg for k in node.keywords if k.arg}
            out.append((sources[node.func.id], node.args[0].value, kws,
                        any(k.arg is None for k in node.keywords), node.lineno))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "all"
              and getattr(node.func.value, "id", None) in sources):
            out.append((sources[node.func.value.id], "", None, False, node.lineno))  # whole file: templates
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "data"
              and getattr(node.func.value, "id", None) in sources):
            assert isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}: text key must be a literal"
            out.append((sources[node.func.value.id], node.args[0].value, None, False, node.lineno))
        elif (isinstance(node, ast.Subscript) and getattr(node.value, "id", None) in mappings
              and isinstance(node.slice, ast.Constant)):
            file, base = mappings[node.value.id]
            out.append((file, f"{base}.{node.slice.value}", None, False, node.lineno))
    return out


MODULES = sorted(SITE.glob("*.py"))
ALL = [(p.name, *lk) for p in MODULES for lk in lookups(p)]


def placeholders(text: str) -> set:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def resolve(file: str, key: str):
    value = yaml.safe_load((SITE / f"{file}.yaml").read_text("utf-8"))
    for part in key.split(".") if key else []:
        assert isinstance(value, dict) and part in value, f"site/{file}.yaml has no '{key}'"
        value = value[part]
    return value


def test_the_scan_sees_the_lookups():
    # not vacuous: the chart module alone asks for dozens of texts, and the scan finds them
    assert sum(1 for m, *_ in ALL if m == "charts.py") >= 40
    assert {f for _, f, *_ in ALL} >= {"chart_texts", "indicator_texts", "labels", "meta_texts"}


@pytest.mark.parametrize("module,file,key,keywords,spread,line", ALL,
                         ids=[f"{m}:{line}:{k}" for m, _, k, _, _, line in ALL])
def test_every_text_the_code_asks_for_exists(module, file, key, keywords, spread, line):
    value = resolve(file, key)
    if keywords is None:  # T.data(key) or a subscript of it: any value, as written
        return
    assert isinstance(value, str), f"{module}:{line}: '{key}' in {file}.yaml is not a text"
    if not spread:
        assert placeholders(value) == keywords, (
            f"{module}:{line}: '{key}' in {file}.yaml has placeholders {sorted(placeholders(value))}, "
            f"the code fills {sorted(keywords)}")
        value.format(**{k: "x" for k in keywords})  # well-formed (braces balanced or doubled)


def leaves(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{prefix}{k}.")
    else:
        yield prefix[:-1]


def test_every_text_in_a_texts_file_is_used():
    """A text nobody asks for is dead weight for a translator: every leaf of a file the code
    loads with Texts.beside is asked for, itself or through a .data of a mapping above it. (A file
    handed whole to templates, T.all(), is read there and is not checked here.)"""
    used: dict = {}
    for _, file, key, *_ in ALL:
        used.setdefault(file, set()).add(key)
    for file, keys in used.items():
        if "" in keys:
            continue
        doc = yaml.safe_load((SITE / f"{file}.yaml").read_text("utf-8"))
        unused = [leaf for leaf in leaves(doc)
                  if not any(leaf == k or leaf.startswith(k + ".") for k in keys)]
        assert unused == [], f"site/{file}.yaml: texts no code asks for: {unused}"


CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def literals(path: Path) -> list:
    """Non-docstring string constants holding Chinese characters or punctuation."""
    tree = ast.parse(path.read_text("utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return sorted(n.value for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
                  and CJK.search(n.value))


# What stays in code: pages.py's escaping table and the Unicode ranges of the Han characters
# (written as \u escapes). Words for readers, and the words and punctuation the code recognises
# in printed text, are in the YAML files.
KEPT = {
    "pages.py": ["＂", "＆", "＇", "＜", "＞", "｀"],  # plain(): markup characters made harmless
    "zhmap.py": ["\u3400", "\u9fff"], "search.py": ["\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"],  # Unicode ranges
}


@pytest.mark.parametrize("module", [p.name for p in MODULES])
def test_reader_text_is_not_in_code(module):
    assert literals(SITE / module) == sorted(KEPT.get(module, []))
