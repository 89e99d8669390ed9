"""The statistical model of each figure (issue 19): kind, reference, sign, period and period type,
indicator or the reason a figure stays apart; joins that never mix populations; conflicts that
respect qualifiers. Real data first, then small broken copies of the registry that `make validate`
and `make extract` must refuse with a located error."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from scripts.portal import cli, paths
from scripts.portal.errors import PortalError
from scripts.portal.indicators.registry import load_registry
from scripts.portal.model.frames import load_facts
from scripts.portal.quality import compatible, statement_bounds
from scripts.portal.validate import validate_registry

PERIOD = r"\d{4}(-(0[1-9]|1[0-2]|H[12]|Q[1-4]))?"


@pytest.fixture(scope="module")
def facts():
    return load_facts(paths.packages_dir(), raw=True)


# ---------------------------------------------------------------- the real fact table

def test_growth_share_and_rank_wordings_are_not_levels(facts):
    """A figure whose own wording states a change, a rank or a share is never filed as a level."""
    kf = facts[facts["source_row"].str.startswith("kf-")]
    stated = kf[kf["wording"].str.contains(r"同比增长|同比下降|较上年增加|较上年减少|排名|位次|占比")]
    assert len(stated) > 150
    levels = stated[stated["kind"].isin(["actual", "baseline"])]
    assert levels.empty, levels[["source_package", "source_row", "wording", "kind"]].head(20).to_string()


def test_a_decrease_is_negative_and_printed_as_printed(facts):
    travel = facts[(facts["source_package"] == "cnnic-47-key-figures")
                   & facts["wording"].str.startswith("在线旅行预订用户规模较2020年3月下降")].iloc[0]
    assert (travel["kind"], travel["value"], travel["value_printed"]) == ("growth", "-3052", "3052")
    falls = facts[(facts["kind"] == "growth") & facts["wording"].str.contains("下降|减少")
                  & ~facts["wording"].str.contains("增长|提升|提高|增加")]
    assert len(falls) >= 10
    assert (falls["value"].astype(float) < 0).all(), falls.loc[falls["value"].astype(float) >= 0, "wording"].tolist()
    assert (~falls["value_printed"].str.startswith("-")).any()


def test_every_share_and_rank_says_of_or_among_what(facts):
    referenced = facts[facts["kind"].isin(["share", "rank"])]
    assert len(referenced) > 400
    assert (referenced["reference"] != "").all() and (referenced["reference"] != "TODO").all()
    five_g = facts[(facts["source_package"] == "liaoning-internet-2020-key-figures")
                   & facts["wording"].str.startswith("5G基站") & (facts["kind"] == "share")]
    assert len(five_g) and five_g["reference"].str.contains("东北").all()


def test_only_growth_share_and_rank_carry_a_reference(facts):
    others = facts[~facts["kind"].isin(["growth", "share", "rank"])]
    assert (others["reference"] == "").all()


def test_one_moment_has_one_label(facts):
    """A year-end stock is YYYY-12 whichever report printed `2020`; every period has a known form."""
    assert facts["period"].map(lambda p: p == "" or re.fullmatch(f"{PERIOD}(/{PERIOD})?", p) is not None).all()
    assert set(facts["period_type"]) == {"instant", "duration"}
    instant = facts[facts["period_type"] == "instant"]
    assert not instant["period"].str.fullmatch(r"\d{4}").any()
    mapped = facts[facts["indicator_id"] != ""]
    labels = mapped.groupby(["indicator_id", "geography", "kind", "breakdown"])["period"].agg(set)
    assert not [k for k, ps in labels.items() if any(f"{p}-12" in ps for p in ps if len(p) == 4)]
    fibre = mapped[(mapped["indicator_id"] == "fibre-cable-length") & (mapped["geography"] == "辽宁省")]
    assert "2020" not in set(fibre["period"]) and "2020-12" in set(fibre["period"])


def test_coverage_overall_and_per_report(facts):
    mapped = facts["indicator_id"] != ""
    assert mapped.mean() >= 0.85, f"{mapped.mean():.1%}"
    per_report = mapped.groupby(facts["report"]).mean()
    assert (per_report >= 0.70).all(), per_report.to_dict()


def test_every_unmapped_figure_says_why(facts):
    unmapped = facts[facts["indicator_id"] == ""]
    assert (unmapped["unmapped_reason"] != "").all() and (unmapped["unmapped_reason"] != "TODO").all()
    assert (facts.loc[facts["indicator_id"] != "", "unmapped_reason"] == "").all()


def test_joins_that_mixed_measures_are_apart(facts):
    def indicator_of(package, wording):
        rows = facts[(facts["source_package"] == package) & facts["wording"].str.startswith(wording)]
        assert len(rows), wording
        return set(rows["indicator_id"])

    assert "data-centre-racks" not in indicator_of("liaoning-internet-2020-key-figures", "数据中心机架总数")
    for wording in ("重点企业数字化研发设计工具普及率", "重点企业关键工序数控化率"):
        ids = indicator_of("digital-shenyang-2022-key-figures", wording)
        assert not ids & {"digital-design-tools-rate", "nc-key-processes-rate"}
    assert "rural-internet-penetration" not in indicator_of("shenyang-data-bureau-2024-key-figures", "涉农地区互联网普及率")


def test_national_government_websites_join_the_table(facts):
    prose = facts[(facts["source_package"] == "cnnic-47-key-figures") & (facts["value_printed"] == "14444")]
    table = facts[facts["source_package"] == "cnnic-47-table-8-gov-websites-by-province"]
    assert len(prose) == 1 and prose.iloc[0]["indicator_id"] in set(table["indicator_id"])


def test_shenyang_joins_the_province_and_the_nation(facts):
    sy = facts[facts["report"].isin(["shenyang-data-bureau-2024", "digital-shenyang-2022"])]
    shared = set(sy.loc[sy["indicator_id"] != "", "indicator_id"]) & set(
        facts.loc[~facts["report"].isin(["shenyang-data-bureau-2024", "digital-shenyang-2022"]), "indicator_id"])
    assert len(shared - {""}) >= 5, shared


def test_conflicts_respect_qualifiers():
    import json

    desc = json.loads((paths.packages_dir() / "indicators" / "datapackage.json").read_text("utf-8"))
    found = {(q["field"], q["row"]): q["status"] for q in desc["x-quality"] if q.get("row")}
    assert found[("internet-hospitals", "辽宁省|2025-12|target")] == "discrepancy"  # 80 vs 50左右
    assert found[("identifier-secondary-nodes", "辽宁省|2025-12|target")] == "pass"  # 30 vs 20以上: both can hold
    assert found[("ipv4-share", "上海市|2020-12|share")] == "discrepancy"          # 4.51 vs 4.52


@pytest.mark.parametrize("a,b,together", [
    (("30", ""), ("20", "以上"), True), (("80", ""), ("50", "左右"), False), (("4.51", ""), ("4.52", ""), False),
    (("48000", ""), ("48731", ""), False), (("9.89", ""), ("10", "接近"), True), (("3", "超过"), ("2", ""), False),
])
def test_qualified_bounds(a, b, together):
    def row(value, q):
        return {"value": value, "value_printed": value, "unit_printed": "个", "qualifier": q}

    assert compatible(row(*a), row(*b)) is together
    lo, hi = statement_bounds(row("20", "以上"))
    assert lo <= 20 and hi == float("inf")


# ---------------------------------------------------------------- bad input: located, nothing built

def copy_recipes(tmp_path) -> Path:
    shutil.copytree(paths.RECIPES, tmp_path / "recipes")
    return tmp_path / "recipes"


def edit_meaning(recipes: Path, slug: str, figure: str, **changes) -> int:
    """Change one figure's meaning row; returns its line number in the file."""
    path = recipes / "meaning" / f"{slug}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    line = next(i for i, r in enumerate(rows, 2) if r["id"] == figure)
    rows[line - 2].update(changes)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return line


