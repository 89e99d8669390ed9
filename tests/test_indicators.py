"""The indicator layer: registry, fact table package (datapackages/indicators/), frames, consistency."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from scripts.portal import paths
from scripts.portal.errors import PortalError
from scripts.portal.indicators.facts import build_facts
from scripts.portal.indicators.package import FIELDS, write_facts
from scripts.portal.indicators.registry import load_registry
from scripts.portal.model.frames import load_facts, package_frame
from scripts.portal.model.reader import load_package, load_portal
from scripts.portal.quality import CheckError, run_checks
from scripts.portal.validate import validate_package
from scripts.portal.model.registry import load_reports

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ["fact_id", "indicator_id", "indicator", "wording", "geography", "period", "period_type", "value", "unit",
            "value_printed", "unit_printed", "qualifier", "kind", "reference", "repeat_of", "source_package",
            "source_row", "source_field", "report", "source_line", "breakdown", "unmapped_reason"]


@pytest.fixture(scope="module")
def facts():
    return load_facts(paths.packages_dir(), raw=True)


@pytest.fixture(scope="module")
def registry_yaml():
    return yaml.safe_load((paths.RECIPES / "indicators.yaml").read_text("utf-8"))


def test_fact_table_package_is_valid():
    result = validate_package(paths.packages_dir() / "indicators", load_reports(paths.packages_dir()))
    assert [str(e) for e in result.errors] == []
    assert result.rows > 3000


def test_fact_table_has_the_contract_fields(facts):
    assert list(facts.columns)[:len(CONTRACT)] == CONTRACT
    assert facts["fact_id"].is_unique
    assert set(facts["kind"]) <= {"actual", "baseline", "target", "rank", "growth", "share", "other"}


def source_cells(portal):
    """Every key figure and every numeric table cell holding a number: (package, key, field) -> row."""
    cells = {}
    for pkg in portal.packages:
        pk = pkg.resource["schema"].get("primaryKey") or []
        numeric = [f.name for f in pkg.content_fields if f.numeric]
        for row in pkg.raw_rows:
            key = "/".join(row[k] for k in pk) if pk else f"line-{row['source_line']}"
            for name in numeric:
                if row[name] != "" and row[name] not in pkg.missing_values:  # "-", "/": printed, not numbers
                    cells[(pkg.name, key, name)] = row
    return cells


def test_every_published_number_is_exactly_one_fact(facts):
    cells = source_cells(load_portal(paths.packages_dir()))
    keys = list(zip(facts["source_package"], facts["source_row"], facts["source_field"]))
    assert len(keys) == len(set(keys))
    assert set(keys) == set(cells)


def expected_table_cell(fact, row, pkg, tables, geographies, units):
    """Place, period and printed unit of a table cell, read from the registry YAML as declared."""
    mapping = tables.get(fact["source_package"], {"fields": {}})
    field_spec = mapping["fields"].get(fact["source_field"], {})
    row_spec = mapping.get("rows", {}).get(fact["source_row"])
    row_spec = row_spec if isinstance(row_spec, dict) else {}
    place = mapping.get("geography") or geographies.get(row.get(mapping.get("geography_from"), ""),
                                                         row.get(mapping.get("geography_from"), ""))
    field_unit = pkg.field(fact["source_field"]).unit
    unit = row_spec.get("unit") or field_spec.get("unit") or (row[mapping["unit_from"]] if "unit_from" in mapping
                                                               else field_unit)
    return place, field_spec.get("period", ""), unit


def test_every_fact_rereads_equal_from_its_source_cell(facts, registry_yaml):
    portal = load_portal(paths.packages_dir())
    packages = {p.name: p for p in portal.packages}
    cells = source_cells(portal)
    geographies = {w: c for c, ws in registry_yaml["geographies"].items() for w in [c, *ws]}
    periods = {a["text"]: a["period"] for ind in registry_yaml["indicators"]
               for k in ("aliases", "growth", "rank", "share", "other") for a in ind.get(k, [])
               if isinstance(a, dict) and "period" in a}
    units = registry_yaml["units"]
    tables = {t["package"]: t for t in registry_yaml["tables"]}
    meanings = meaning_rows()
    for fact in facts.to_dict("records"):
        row = cells[(fact["source_package"], fact["source_row"], fact["source_field"])]
        assert row[fact["source_field"]] == fact["value_printed"], fact["fact_id"]
        assert row["source_line"] == fact["source_line"], fact["fact_id"]
        if fact["source_row"].startswith("kf-"):
            meaning = meanings[(fact["report"], fact["source_row"])]
            wording = row["indicator_simplified"] if row["indicator_simplified"] in periods else row["indicator"]
            period = meaning["period"] or periods.get(wording, re.sub(r"^(\d{4})-(\d{4})$", r"\1/\2", row["period"]))
            place, unit = geographies.get(row["geography"], row["geography"]), row["unit"]
            sign = -1 if meaning["sign"] == "-" else 1
        else:
            place, period, unit = expected_table_cell(fact, row, packages[fact["source_package"]], tables,
                                                      geographies, units)
            sign = 1
        if fact["period_type"] == "instant" and re.fullmatch(r"\d{4}", period):
            period += "-12"  # a year-end stock: one label per moment
        if fact["kind"] == "growth" and "/" not in period and fact["period"].endswith(f"/{period}"):
            period = fact["period"]  # a growth's compared moments: BASE/END, END as stated (conventions)
        assert (fact["geography"], fact["period"], fact["unit_printed"]) == (place, period, unit), fact["fact_id"]
        factor = 1 if fact["unit"] == unit else Decimal(str(units[fact["unit"]][unit]))
        assert Decimal(fact["value"]) == sign * Decimal(fact["value_printed"]) * factor, fact["fact_id"]


def meaning_rows() -> dict:
    """(report slug, key-figure id) -> its row of recipes/meaning/<slug>.csv, read with csv (not the registry)."""
    import csv

    out = {}
    for path in (paths.RECIPES / "meaning").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            out.update({(path.stem, r["id"]): r for r in csv.DictReader(f)})
    return out


def test_units_are_converted_only_within_a_declared_family(facts, registry_yaml):
    units = registry_yaml["units"]
    converted = facts[facts["unit"] != facts["unit_printed"]]
    assert len(converted) > 100
    for unit, printed in set(zip(converted["unit"], converted["unit_printed"])):
        assert printed in units[unit], (unit, printed)
    mixed = facts[(facts["unit"] == "%") & (facts["unit_printed"] == "个百分点")]
    assert mixed.empty
    users = facts[(facts["source_package"] == "cnnic-47-key-figures") & (facts["source_row"] == "kf-002")].iloc[0]
    assert (users["value"], users["unit"], users["value_printed"], users["unit_printed"]) == ("98900", "万人", "9.89", "亿")


def test_levels_are_in_their_indicators_unit_unless_printed_without_one(facts):
    reg = load_registry(paths.RECIPES)
    levels = facts[(facts["indicator_id"] != "") & facts["kind"].isin(["actual", "baseline", "target"])]
    other = levels[levels["unit"] != levels["indicator_id"].map(lambda i: reg.indicators[i]["unit"])]
    assert (other["unit_printed"] == "").all(), other[["fact_id", "indicator_id", "unit_printed"]].to_string()


def test_repeats_point_to_an_earlier_equal_statement(facts):
    by_id = facts.set_index("fact_id")
    repeats = facts[facts["repeat_of"] != ""]
    assert len(repeats) > 500
    for fact in repeats.to_dict("records"):
        first = by_id.loc[fact["repeat_of"]]
        assert first["repeat_of"] == "" and first.name < fact["fact_id"]
        for key in ("indicator_id", "geography", "period", "kind", "unit", "qualifier"):
            assert first[key] == fact[key]
    # the CNNIC summary, the chapter and the closing summary all say 9.89 亿
    users = facts[(facts["indicator_id"] == "internet-users") & (facts["geography"] == "全国")
                  & (facts["period"] == "2020-12") & (facts["qualifier"] == "") & (facts["kind"] == "actual")]
    assert (users["repeat_of"] == "").sum() == 1 and len(users) >= 4


def test_consistency_findings_name_both_sources():
    desc = json.loads((paths.packages_dir() / "indicators" / "datapackage.json").read_text("utf-8"))
    found = [f for f in desc["x-quality"] if f["status"] == "discrepancy"]
    shanghai = [f for f in found if "上海市" in f["detail"]]
    assert shanghai and "4.51" in shanghai[0]["detail"] and "4.52" in shanghai[0]["detail"]
    assert "liaoning-internet-2020-appendix-1" in shanghai[0]["detail"] and "cnnic-47-appendix-5" in shanghai[0]["detail"]
    assert any("48731" in f["detail"] and "48000" in f["detail"] for f in found)


CONSISTENCY_FIELDS = [{"name": f["name"], "type": f["type"], "unit": f.get("unit", "")} for f in FIELDS]


def fact(fid, value, printed, unit_printed, repeat="", **kw):
    row = {f["name"]: "" for f in FIELDS}
    row.update({"fact_id": fid, "indicator_id": "x", "indicator": "X", "geography": "辽宁省", "period": "2020",
                "value": value, "unit": "万人", "value_printed": printed, "unit_printed": unit_printed,
                "kind": "actual", "repeat_of": repeat, "source_package": "p", "source_row": fid,
                "source_field": "value", "source_line": "1", **kw})
    return row


def consistency(rows):
    return run_checks(rows, CONSISTENCY_FIELDS, [{"check": "consistency"}], "fact_id")


def test_consistency_check_on_small_facts():
    same = [fact("f1", "98900", "9.89", "亿"), fact("f2", "98899", "98899", "万", repeat="f1")]
    assert [f["status"] for f in consistency(same)] == ["pass"]
    differ = [fact("f1", "4.51", "4.51", "%"), fact("f2", "4.52", "4.52", "%")]
    findings = consistency(differ)
    assert findings[0]["status"] == "discrepancy" and "f1" in findings[0]["detail"] and "f2" in findings[0]["detail"]
    other_place = [fact("f1", "4.51", "4.51", "%"), fact("f2", "4.52", "4.52", "%", geography="全国")]
    assert [f["status"] for f in consistency(other_place)] == ["pass"]
    with pytest.raises(CheckError, match="repeat_of"):
        consistency([fact("f1", "5", "5", "万"), fact("f2", "5", "5", "万")])  # repeat not marked


def test_registry_loads_and_covers_every_dataset_and_topic(registry_yaml):
    reg = load_registry(paths.RECIPES)
    portal = load_portal(paths.packages_dir())
    tables = {p.name for p in portal.packages if p.source["table"] != "key-figures"}
    assert tables <= set(reg.tables), "every table package has a mapping (and so a topic)"
    assert {r.slug for r in portal.reports} <= set(reg.key_figure_topics)
    topics = {f"{slug}-key-figures": t for slug, t in reg.key_figure_topics.items()}
    topics.update({name: t["topic"] for name, t in reg.tables.items()})
    assert all(topics[p.name] in reg.topics for p in portal.packages)
    used = {i["topic"] for i in reg.indicators.values()}
    assert used <= set(reg.topics) and len(used) >= 7
    for entry in reg.indicators.values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry["id"]) and entry["name"] and entry["name_en"]


def test_every_plan_indicator_and_quantified_target_is_mapped(facts):
    plan = facts[facts["source_package"].str.startswith("digital-liaoning-plan-2")]
    table = plan[plan["source_package"] == "digital-liaoning-plan-2-indicators"]
    assert len(table) >= 30 and (table["indicator_id"] != "").all()
    stated = package_frame(load_package(paths.packages_dir() / "digital-liaoning-plan-2-key-figures"), raw=True)
    target_ids = set(stated.loc[stated["kind"] == "target", "id"])
    targets = plan[(plan["source_package"] == "digital-liaoning-plan-2-key-figures") & plan["source_row"].isin(target_ids)]
    assert len(targets) == len(target_ids) >= 50
    assert (targets["indicator_id"] != "").all(), targets.loc[targets["indicator_id"] == "", "indicator"].tolist()
    reg = load_registry(paths.RECIPES)
    assert set(table["indicator_id"]) | set(targets["indicator_id"]) <= {i for i, e in reg.indicators.items() if e.get("plan")}


def test_every_wording_stated_more_than_once_is_mapped(facts):
    kf = facts[facts["source_row"].str.startswith("kf-")]
    counts = kf.groupby("indicator")["fact_id"].count()
    repeated = kf[kf["indicator"].isin(counts[counts > 1].index)]
    assert (repeated["indicator_id"] != "").all(), sorted(set(repeated.loc[repeated["indicator_id"] == "", "indicator"]))


def test_traditional_wordings_map_like_the_rest(facts):
    sy = facts[(facts["source_package"] == "digital-shenyang-2022-key-figures") & (facts["indicator_id"] == "base-stations-5g")]
    assert len(sy) == 1 and sy.iloc[0]["geography"] == "沈阳市" and sy.iloc[0]["value"] == "2.2"
    reg = load_registry(paths.RECIPES)
    assert reg.aliases["5G基站數量"][0] == "base-stations-5g"
    assert {"5G基站数量", "5G基站數量", "5G基站数量全国位次"} <= set(reg.wordings("base-stations-5g"))


def test_coverage_numbers_match_the_data_and_the_readme(facts):
    desc = json.loads((paths.packages_dir() / "indicators" / "datapackage.json").read_text("utf-8"))
    cov = desc["x-coverage"]
    assert cov["facts"] == len(facts)
    assert cov["mapped"] == int((facts["indicator_id"] != "").sum())
    assert cov["mapped"] + cov["unmapped"] == cov["facts"] == cov["key_figures"] + cov["table_cells"]
    readme = (ROOT / "README.md").read_text("utf-8")
    for key in ("facts", "mapped", "unmapped", "key_figures_mapped", "table_cells_mapped"):
        assert f"{cov[key]:,}" in readme, key
    registered = len(load_registry(paths.RECIPES).indicators)
    assert cov["indicators_used"] == registered and f"{registered} registry indicators" in readme


BROKEN = {
    "duplicate id": ("  - id: internet-penetration\n", "  - id: internet-users\n", "duplicate id"),
    "unknown topic": ("    topic: users-apps\n", "    topic: no-such-topic\n", "no-such-topic"),
    "wording twice": ("    aliases: [互联网普及率]\n", "    aliases: [互联网普及率, 网民规模]\n", "mapped twice"),
    "schema": ("    name_en: Internet users\n", "", "name_en"),
    "unregistered": ("{indicator: ipv4-share,", "{indicator: no-such-indicator,", "not registered"),
    "markup": ("    name_en: Internet users\n", "    name_en: <img src=x onerror=alert(1)>\n", "markup"),
    "script link": ("    aliases: [网民规模, ", "    aliases: ['javascript:alert(1)', 网民规模, ", "markup"),
}


def edit_registry(tmp_path, old: str, new: str) -> None:
    """A copy of the recipes in tmp_path/recipes with `old` replaced by `new` in indicators.yaml."""
    shutil.copytree(paths.RECIPES, tmp_path / "recipes")
    path = tmp_path / "recipes" / "indicators.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_registry_is_refused_by_name(case, tmp_path):
    old, new, message = BROKEN[case]
    edit_registry(tmp_path, old, new)
    with pytest.raises(PortalError, match=message) as err:
        load_registry(tmp_path / "recipes")
    assert "indicators.yaml" in str(err.value)


MISMAPPED = {
    "field": ('      users_2019: {indicator: "app-{row}-users"', '      users_2091: {indicator: "app-{row}-users"',
              "users_2091"),
    "row": ("      在线教育: online-education\n", "      在线教肓: online-education\n", "在线教肓"),
    "column": ("    geography_from: province\n", "    geography_from: provnice\n", "provnice"),
    "package": ("  - package: cnnic-47-table-8-gov-websites-by-province\n",
                "  - package: cnnic-47-table-8-gov-websites-by-provinces\n", "do not exist"),
}


@pytest.mark.parametrize("case", sorted(MISMAPPED))
def test_table_mapping_naming_what_a_package_lacks_is_refused(case, tmp_path):
    old, new, message = MISMAPPED[case]
    edit_registry(tmp_path, old, new)
    with pytest.raises(PortalError, match=message) as err:
        build_facts(paths.packages_dir(), tmp_path / "recipes")
    assert "indicators.yaml" in str(err.value)


def test_broken_registry_leaves_the_fact_table_intact(tmp_path):
    shutil.copytree(paths.packages_dir(), tmp_path / "packages")
    shutil.copytree(paths.RECIPES, tmp_path / "recipes")
    before = (tmp_path / "packages" / "indicators" / "data.csv").read_bytes()
    (tmp_path / "recipes" / "indicators.yaml").write_text("indicators: [", "utf-8")
    with pytest.raises(PortalError, match="YAML"):
        write_facts(tmp_path / "packages", tmp_path / "recipes")
    assert (tmp_path / "packages" / "indicators" / "data.csv").read_bytes() == before


def test_fact_table_is_rebuilt_byte_for_byte(tmp_path):
    shutil.copytree(paths.packages_dir(), tmp_path / "packages")
    files = write_facts(tmp_path / "packages", paths.RECIPES)
    for name, content in files.items():
        assert (paths.packages_dir() / "indicators" / name).read_bytes() == content


def test_package_frame_types():
    pkg = load_package(paths.packages_dir() / "cnnic-47-table-8-gov-websites-by-province")
    typed, raw = package_frame(pkg), package_frame(pkg, raw=True)
    assert str(typed["websites_2020_12"].dtype) == "Int64" and raw["websites_2020_12"].iloc[0] == "73"
    assert list(typed.columns) == [f.name for f in pkg.fields] and typed.attrs["primary_key"] == ["province"]
    portal = load_portal(paths.packages_dir())
    assert "indicators" in portal.derived and "indicators" not in {p.name for p in portal.packages}


def test_validate_does_not_import_pandas():
    code = ("import sys; from pathlib import Path; from scripts.portal.validate import validate_all; "
            f"validate_all(Path({str(paths.packages_dir())!r})); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_extract_refuses_a_broken_registry_before_writing(tmp_path, monkeypatch, capsys, sources):
    from scripts.portal import cli

    shutil.copytree(paths.packages_dir(), tmp_path / "packages")
    shutil.copytree(paths.RECIPES, tmp_path / "recipes")
    registry = tmp_path / "recipes" / "indicators.yaml"
    registry.write_text(registry.read_text("utf-8").replace("    topic: users-apps\n", "    topic: nowhere\n", 1), "utf-8")
    before = {p: p.read_bytes() for p in sorted((tmp_path / "packages").rglob("*")) if p.is_file()}
    monkeypatch.setattr(paths, "RECIPES", tmp_path / "recipes")
    assert cli.main(["--packages", str(tmp_path / "packages"), "extract", "--sources", str(sources)]) == 1
    err = capsys.readouterr().err
    assert "ERROR" in err and "indicators.yaml" in err and "nowhere" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in sorted((tmp_path / "packages").rglob("*")) if p.is_file()} == before


def test_drift_sees_a_registry_change(tmp_path, sources):
    from scripts.portal.extract.run import build_all
    from scripts.portal.indicators.package import facts_drift

    built = build_all(sources, paths.RECIPES, paths.packages_dir())
    assert facts_drift(built, paths.packages_dir(), paths.RECIPES) == []
    shutil.copytree(paths.RECIPES, tmp_path / "recipes")
    registry = tmp_path / "recipes" / "indicators.yaml"
    registry.write_text(registry.read_text("utf-8").replace("    name: 网民规模\n", "    name: 网民人数\n", 1), "utf-8")
    problems = facts_drift(built, paths.packages_dir(), tmp_path / "recipes")
    assert "indicators/data.csv: differs from a fresh build (registry or packages changed)" in problems
