"""The real, committed data packages: valid, traceable to the source text, and complete."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from scripts.portal import paths
from scripts.portal.extract import keyfigures
from scripts.portal.extract.recipe import table_recipes
from scripts.portal.extract.run import build_all, drift
from scripts.portal.validate import validate_all

from conftest import real_packages

FIXTURES = Path(__file__).parent / "fixtures" / "second_transcription"
META = {"row_type", "parent", "source_line"}


def key_figure_slugs() -> list[str]:
    """Reports with a key-figures block and a transcription that has rows (from the recipes)."""
    return [slug for slug in keyfigures.meta_for(paths.RECIPES)
            if keyfigures.transcribed(paths.RECIPES / f"{slug}-key-figures.csv")]

def load(directory: Path) -> tuple[dict, list[dict]]:
    desc = json.loads((directory / "datapackage.json").read_text("utf-8"))
    with (directory / "data.csv").open(encoding="utf-8", newline="") as fh:
        return desc, list(csv.DictReader(fh))


def table_packages():
    return [d for d in real_packages() if load(d)[0]["x-source"]["table"] != "key-figures"]


def test_every_recipe_and_report_has_its_package(reports):
    """The expected packages come from the recipes and the registry: a new report is tested as the others."""
    found = {load(d)[0]["name"]: load(d)[0]["x-source"]["report"] for d in real_packages()}
    expected = {r.name for r in table_recipes(paths.RECIPES)} | {f"{s}-key-figures" for s in key_figure_slugs()}
    assert expected - set(found) == set(), "recipes whose package is missing (run make extract)"
    assert set(found) - expected == set(), "packages that no recipe produces"
    assert set(reports) - set(found.values()) == set(), "registered reports that publish nothing"


def test_all_packages_validate():
    results = validate_all(paths.packages_dir())
    errors = [str(e) for r in results for e in r.errors]
    assert errors == []


def test_names_follow_conventions():
    names = [load(d)[0]["name"] for d in real_packages()]
    assert len(names) == len(set(names))
    for directory in real_packages():
        desc, _ = load(directory)
        assert desc["name"].startswith(desc["x-source"]["report"])
        assert " " not in desc["x-source"]["table"]
        for spec in desc["resources"][0]["schema"]["fields"]:
            assert re.match(r"^[a-z][a-z0-9_]*$", spec["name"]), spec["name"]
            assert spec.get("title"), spec["name"]


def printed_forms(value: str) -> set[str]:
    """How a stored number may appear in print: as is, or with thousands separators."""
    forms = {value}
    integer, _, frac = value.lstrip("-").partition(".")
    if len(integer) > 3:
        grouped = f"{int(integer):,}" + (f".{frac}" if frac else "")
        forms.add(("-" if value.startswith("-") else "") + grouped)
    return forms


@pytest.mark.parametrize("directory", table_packages(), ids=lambda d: d.name)
def test_every_table_number_is_on_its_source_line(directory, sources, reports):
    desc, rows = load(directory)
    lines = (sources / reports[desc["x-source"]["report"]]["source_file"]).read_text("utf-8").splitlines()
    numeric = [f["name"] for f in desc["resources"][0]["schema"]["fields"]
               if f["type"] in ("number", "integer") and f["name"] not in META]
    for row in rows:
        line = lines[int(row["source_line"]) - 1].replace(" ", "")
        for name in numeric:
            if row[name]:
                assert any(form in line for form in printed_forms(row[name])), \
                    f"{directory.name} line {row['source_line']} field {name}: {row[name]} not in {line!r}"


CN_DIGITS = "零一二三四五六七八九"


def chinese_forms(value: str, unit: str) -> list[str]:
    """The words the sources use for a small whole number (第十一位, 前十位, 首位, 五個, 十大, 千億,
    萬餘人次): the forms a key figure's value may take in its excerpt besides its digits."""
    if not re.fullmatch(r"\d+", value):
        return []
    n = int(value)
    forms = []
    if 0 < n < 100:
        tens, ones = divmod(n, 10)
        forms.append((CN_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (CN_DIGITS[ones] if ones else ""))
    if n == 1:
        forms += ["首", "第一"] + (["万", "萬"] if unit.startswith("万") else [])
    if n == 1000:
        forms.append("千")
    return forms


def test_chinese_forms_of_small_numbers():
    assert chinese_forms("11", "位") == ["十一"] and chinese_forms("10", "个") == ["十"]
    assert chinese_forms("5", "个") == ["五"] and chinese_forms("24", "个") == ["二十四"]
    assert "首" in chinese_forms("1", "位") and "萬" in chinese_forms("1", "万人次") and "萬" not in chinese_forms("1", "个")
    assert chinese_forms("1000", "亿元") == ["千"] and chinese_forms("2.5", "万个") == []


@pytest.mark.parametrize("slug", key_figure_slugs())
def test_key_figures_are_on_their_source_line(slug, sources, reports):
    _, rows = load(paths.packages_dir() / f"{slug}-key-figures")
    lines = (sources / reports[slug]["source_file"]).read_text("utf-8").splitlines()
    assert len(rows) >= 10
    for row in rows:
        line = lines[int(row["source_line"]) - 1]
        assert row["source_text"] in line, f"{row['id']}: excerpt not on line {row['source_line']}"
        text = row["source_text"].replace(",", "").replace("，", "")
        assert row["value"] in text or row["value"].lstrip("-") in text or \
            any(form in text for form in chinese_forms(row["value"], row["unit"])), f"{row['id']}: {row['value']} not in excerpt"


def test_traditional_key_figures_have_simplified_labels():
    import zhconv

    _, rows = load(paths.packages_dir() / "digital-shenyang-2022-key-figures")
    converted = sum(zhconv.convert(r["indicator"], "zh-cn") == r["indicator_simplified"] for r in rows)
    assert converted / len(rows) > 0.8
    assert any(r["indicator"] != r["indicator_simplified"] for r in rows)


def cells_of(row: dict, names: list[str], missing: set = frozenset()) -> Counter:
    """Non-empty cells; a declared missing-value marker ("-", "未透露") counts as empty, as the
    second transcription leaves such cells empty."""
    return Counter(v.strip() for v in (row[n] for n in names) if v.strip() and v.strip() not in missing)


@pytest.mark.parametrize("directory", table_packages(), ids=lambda d: d.name)
def test_second_transcription_agrees(directory, reports):
    """An independent transcription, made from the source without seeing the recipes, agrees."""
    desc, rows = load(directory)
    code = reports[desc["x-source"]["report"]]["code"]
    fixture = FIXTURES / f"{code}_{desc['x-source']['table']}.csv"
    with fixture.open(encoding="utf-8", newline="") as fh:
        other = list(csv.reader(fh))[1:]
    fields = [f for f in desc["resources"][0]["schema"]["fields"] if f["name"] not in META]
    printed = [f["name"] for f in fields if not f.get("x-derived")]
    derived = {f["name"] for f in fields if f.get("x-derived")}
    names = [n for n in printed if n not in derived]
    missing = {m["value"] if isinstance(m, dict) else m for m in desc["resources"][0]["schema"]["missingValues"]}
    assert len(rows) == len(other), f"{directory.name}: {len(rows)} rows vs {len(other)} in {fixture.name}"
    for row, theirs in zip(rows, other):
        ours = cells_of(row, names, missing)
        assert ours == Counter(c.strip() for c in theirs if c.strip()), \
            f"{directory.name} line {row['source_line']}: {sorted(ours.elements())} vs {theirs}"


def test_no_drift_from_sources(sources):
    problems = drift(build_all(sources, paths.RECIPES, paths.packages_dir()), paths.packages_dir())
    assert problems == []