def first(slug: str, kind: str) -> str:
    with (paths.RECIPES / "meaning" / f"{slug}.csv").open(encoding="utf-8", newline="") as f:
        return next(r["id"] for r in csv.DictReader(f) if r["kind"] == kind)


@pytest.mark.parametrize("case,changes,field,message", [
    ("reference on a level", {"kind": "actual", "reference": "全国"}, "reference", "takes no reference"),
    ("unknown period form", {"period": "2020年底"}, "period", "unknown period form"),
    ("sign on a level", {"kind": "actual", "reference": "", "sign": "-"}, "sign", "sign"),
    ("unknown kind", {"kind": "level"}, "kind", "kind 'level'"),
    ("unknown indicator", {"indicator_id": "no-such-indicator"}, "indicator_id", "not registered"),
    ("wrong wording", {"wording": "网民规模"}, "wording", "the figure is"),
])
def test_a_bad_meaning_row_is_refused_with_its_place(tmp_path, case, changes, field, message):
    recipes = copy_recipes(tmp_path)
    figure = first("cnnic-47", "growth")
    line = edit_meaning(recipes, "cnnic-47", figure, **changes)
    with pytest.raises(PortalError, match=message) as err:
        if field == "wording":
            from scripts.portal.indicators.facts import build_facts
            build_facts(paths.packages_dir(), recipes)
        else:
            load_registry(recipes)
    assert err.value.file == "meaning/cnnic-47.csv" and err.value.field == field
    if field != "wording":
        assert err.value.row == line
    else:
        assert err.value.row == line and err.value.package == "cnnic-47-key-figures"


