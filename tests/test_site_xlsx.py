"""The XLSX writer (scripts/portal/site/xlsx.py), read back with openpyxl: every part is
well-formed XML, cells keep their types, text is never a formula, hostile text reads back
exactly, and equal content gives equal bytes."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from scripts.portal.site import xlsx

HOSTILE = ['<b>"x" & \'y\'</b>', "]]><!--", "_x0041_ stays", "  leading and trailing  ", "辽宁省 ①²",
           "=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(1)", "=HYPERLINK(\"http://evil\")"]


def book(*sheets):
    return openpyxl.load_workbook(io.BytesIO(xlsx.workbook(list(sheets))))


def test_cells_keep_their_types_and_printed_decimals():
    wb = book(xlsx.Sheet("data", [["地区", "数值", "排名", "是否"],
                                  ["辽宁", xlsx.number(83.0, "83.0"), xlsx.number(3, "3"), True],
                                  ["吉林", xlsx.number(4.125, "4.125"), None, False],
                                  ["黑龙江", 4.51, 12, None]], header=True, freeze=True),
              xlsx.Sheet("about", [["k", "v"]]))
    assert wb.sheetnames == ["data", "about"]
    ws = wb["data"]
    assert [c.value for c in ws[1]] == ["地区", "数值", "排名", "是否"]
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    assert ws.freeze_panes == "A2" and wb["about"].freeze_panes is None
    assert (ws["B2"].value, ws["B2"].data_type, ws["B2"].number_format) == (83.0, "n", "0.0")
    assert (ws["B3"].value, ws["B3"].number_format) == (4.125, "0.000")
    assert (ws["C2"].value, ws["C2"].number_format) == (3, "0")
    assert ws["C3"].value is None and ws["D4"].value is None
    assert ws["D2"].value is True and ws["D3"].value is False
    # a number without its printed text is shown as stored (General), not rounded to "0"
    assert (ws["B4"].value, ws["B4"].number_format) == (4.51, "General")
    assert ws.max_row == 4 and ws.max_column == 4


@pytest.mark.parametrize("text", HOSTILE)
def test_text_reads_back_exactly_and_is_never_a_formula(text):
    data = xlsx.workbook([xlsx.Sheet("data", [[text], [text, 1.5]], header=True)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            ET.fromstring(z.read(name))  # well-formed
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    ws = openpyxl.load_workbook(io.BytesIO(data))["data"]
    for ref in ("A1", "A2"):
        assert ws[ref].value == text and ws[ref].data_type == "s"
        assert ws[ref].quotePrefix is xlsx.formula_like(text)
    assert ws["A1"].font.b and not ws["A2"].font.b


def test_characters_xml_cannot_hold_are_escaped_not_dropped():
    assert xlsx.xml_text("a\x01b") == "a_x0001_b"
    assert xlsx.xml_text("_x0041_") == "_x005F_x0041_"
    assert xlsx.xml_text("<&>") == "&lt;&amp;&gt;"


def test_equal_content_gives_equal_bytes_and_office_part_order():
    sheets = [xlsx.Sheet("data", [["a", 1], ["b", xlsx.number(2.0, "2.00")]], header=True, freeze=True)]
    a, b = xlsx.workbook(sheets), xlsx.workbook(sheets)
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {xlsx.ZIP_DATE}
        assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")


@pytest.mark.parametrize("index, name", [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")])
def test_column_names(index, name):
    assert xlsx.column(index) == name


def test_columns_are_as_wide_as_their_longest_cell():
    """A Chinese header is not cut off at Excel's default width (a wide character counts twice),
    numbers count as shown, and widths stay within 8..60 characters."""
    ws = book(xlsx.Sheet("data", [["指标（原文）", "x", "长" * 100, "y"],
                                  ["a", xlsx.number(1234.5, "1234.50"), "b", 1]], header=True))["data"]
    widths = {c: ws.column_dimensions[c].width for c in "ABCD"}
    assert widths == {"A": 6 * 2 + 2, "B": len("1234.50") + 2, "C": xlsx.MAX_WIDTH, "D": xlsx.MIN_WIDTH}
