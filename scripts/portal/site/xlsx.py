"""A small XLSX (Office Open XML spreadsheet) writer for the downloads: typed cells, bold
header rows, a frozen header, and deterministic bytes.

It writes the few parts a workbook needs and nothing else, about 20 times faster than
openpyxl (which the tests use to read what it writes). Text is always a shared-string cell,
never a formula; text that starts like a formula (= + - @ tab CR) also gets Excel's quote
prefix, so editing the cell keeps it text. A number shown with `decimals` keeps the
decimals it was printed with ("83.0" stays 83.0); without, it uses Excel's General format.
Columns are as wide as their longest cell (a Chinese character counting as two), so headers
are not cut off.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
TIMESTAMP = "2000-01-01T00:00:00Z"
CREATOR = "portal"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_DECIMALS = 15
MIN_WIDTH, MAX_WIDTH = 8, 60   # column widths, in characters
# characters XML 1.0 cannot hold, and a literal "_xHHHH_" (which Excel would read as an
# escape): written as Excel's own escapes, so the cell reads back as the original text
XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass
class Number:
    """A number shown with a fixed count of decimals (from its printed text)."""
    value: float
    decimals: int


def number(value, printed: str | None):
    """A cell for `value`, shown with the decimals of `printed` when it is a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and printed is not None:
        return Number(value, min(len(printed.partition(".")[2]), MAX_DECIMALS))
    return value


@dataclass
class Sheet:
    title: str
    rows: list                      # rows of cells: None, str, bool, int, float or Number
    header: bool = False            # first row bold
    freeze: bool = False            # first row frozen


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def xml_text(text: str) -> str:
    return escape(XML_UNSAFE.sub(lambda m: "_x%04X_" % ord(m.group()), text))


def column(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


class Styles:
    """The cell formats used, numbered in the order they are first asked for."""

    def __init__(self):
        self.xfs = [(0, 0, False)]      # (font, number format id, quote prefix); 0 = default
        self.formats: dict[str, int] = {}

    def xf(self, bold: bool, fmt: str | None, quote: bool) -> int:
        fmt_id = 0 if fmt is None else {"0": 1, "0.00": 2}.get(fmt) or self.formats.setdefault(fmt, 164 + len(self.formats))
        key = (1 if bold else 0, fmt_id, quote)
        if key not in self.xfs:
            self.xfs.append(key)
        return self.xfs.index(key)

    def xml(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(code)}"/>' for code, i in self.formats.items())
        font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
        xfs = "".join(
            f'<xf numFmtId="{fmt}" fontId="{font_id}" fillId="0" borderId="0" xfId="0"'
            + (' applyFont="1"' if font_id else "") + (' applyNumberFormat="1"' if fmt else "")
            + (' quotePrefix="1"' if quote else "") + "/>"
            for font_id, fmt, quote in self.xfs)
        return (XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
                + (f'<numFmts count="{len(self.formats)}">{fmts}</numFmts>' if self.formats else "")
                + f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self.xfs)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")


class Strings:
    """The shared-string table."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{xml_text(s)}</t></si>' if s != s.strip() else f"<si><t>{xml_text(s)}</t></si>"
            for s in self.index)
        return XML_HEAD + f'<sst xmlns="{MAIN}" count="{self.count}" uniqueCount="{len(self.index)}">{items}</sst>'


def cell_xml(ref: str, value, bold: bool, styles: Styles, strings: Strings) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{style(styles.xf(bold, None, False))}><v>{int(value)}</v></c>'
    if isinstance(value, Number):
        fmt = "0." + "0" * value.decimals if value.decimals else "0"
        value, shown = value.value, fmt
    else:
        shown = None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f'<c r="{ref}"{style(styles.xf(bold, shown, False))}><v>{value!r}</v></c>'
    text = str(value)
    s = styles.xf(bold, None, formula_like(text))
    return f'<c r="{ref}" t="s"{style(s)}><v>{strings.add(text)}</v></c>'


def style(index: int) -> str:
    return f' s="{index}"' if index else ""


def shown_width(value) -> int:
    """Characters a cell shows, a wide (CJK) character counting as two."""
    if value is None:
        return 0
    text = f"{value.value:.{value.decimals}f}" if isinstance(value, Number) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cols_xml(rows: list, width: int) -> str:
    """Column widths that show each column's longest cell (within MIN_WIDTH..MAX_WIDTH
    characters): Chinese headers are not cut off at Excel's default of about 8."""
    if not width:
        return ""
    cols = []
    for i in range(width):
        chars = max((shown_width(r[i]) for r in rows if i < len(r)), default=0)
        cols.append(f'<col min="{i + 1}" max="{i + 1}" width="{min(MAX_WIDTH, max(MIN_WIDTH, chars + 2))}" '
                    'customWidth="1"/>')
    return f"<cols>{''.join(cols)}</cols>"


def sheet_xml(sheet: Sheet, styles: Styles, strings: Strings) -> str:
    rows = []
    for r, values in enumerate(sheet.rows, 1):
        bold = sheet.header and r == 1
        cells = "".join(cell_xml(f"{column(c)}{r}", v, bold, styles, strings) for c, v in enumerate(values))
        rows.append(f'<row r="{r}">{cells}</row>')
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            if sheet.freeze else "")
    width = max((len(v) for v in sheet.rows), default=0)
    dim = f'<dimension ref="A1:{column(width - 1)}{len(sheet.rows)}"/>' if width else ""
    return (XML_HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{dim}{view}'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols_xml(sheet.rows, width)}<sheetData>{"".join(rows)}</sheetData>'
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')


def workbook(sheets: list[Sheet]) -> bytes:
    """The XLSX bytes of `sheets` (the first is the active one)."""
    styles, strings = Styles(), Strings()
    parts = [(f"xl/worksheets/sheet{i}.xml", sheet_xml(s, styles, strings)) for i, s in enumerate(sheets, 1)]
    n = len(sheets)
    ct = "application/vnd.openxmlformats-officedocument"
    content_types = (
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, n + 1))
        + f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
        "</Types>")
    root_rels = (
        XML_HEAD + f'<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>")
    book = (XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView activeTab="0"/></bookViews>'
            "<sheets>" + "".join(f'<sheet name="{xml_text(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
                                 for i, s in enumerate(sheets, 1)) + "</sheets></workbook>")
    book_rels = (XML_HEAD + f'<Relationships xmlns="{PKG_REL}">'
                 + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
                 + f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                 "</Relationships>")
    core = (XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{CREATOR}</dc:creator><cp:lastModifiedBy>{CREATOR}</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{TIMESTAMP}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{TIMESTAMP}</dcterms:modified></cp:coreProperties>')
    app = (XML_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>portal</Application></Properties>")
    entries = [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels),
               ("docProps/core.xml", core), ("docProps/app.xml", app),
               ("xl/workbook.xml", book), ("xl/_rels/workbook.xml.rels", book_rels),
               *parts, ("xl/styles.xml", styles.xml()), ("xl/sharedStrings.xml", strings.xml())]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in entries:  # [Content_Types].xml first, as Office writes it
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