def test_a_share_without_reference_fails_validate(tmp_path, monkeypatch, capsys):
    recipes = copy_recipes(tmp_path)
    figure = first("liaoning-internet-2020", "share")
    line = edit_meaning(recipes, "liaoning-internet-2020", figure, reference="")
    result = validate_registry(recipes)
    assert [(e.file, e.row, e.field) for e in result.errors] == [("meaning/liaoning-internet-2020.csv", line, "reference")]
    monkeypatch.setattr(paths, "RECIPES", recipes)
    assert cli.main(["validate"]) == 1
    assert "needs its reference" in capsys.readouterr().out


def test_an_alias_under_two_indicators_is_refused(tmp_path, monkeypatch, capsys):
    recipes = copy_recipes(tmp_path)
    path = recipes / "indicators.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("    aliases: [互联网普及率]\n", "    aliases: [互联网普及率, 网民规模]\n", 1), "utf-8")
    with pytest.raises(PortalError, match="mapped twice") as err:
        load_registry(recipes)
    assert err.value.file == "indicators.yaml" and err.value.field == "aliases"
    monkeypatch.setattr(paths, "RECIPES", recipes)  # `make validate` refuses it too, located
    assert cli.main(["validate"]) == 1
    assert "ERROR file indicators.yaml, row " in capsys.readouterr().out


def test_a_join_across_populations_is_refused_unless_declared(tmp_path):
    recipes = copy_recipes(tmp_path)
    path = recipes / "indicators.yaml"
    text = path.read_text("utf-8")
    joined = text.replace("    aliases: [数据中心标准机架数]\n", "    aliases: [数据中心标准机架数, 数据中心机架总数合计]\n", 1)
    path.write_text(joined, "utf-8")
    with pytest.raises(PortalError, match="机架总数|another population") as err:
        load_registry(recipes)
    assert err.value.file == "indicators.yaml" and err.value.row and err.value.field == "aliases"
    declared = joined.replace("equivalences:\n", "equivalences:\n  - {indicator: data-centre-racks, wording: "
                                                 "数据中心机架总数合计, reason: 测试：同一口径。}\n", 1)
    path.write_text(declared, "utf-8")
    assert "数据中心机架总数合计" in load_registry(recipes).wordings("data-centre-racks")


