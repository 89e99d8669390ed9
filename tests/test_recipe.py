"""Recipes follow one schema: unknown or misspelt keys are refused with their path; the reference
page lists every key of it."""

from __future__ import annotations

import pytest
import yaml

from scripts.portal import paths
from scripts.portal.errors import PortalError
from scripts.portal.extract.recipe import load_key_figures, load_recipe, schema, table_recipes

REAL = paths.RECIPES / "tables" / "liaoning-internet-2020-table-3-listed-companies.yaml"


def write_variant(tmp_path, change) -> object:
    data = yaml.safe_load(REAL.read_text("utf-8"))
    change(data)
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_every_real_recipe_follows_the_schema():
    recipes = table_recipes(paths.RECIPES)
    assert len(recipes) == len(list((paths.RECIPES / "tables").glob("*.yaml")))
    assert load_key_figures(paths.RECIPES / "key-figures.yaml")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["fields"][3].update(unti="亿元"), "fields[3].unti: unknown key 'unti' (did you mean 'unit'?)"),
    (lambda d: d.update(total=["总市值"]), "total: unknown key 'total' (did you mean 'totals'?)"),
    (lambda d: d["checks"][0].update(feild="x"), "checks[0].feild: unknown key 'feild' (did you mean 'field'?)"),
    (lambda d: d["display"].update(measure=["x"]), "display.measure: unknown key 'measure' (did you mean 'measures'?)"),
    (lambda d: d.update(acknowledged=[{"check": "sum", "printed": "1", "computed": "2"}]),
     "acknowledged[0]: 'reason' is a required property"),
    (lambda d: d.pop("lines"), "'lines' is a required property"),
    (lambda d: d["fields"][0].update(type="text"), "fields[0].type: 'text' is not one of"),
    (lambda d: d["checks"].append({"check": "magic"}), "checks[3].check: 'magic' is not one of"),
])
def test_a_wrong_key_is_refused_with_its_path(tmp_path, change, message):
    with pytest.raises(PortalError) as caught:
        load_recipe(write_variant(tmp_path, change))
    assert message in str(caught.value)
    assert "liaoning-internet-2020-table-3-listed-companies" in str(caught.value)


def test_an_unquoted_comma_in_a_flow_mapping_is_caught(tmp_path):
    path = tmp_path / "x.yaml"
    text = REAL.read_text("utf-8").replace("title_en: Company,", "title_en: Company, listed,")
    path.write_text(text, "utf-8")
    with pytest.raises(PortalError, match=r"fields\[1\]\.listed: unknown key"):
        load_recipe(path)


def test_the_recipe_is_typed():
    recipe = load_recipe(REAL)
    assert recipe.totals == ["总市值"] and recipe.label == "seq" and recipe.split == "tab"
    assert not hasattr(recipe, "get") and not hasattr(recipe, "data")
    with pytest.raises(AttributeError):
        recipe.tottals  # noqa: B018 (a misspelling is an error, not None)


def test_reference_page_lists_every_key_with_an_example():
    from scripts.portal.site import reference

    sections = reference.sections()
    listed = {(s["title"], k["key"]) for s in sections for k in s["entries"]}
    root = schema()
    assert {k for t, k in listed if t.startswith("表格配方")} == set(root["properties"])
    assert {k for t, k in listed if t.startswith("字段")} == set(root["$defs"]["field"]["properties"])
    assert {k for t, k in listed if t == "检查 check: formula"} == set(root["$defs"]["check_formula"]["properties"]) - {"check"}
    for s in sections:
        for k in s["entries"]:
            assert k["description"] and k["example"].startswith(f"{k['key']}: ") and len(k["example"]) > len(k["key"]) + 2, k
    kinds = {s["title"].split(": ")[-1] for s in sections if s["title"].startswith("检查")}
    assert kinds == set(root["$defs"]["check"]["properties"]["check"]["enum"])
