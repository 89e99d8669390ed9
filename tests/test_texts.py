"""Reader-facing words live in YAML files next to their modules (scripts/portal/texts.py, issue 12).

Every module that loads such a file (`NAME = Texts.beside(__file__, "x.yaml")`) is read with
`ast`: each key it asks for (`NAME("key", …)`, `NAME.data("key")`) must be in the file, each
entry of the file must be asked for by some module, and a template must name exactly the
values the call passes (a misspelt placeholder would otherwise fail only when that finding
is first printed).
"""

from __future__ import annotations

import ast
import re
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
        if path.parent.name == "site":  # the site's files use dotted keys: tests/test_site_texts.py
            continue
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
    assert {"quality.py", "acknowledged.py", "model/writer.py", "indicators/package.py", "extract/keyfigures.py",
            "extract/newreport.py", "extract/rows.py"} <= modules


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]")
# Chinese left in the code of the data layer (site/ has its own texts), each for a reason: patterns
# and punctuation that parse the printed source text, and the reader's fallback label.
ALLOWED = {
    "acknowledged.py": {" “", "”"},  # quotes around a check's name in the maintainer's message
    "extract/keyfigures.py": {r"^图\s*(\d+)\s+\S", "图"},  # a figure caption as printed, its id
    "extract/newreport.py": {
        r"^\s*(附表|表)\s*(\d+)\s*(.*?)\s*$", "附表",  # a table caption as printed, its kind
        r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章节])",  # a heading
        r"[（(]\s*([^（）()]{1,6})\s*[）)]\s*$", r"(20\d\d)\s*年\s*(\d{1,2})\s*月",  # unit in a header, a date
        "%％", "，", "％",  # full-width separators and percent signs of printed numbers
        "no captioned table found (表 N / 附表 N followed by tab-separated lines)"},  # English, to the maintainer
    "extract/rows.py": {"%％", "，"},
    # table ids in order; a unit column named in the unit ("见 unit 列"); full-width brackets of a
    # title that prints its unit; the label of a missing-value marker without one (the site's
    # cache hashes model/*.py, not model/*.yaml: moving it needs site/cache.py to follow)
    "model/reader.py": {r"(附?)表(\d+)", "列", "（", "）", "缺失值"},
}


def cjk_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and CJK.search(node.value)}


DATA_LAYER = [p for p in sorted(PRODUCT.rglob("*.py")) if "site" not in p.relative_to(PRODUCT).parts]


@pytest.mark.parametrize("path", DATA_LAYER, ids=lambda p: p.relative_to(PRODUCT).as_posix())
def test_no_reader_facing_chinese_in_the_data_layer_code(path):
    module = path.relative_to(PRODUCT).as_posix()
    left = cjk_literals(path) - ALLOWED.get(module, set())
    assert left == set(), f"{module}: move these texts into a YAML file beside it (texts.py): {sorted(left)}"


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
    with pytest.raises(KeyError, match="x.yaml has no text 'c'"):
        texts("c")
    with pytest.raises(TypeError):
        texts("b")


def test_dotted_keys_whole_file_and_what_is_missing(tmp_path):
    (tmp_path / "demo.yaml").write_text("a:\n  b: 共{count}项\n  braces: '{{x}}'\n  items: [一, 二]\n", "utf-8")
    (tmp_path / "bad.yaml").write_text("- 一\n", "utf-8")
    t = Texts(tmp_path / "demo.yaml")
    assert t("a.b", count=3) == "共3项"
    assert t("a.braces") == "{x}"
    assert t.data("a.items") == ["一", "二"]
    assert t.all()["a"]["b"] == "共{count}项"
    with pytest.raises(KeyError, match=r"demo\.yaml has no text 'a\.c'"):
        t("a.c")
    with pytest.raises(TypeError, match="not a text"):
        t("a.items")
    with pytest.raises(KeyError):
        t("a.b")  # a placeholder the caller did not fill
    with pytest.raises(ValueError, match="bad.yaml"):
        Texts(tmp_path / "bad.yaml").data("x")