def test_an_unknown_period_form_in_a_table_mapping_is_refused(tmp_path):
    recipes = copy_recipes(tmp_path)
    path = recipes / "indicators.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace('users_2019: {indicator: "app-{row}-users", period: "2019-12"}',
                                 'users_2019: {indicator: "app-{row}-users", period: "2019/12"}', 1), "utf-8")
    with pytest.raises(PortalError, match="unknown period form") as err:
        load_registry(recipes)
    assert err.value.package == "liaoning-internet-2020-table-1-app-users" and "users_2019" in err.value.field


def test_extract_refuses_a_bad_meaning_row_and_writes_nothing(tmp_path, monkeypatch, capsys, sources):
    shutil.copytree(paths.packages_dir(), tmp_path / "packages")
    recipes = copy_recipes(tmp_path)
    edit_meaning(recipes, "cnnic-47", first("cnnic-47", "growth"), sign="+")
    before = {p: p.read_bytes() for p in sorted((tmp_path / "packages").rglob("*")) if p.is_file()}
    monkeypatch.setattr(paths, "RECIPES", recipes)
    assert cli.main(["--packages", str(tmp_path / "packages"), "extract", "--sources", str(sources)]) == 1
    err = capsys.readouterr().err
    assert "meaning/cnnic-47.csv" in err and "field sign" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in sorted((tmp_path / "packages").rglob("*")) if p.is_file()} == before


