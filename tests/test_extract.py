"""Table extraction from source text by recipe, on small fixtures."""

from __future__ import annotations

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.extract.rows import clean_number, extract_rows, split_line
from scripts.portal.extract.recipe import Recipe

TEXT = """表 9 测试表¹

\t单位\t2019年\t2020年
网页总数\t个\t1,000\t1,200
静态网页\t个\t600\t700
\t占比\t60.0%\t58.3%
页面噪声

中国电信 中国联通\t个\t--\t未透露
合计\t个\t1,600\t1,900
"""


def recipe(**extra) -> Recipe:
    data = {
        "name": "test-table", "report": "r", "table": "表9", "caption": "表 9 测试表¹",
        "title": "测试", "title_en": "Test", "description": "d", "keywords": ["k"],
        "rows": [[4, 10]], "skip": [7],
        "fields": [
            {"name": "item", "title": "项目", "type": "string"},
            {"name": "unit", "title": "单位", "type": "string"},
            {"name": "y2019", "title": "2019年", "type": "number", "unit": "个"},
            {"name": "y2020", "title": "2020年", "type": "number", "unit": "个"},
        ],
        "empty_label_is_subrow": True, "totals": ["合计"],
    }
    data.update(extra)
    return Recipe(path=None, lines=[1, 10], display={"shape": "categories", "category": "item", "measures": []},
                  **data)


def test_split_modes():
    assert split_line("a\tb\t\tc", "tab") == ["a", "b", "", "c"]
    assert split_line("5G基站数量 万座 预期性 2.5 14", "rsplit:4") == ["5G基站数量", "万座", "预期性", "2.5", "14"]
    assert split_line("x  y   z", "spaces") == ["x", "y", "z"]
    assert split_line("北京 12.5%", r"regex:(\S+)\s+(\S+)") == ["北京", "12.5%"]


@pytest.mark.parametrize("printed, stored", [("1,000", "1000"), ("60.0%", "60.0"), ("-0.40%", "-0.40"), ("", "")])
def test_clean_number_keeps_printed_digits(printed, stored):
    assert clean_number(printed, recipe="t", line=1, field="f") == stored


@pytest.mark.parametrize("marker", ["--", "未透露", "/", "-", "—"])
def test_declared_missing_marker_kept_as_printed(marker):
    declared = {marker: "未统计"}
    assert clean_number(marker, recipe="t", line=1, field="f", declared=declared) == marker


@pytest.mark.parametrize("marker", ["--", "未透露", "/", "-"])
def test_undeclared_missing_marker_refused_with_location(marker):
    with pytest.raises(PortalError) as err:
        clean_number(marker, recipe="pkg", line=7, field="y2019")
    assert "missing_values" in str(err.value) and "row 7" in str(err.value) and "field y2019" in str(err.value)


def test_clean_number_refuses_text_with_location():
    with pytest.raises(PortalError) as err:
        clean_number("13.4亿元", recipe="pkg", line=12, field="amount")
    assert "package pkg" in str(err.value) and "row 12" in str(err.value) and "field amount" in str(err.value)


def test_rows_totals_subrows_and_merged_cells():
    rows = extract_rows(recipe(missing_values={"--": "不适用", "未透露": "未披露"}), TEXT.splitlines())
    assert [r["item"] for r in rows] == ["网页总数", "静态网页", "", "中国电信 中国联通", "合计"]
    assert rows[2]["row_type"] == "subrow" and rows[2]["parent"] == "静态网页"
    assert rows[2]["y2020"] == "58.3"
    assert rows[3]["y2019"] == "--" and rows[3]["y2020"] == "未透露"  # printed, meaning in missingValues
    assert rows[4]["row_type"] == "total" and rows[4]["y2020"] == "1900"
    assert [r["source_line"] for r in rows] == ["4", "5", "6", "9", "10"]


def test_wrong_cell_count_names_line():
    with pytest.raises(PortalError) as err:
        extract_rows(recipe(skip=[], missing_values={"--": "不适用", "未透露": "未披露"}), TEXT.splitlines())
    assert "row 7" in str(err.value) and "1 cells" in str(err.value)


