"""model/yaml_loader.py (through schema.read_yaml): the one YAML loader, with limits (issue 23).

Every recipe and registry file of the project loads exactly as yaml.safe_load loads it; what
safe_load lets through (an alias bomb, deep nesting, .nan, huge integers, duplicate keys, cycles,
lone surrogates) is a located PortalError, within seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from scripts.portal import cli, paths
from scripts.portal.errors import PortalError
from scripts.portal.extract.recipe import load_recipe
from scripts.portal.model import schema, yaml_loader

PRODUCT = Path(__file__).parents[1] / "scripts" / "portal"
REAL = sorted(PRODUCT.rglob("*.yaml"))


def bomb(levels: int = 9, width: int = 10) -> str:
    """Nine levels of ten aliases: about 700 bytes, a billion values once expanded."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def refused(text: str, tmp_path: Path) -> PortalError:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, "utf-8")
    started = time.perf_counter()
    with pytest.raises(PortalError) as err:
        schema.read_yaml(path, "indicators.yaml")
    assert time.perf_counter() - started < 3  # alone: under 0.5 s (100,000 levels), most under 0.01 s
    return err.value


def test_every_yaml_file_of_the_project_loads_as_safe_load_loads_it():
    assert len(REAL) > 30 and PRODUCT / "recipes" / "indicators.yaml" in REAL
    for path in REAL:
        assert schema.read_yaml(path) == yaml.safe_load(path.read_text("utf-8")), path


def test_the_registrys_own_aliases_are_within_the_budget():
    text = (PRODUCT / "recipes" / "indicators.yaml").read_text("utf-8")
    loader = yaml_loader.BoundedLoader(text)
    try:
        size = loader.check_size(loader.get_single_node())
    finally:
        loader.dispose()
    assert 0 < loader._aliases <= yaml_loader.MAX_ALIASES and size <= yaml_loader.MAX_NODES


def test_alias_bomb_is_refused_within_seconds(tmp_path):
    text = bomb()
    assert len(text.encode()) < 800
    err = refused(text, tmp_path)
    assert err.file == "indicators.yaml" and err.row is not None
    assert "expands to more than 200,000 values" in str(err)


def test_too_many_aliases_are_refused(tmp_path):
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert "more than 100 aliases" in str(refused(text, tmp_path))


@pytest.mark.parametrize("text, row, message", [
    ("[" * 100_000 + "]" * 100_000, 1, "nested more than 32 levels deep"),
    ("".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "x\n", 32, "nested more than 32 levels"),
    ("unit_factor: .nan\n", 1, "'.nan' is not a finite number"),
    ("a: 1\nfactor: -.inf\n", 2, "'-.inf' is not a finite number"),
    ("big: " + "9" * 5000 + "\n", 1, "is too long"),
    ("big: 12345678901234567890\n", 1, "is outside ±9,007,199,254,740,991"),
    ("id: a\nname: x\nid: index\n", 3, "key 'id' appears twice"),
    ("a: &x [*x]\n", 1, "a cycle"),
    ('name: "\\ud800"\n', 1, "lone UTF-16 surrogate"),
    ("a: !!python/object/apply:os.system [echo]\n", 1, "not valid YAML: could not determine a constructor"),
    ("a: [1, 2\n", 2, "not valid YAML"),
])
def test_what_safe_load_lets_through_is_a_located_error(tmp_path, text, row, message):
    err = refused(text, tmp_path)
    assert err.row == row and message in str(err) and str(err).startswith(f"file indicators.yaml, row {row}: ")
    assert "\n" not in str(err)


def test_oversize_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "MAX_YAML_BYTES", 100)
    assert "file is 120 bytes, over the limit of 100" in str(refused("a: " + "x" * 116 + "\n", tmp_path))


def test_a_few_aliases_and_merge_keys_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {unit: 个, factor: 1.5}\nx: *b\ny:\n  <<: *b\n  unit: 万\n", "utf-8")
    assert schema.read_yaml(path) == {"base": {"unit": "个", "factor": 1.5}, "x": {"unit": "个", "factor": 1.5},
                                      "y": {"unit": "万", "factor": 1.5}}


def test_a_recipe_with_an_alias_bomb_stops_the_extraction_located(tmp_path):
    recipe = tmp_path / "demo-table-1.yaml"
    recipe.write_text("name: demo-table-1\n" + bomb(), "utf-8")
    with pytest.raises(PortalError) as err:
        load_recipe(recipe)
    assert "alias bomb" in str(err.value) and str(recipe) in str(err.value)


def test_make_extract_refuses_a_registry_alias_bomb_within_seconds(tmp_path, monkeypatch, capsys):
    """`make extract` reads the registry first (cli.cmd_extract): the bomb never expands."""
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "topics.yaml").write_text((paths.RECIPES / "topics.yaml").read_text("utf-8"), "utf-8")
    (recipes / "indicators.yaml").write_text(bomb(), "utf-8")
    monkeypatch.setattr(paths, "RECIPES", recipes)
    started = time.perf_counter()
    code = cli.main(["--packages", str(tmp_path / "out"), "extract", "--sources", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and time.perf_counter() - started < 5
    assert "indicators.yaml, row 6: " in err and "alias bomb" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
