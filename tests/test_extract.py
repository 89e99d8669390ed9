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


@pytest.mark.parametrize("printed, stored", [("1,000", "1000"), ("60.0%", "60.0"), ("-0.40%", "-0.40"),
                                             ("--", ""), ("未透露", ""), ("/", ""), ("-", "")])
def test_clean_number_keeps_printed_digits(printed, stored):
    assert clean_number(printed, recipe="t", line=1, field="f") == stored


def test_clean_number_refuses_text_with_location():
    with pytest.raises(PortalError) as err:
        clean_number("13.4亿元", recipe="pkg", line=12, field="amount")
    assert "package pkg" in str(err.value) and "row 12" in str(err.value) and "field amount" in str(err.value)


def test_rows_totals_subrows_and_merged_cells():
    rows = extract_rows(recipe(), TEXT.splitlines())
    assert [r["item"] for r in rows] == ["网页总数", "静态网页", "", "中国电信 中国联通", "合计"]
    assert rows[2]["row_type"] == "subrow" and rows[2]["parent"] == "静态网页"
    assert rows[2]["y2020"] == "58.3"
    assert rows[3]["y2019"] == "" and rows[3]["y2020"] == ""
    assert rows[4]["row_type"] == "total" and rows[4]["y2020"] == "1900"
    assert [r["source_line"] for r in rows] == ["4", "5", "6", "9", "10"]


def test_wrong_cell_count_names_line():
    with pytest.raises(PortalError) as err:
        extract_rows(recipe(skip=[]), TEXT.splitlines())
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


def test_figure_captions_skip_table_of_contents():
    from scripts.portal.extract.keyfigures import figure_captions

    lines = ["图目录.....\t132", "图 1\t2016-2020 年GDP\t9", "正文", "图 1 2016-2020 年GDP", "图2 IPv4地址数量¹⁷",
             "图 1 2016-2020 年GDP"]
    assert figure_captions(lines) == [{"id": "图1", "caption": "图 1 2016-2020 年GDP", "line": 4},
                                      {"id": "图2", "caption": "图2 IPv4地址数量¹⁷", "line": 5}]
