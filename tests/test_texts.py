"""Reader-facing words live in YAML files next to their modules (scripts/portal/texts.py, issue 12).

Every module that loads such a file (`NAME = Texts.beside(__file__, "x.yaml")`) is read with
`ast`: each key it asks for (`NAME("key", …)`, `NAME.data("key")`) must be in the file, each
entry of the file must be asked for by some module, and a template must name exactly the
values the call passes (a misspelt placeholder would otherwise fail only when that finding
is first printed).
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
import yaml

from scripts.portal.texts import Texts

PRODUCT = Path(__file__).resolve().parents[1] / "scripts" / "portal"


def loaders(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = Texts.beside(__file__, "file.yaml")`: NAME -> file name."""
    out = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "beside"
                and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == "Texts"):
            out[node.targets[0].id] = node.value.args[1].value
    return out


def uses() -> list[tuple[str, Path, str, str, set | None]]:
    """(module, yaml path, key, "text"|"data", keyword names passed or None when **values)."""
    found = []
    for path in sorted(PRODUCT.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        names = loaders(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in names:
                kind, name = "text", func.id
            elif (isinstance(func, ast.Attribute) and func.attr == "data" and isinstance(func.value, ast.Name)
                  and func.value.id in names):
                kind, name = "data", func.value.id
            else:
                continue
            passed = {k.arg for k in node.keywords}
            found.append((path.relative_to(PRODUCT).as_posix(), path.with_name(names[name]), node.args[0].value,
                          kind, None if None in passed else passed))
    return found


USES = uses()
FILES = sorted({u[1] for u in USES})


def test_the_modules_of_issue_12_use_their_files():
    modules = {u[0] for u in USES}
    assert {"quality.py", "acknowledged.py"} <= modules


@pytest.mark.parametrize("module,path,key,kind,passed", USES, ids=lambda v: str(v) if isinstance(v, str) else None)
def test_every_key_used_is_in_its_file(module, path, key, kind, passed):
    entries = yaml.safe_load(path.read_text("utf-8"))
    assert key in entries, f"{module} asks for {key!r}, which {path.name} does not have"
    if kind == "data":
        return
    assert isinstance(entries[key], str), f"{path.name}: {key!r} must be a text template"
    fields = {f for _, f, _, _ in string.Formatter().parse(entries[key]) if f is not None}
    fields = {f.split(".")[0].split("[")[0] for f in fields}
    if passed is not None:
        assert fields == passed, f"{path.name}: {key!r} names {sorted(fields)}, {module} passes {sorted(passed)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_entry_is_used(path):
    entries = yaml.safe_load(path.read_text("utf-8"))
    used = {u[2] for u in USES if u[1] == path}
    assert set(entries) - used == set(), f"{path.name}: entries no module asks for"


def test_a_missing_key_names_the_file(tmp_path):
    (tmp_path / "x.yaml").write_text("a: '{n:,} 个'\nb: [1, 2]\n", encoding="utf-8")
    texts = Texts(tmp_path / "x.yaml")
    assert texts("a", n=12345) == "12,345 个"
    assert texts.data("b") == [1, 2]
    texts.data("b").append(3)
    assert texts.data("b") == [1, 2]
    with pytest.raises(KeyError, match="x.yaml has no entry 'c'"):
        texts("c")
    with pytest.raises(TypeError):
        texts("b")