def test_review_registry_lists_every_joined_wording(capsys):
    assert cli.main(["review-registry", "--indicator", "internet-users"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("internet-users  网民规模")
    assert "网民规模较2020年3月增长" in out and "cnnic-47" in out and "growth" in out and "辽宁省" in out


def test_a_printed_range_is_its_two_ends():
    row = {"value": "8", "value_printed": "8", "unit_printed": "座", "qualifier": "7—"}
    lo, hi = statement_bounds(row)
    assert 6.4 < lo <= 7 and 8 <= hi < 8.6
    assert compatible(row, {**row, "value": "7", "value_printed": "7", "qualifier": ""})
    assert not compatible(row, {**row, "value": "10", "value_printed": "10", "qualifier": ""})


# figures stated in the prose of 001–004 that the portal did not publish before issue 19 (found by the
# helpers' second reading of the prose): (report, key figure, source line, printed value)
ADDED = [("cnnic-47", f"kf-{n}", line, value) for n, line, value in (
    (786, 791, "20"), (787, 791, "30"), (788, 801, "10"), (789, 801, "12"), (790, 801, "265189"),
    (791, 485, "148"), (792, 1820, "55"), (793, 805, "79.2"))] + [
    ("digital-liaoning-plan-2", "kf-096", 67, "10"), ("digital-liaoning-plan-2", "kf-097", 90, "11"),
    ("digital-liaoning-plan-2", "kf-098", 116, "1"), ("digital-liaoning-plan-2", "kf-099", 717, "8"),
    ("digital-liaoning-plan-2", "kf-100", 1364, "3"), ("digital-liaoning-plan-2", "kf-101", 1365, "3"),
    ("digital-liaoning-plan-2", "kf-102", 1566, "2"),
    ("shenyang-data-bureau-2024", "kf-097", 67, "12"), ("shenyang-data-bureau-2024", "kf-098", 65, "1"),
    ("digital-shenyang-2022", "kf-067", 15, "1"), ("digital-shenyang-2022", "kf-068", 21, "1000"),
    ("digital-shenyang-2022", "kf-069", 27, "1"), ("digital-shenyang-2022", "kf-070", 51, "5"),
    ("digital-shenyang-2022", "kf-071", 83, "1"), ("digital-shenyang-2022", "kf-072", 67, "10")]


@pytest.mark.parametrize("slug,figure,line,value", ADDED)
def test_stated_figures_once_missing_are_published(slug, figure, line, value, facts, sources, reports):
    """Each is read from its source line (its excerpt stands there, holding the number in digits
    or, for a small number, in the words the source uses) and is a fact with a meaning."""
    from tests.test_data_packages import chinese_forms

    fact = facts[(facts["source_package"] == f"{slug}-key-figures") & (facts["source_row"] == figure)]
    assert len(fact) == 1, figure
    fact = fact.iloc[0]
    assert (fact["value_printed"], fact["source_line"]) == (value, str(line))
    text = (sources / reports[slug]["source_file"]).read_text("utf-8").splitlines()[line - 1]
    pkg_rows = load_facts_rows(slug)
    excerpt = pkg_rows[figure]["source_text"]
    assert excerpt and excerpt in text
    assert value in excerpt or any(w in excerpt for w in chinese_forms(value, fact["unit_printed"]))
    assert fact["indicator_id"] or fact["unmapped_reason"] not in ("", "TODO")


def load_facts_rows(slug: str) -> dict:
    from scripts.portal.model.reader import load_package

    pkg = load_package(paths.packages_dir() / f"{slug}-key-figures")
    return {r["id"]: r for r in pkg.raw_rows}


def test_independent_check_numbers_are_true(facts):
    """The second mapping of the 170-figure sample, compared with the committed fact table, gives the
    agreement its README states (issue 19.5), and every figure of the sample is compared."""
    from scripts.tools import independent_check as ic

    rows = ic.compare(ic.read(ic.HERE / "sample.csv"), ic.read(ic.HERE / "blind.csv"), facts)
    s = ic.summary(rows)
    assert s["figures"] == 170
    readme = (ic.HERE / "README.md").read_text("utf-8")
    for aspect in ("kind", "reference", "period"):
        assert f"| {aspect} | {s[aspect]} | 170 | {100 * s[aspect] / 170:.1f} % |" in readme, aspect
    assert f"| {s['pairs_agreeing']} | {s['pairs']} |" in readme
    assert f"| {s['joins_both']} | {s['joins_either']} | {100 * s['joins_both'] / s['joins_either']:.1f} % |" in readme
    assert s["kind"] / 170 >= 0.9 and s["reference"] / 170 >= 0.9


@pytest.mark.parametrize("case,old,new,field", [
    ("markup in a topic name", "name: 网民与应用", "name: <img src=x onerror=alert(1)>", "name"),
    ("order as text", "order: 1", "order: first", "order"),
])
def test_a_hostile_topic_is_refused_on_every_path(tmp_path, monkeypatch, capsys, case, old, new, field):
    """Issue 23: the registry is validated where it is published, not only in `make extract`:
    `make validate` and the site build refuse it, located, without a traceback."""
    from scripts.portal.site import facts as fx

    recipes = copy_recipes(tmp_path)
    path = recipes / "topics.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(PortalError) as err:
        fx.load(paths.packages_dir() / "indicators", recipes)
    assert err.value.file == "topics.yaml" and field in str(err.value)
    monkeypatch.setattr(paths, "RECIPES", recipes)
    assert cli.main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "ERROR file topics.yaml" in out and "Traceback" not in out


def test_an_indicator_named_like_a_page_is_refused(tmp_path):
    """`id: index` would overwrite the indicator index page: refused with its file, row and field."""
    recipes = copy_recipes(tmp_path)
    path = recipes / "indicators.yaml"
    path.write_text(path.read_text("utf-8").replace("  - id: internet-penetration\n", "  - id: index\n", 1), "utf-8")
    with pytest.raises(PortalError) as err:
        load_registry(recipes)
    assert (err.value.file, err.value.field) == ("indicators.yaml", "id") and err.value.row
