"""Key-figure packages: numbers stated in the prose, transcribed by hand, one row per figure."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import PortalError
from .recipe import load_key_figures

COLUMNS = ["id", "indicator", "indicator_simplified", "value", "unit", "period", "geography",
           "kind", "qualifier", "section", "figure", "source_line", "source_text"]
FIELDS = [
    {"name": "id", "title": "编号", "title_en": "ID", "type": "string", "description": "报告内唯一编号。"},
    {"name": "indicator", "title": "指标（原文）", "title_en": "Indicator (as printed)", "type": "string",
     "description": "指标的简短中文名称，尽量沿用原文措辞（繁体原文保留繁体）。"},
    {"name": "indicator_simplified", "title": "指标（简体）", "title_en": "Indicator (simplified)",
     "type": "string", "description": "指标的简体中文形式。"},
    {"name": "value", "title": "数值", "title_en": "Value", "type": "number", "unit": "见 unit 列",
     "description": "原文印出的数值，去掉千位分隔符；百分数存为百分点数（60.6% → 60.6）。"},
    {"name": "unit", "title": "单位", "title_en": "Unit", "type": "string", "description": "原文单位。"},
    {"name": "period", "title": "时期", "title_en": "Period", "type": "string",
     "description": "数值所指的时间（年份、年-月或区间）。"},
    {"name": "geography", "title": "地区", "title_en": "Geography", "type": "string",
     "description": "数值所指的地区。"},
    {"name": "kind", "title": "类型", "title_en": "Kind", "type": "string",
     "description": "fact = 已发生的事实；target = 规划或工作目标。",
     "constraints": {"enum": ["fact", "target"]}},
    {"name": "qualifier", "title": "限定词", "title_en": "Qualifier", "type": "string",
     "description": "原文紧邻数值的限定词（约、以上、左右、近、余、超过等）；空表示无。"},
    {"name": "section", "title": "章节", "title_en": "Section", "type": "string",
     "description": "数值所在的章节或专栏标题（按原文）。"},
    {"name": "figure", "title": "对应图", "title_en": "Figure", "type": "string",
     "description": "数值所属的原报告图号（如 图11）；原图为图片，已无法提取。"},
    {"name": "source_line", "title": "源文本行号", "title_en": "Source line", "type": "integer", "unit": "行",
     "description": "数值所在的源文本行号（从 1 开始）。"},
    {"name": "source_text", "title": "原文摘录", "title_en": "Source excerpt", "type": "string",
     "description": "含该数值的原文片段，逐字照录。"},
]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CAPTION = re.compile(r"^图\s*(\d+)\s+\S")


def figure_captions(lines: list[str]) -> list[dict]:
    """The report's figures (images lost in extraction): id, caption as printed, line.
    The first caption line per number, skipping table-of-contents lines (`图 1 …\t9`)."""
    seen, figures = set(), []
    for number, line in enumerate(lines, start=1):
        match = CAPTION.match(line)
        if not match or "...." in line or re.search(r"\t\d+\s*$", line):
            continue
        fid = f"图{match.group(1)}"
        if fid not in seen:
            seen.add(fid)
            figures.append({"id": fid, "caption": line.strip(), "line": number})
    return figures


def meta_for(recipes_dir: Path) -> dict:
    return load_key_figures(recipes_dir / "key-figures.yaml")


def transcribed(path: Path) -> bool:
    """The transcription exists and has at least one figure (new-report writes the header only)."""
    return path.exists() and len(path.read_text(encoding="utf-8").strip().splitlines()) > 1


def read_rows(path: Path, package: str) -> list[dict]:
    if not path.exists():
        raise PortalError("key-figure transcription missing", package=package, file=str(path))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise PortalError(f"columns must be {COLUMNS}, found {reader.fieldnames}",
                              package=package, file=path.name)
        rows = list(reader)
    seen = set()
    for number, row in enumerate(rows, start=2):
        if not NUMBER.match(row["value"]):
            raise PortalError(f"value {row['value']!r} is not a number", package=package,
                              file=path.name, row=number, field="value")
        if not row["source_line"].isdigit():
            raise PortalError("source_line must be a line number", package=package,
                              file=path.name, row=number, field="source_line")
        if row["id"] in seen:
            raise PortalError(f"duplicate id {row['id']}", package=package, file=path.name,
                              row=number, field="id")
        seen.add(row["id"])
    return rows