def test_cells_override_join_and_groups():
    text = "数字产业化\n电子信息制造业主营\n业务收入 亿元 预期性 910 1600\n"
    r = recipe(rows=[[1, 3]], skip=[], split="rsplit:4", join=[[2, 3]], group_field="group",
               fields=[{"name": "indicator", "title": "指标", "type": "string"},
                       {"name": "unit", "title": "单位", "type": "string"},
                       {"name": "kind", "title": "属性", "type": "string"},
                       {"name": "v2020", "title": "2020年", "type": "number", "unit": "亿元"},
                       {"name": "v2025", "title": "2025年", "type": "number", "unit": "亿元"},
                       {"name": "group", "title": "分组", "type": "string"}])
    rows = extract_rows(r, text.splitlines())
    assert len(rows) == 1
    assert rows[0]["indicator"] == "电子信息制造业主营业务收入" and rows[0]["group"] == "数字产业化"
    override = recipe(rows=[[4, 4]], skip=[], cells={4: ["网页总数", "个", "1000", "1200"]})
    assert extract_rows(override, TEXT.splitlines())[0]["y2020"] == "1200"


def test_derived_numeric_companion():
    text = "甲公司\t13.4亿元\n乙公司\t数百万元\n"
    r = recipe(rows=[[1, 2]], skip=[], fields=[
        {"name": "company", "title": "公司", "type": "string"},
        {"name": "amount", "title": "金额", "type": "string"},
        {"name": "amount_value", "title": "金额（数值）", "type": "number", "unit": "亿元",
         "derived": True, "from": "amount", "pattern": r"^([0-9.]+)亿元$"}])
    rows = extract_rows(r, text.splitlines())
    assert [(x["amount"], x["amount_value"]) for x in rows] == [("13.4亿元", "13.4"), ("数百万元", "")]


def test_footnote_mark_split_into_clean_label_and_reference():
    text = "网络直播 ³⁷\t62.4\n即时通信\t99.2\n"
    r = recipe(rows=[[1, 2]], skip=[], fields=[
        {"name": "application", "title": "应用", "type": "string"},
        {"name": "name", "title": "应用名", "type": "string", "derived": True, "from": "application",
         "pattern": "^(.*?)\\s*[⁰¹²³⁴⁵⁶⁷⁸⁹]*$"},
        {"name": "footnote", "title": "脚注", "type": "string", "derived": True, "from": "application",
         "pattern": "([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", "superscript_digits": True},
        {"name": "rate", "title": "使用率", "type": "number", "unit": "%"}])
    rows = extract_rows(r, text.splitlines())
    assert [(x["application"], x["name"], x["footnote"]) for x in rows] == [
        ("网络直播 ³⁷", "网络直播", "37"), ("即时通信", "即时通信", "")]


SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def test_every_table_with_footnote_marks_has_clean_label_and_reference():
    """Real packages: a printed label column with footnote marks has a derived clean label
    (no marks) and a footnote-reference column, and charts use the clean one."""
    import csv
    import json

    from scripts.portal import paths

    for desc_path in sorted(paths.packages_dir().glob("*/datapackage.json")):
        desc = json.loads(desc_path.read_text("utf-8"))
        fields = desc["resources"][0]["schema"]["fields"]
        with (desc_path.parent / "data.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        printed = [f["name"] for f in fields if f.get("type") == "string" and not f.get("x-derived")
                   and f["name"] not in ("parent", "source_text")]
        if desc["x-source"].get("derived"):  # the fact table: source_row is a key into a package, as printed
            printed = ["indicator"]
        for name in printed:
            if not any(ch in r[name] for r in rows for ch in SUPERSCRIPT):
                continue
            companions = [f for f in fields if (f.get("x-derived") or {}).get("from") == name]
            clean = [f["name"] for f in companions if not f["x-derived"].get("superscript_digits")]
            refs = [f["name"] for f in companions if f["x-derived"].get("superscript_digits")]
            assert clean and refs, f"{desc['name']}: {name} has footnote marks but no clean label / footnote field"
            assert not any(ch in r[clean[0]] for r in rows for ch in SUPERSCRIPT)
            assert desc["x-display"].get("category") != name, f"{desc['name']}: charts use the printed label"


def test_figure_captions_skip_table_of_contents():
    from scripts.portal.extract.keyfigures import figure_captions

    lines = ["图目录.....\t132", "图 1\t2016-2020 年GDP\t9", "正文", "图 1 2016-2020 年GDP", "图2 IPv4地址数量¹⁷",
             "图 1 2016-2020 年GDP"]
    assert figure_captions(lines) == [{"id": "图1", "caption": "图 1 2016-2020 年GDP", "line": 4},
                                      {"id": "图2", "caption": "图2 IPv4地址数量¹⁷", "line": 5}]
