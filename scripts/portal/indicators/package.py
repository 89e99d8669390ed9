"""The fact table as a Frictionless package (`datapackages/indicators/`), written by model/writer.py."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..model import writer
from ..model.frames import FACTS_PACKAGE
from .facts import build_facts

KIND_ENUM = ["actual", "baseline", "target", "rank", "growth", "share", "other"]


def _f(name, title, title_en, description, type_="string", **extra) -> dict:
    return {"name": name, "title": title, "title_en": title_en, "type": type_, "description": description, **extra}


FIELDS = [
    _f("fact_id", "事实编号", "Fact ID", "本表内唯一编号（f + 六位数字），随抽取顺序生成；repeat_of 引用它。"),
    _f("indicator_id", "指标编号", "Indicator ID",
       "指标登记表（scripts/portal/recipes/indicators.yaml）中的编号；空 = 未归入任何登记指标（仍保留原数）。"),
    _f("indicator", "指标", "Indicator",
       "登记指标的规范中文名；未归入登记指标者为原文措辞（关键数字）或“行标签 · 列标题”（表格单元格）。"),
    _f("geography", "地区", "Geography", "规范地名：全国、辽宁省、沈阳市、各省（区、市）全称等；“其他”等按原表。"),
    _f("period", "时期", "Period", "数值所指时间：2020、2020-12、2020-H1，区间写作 2016/2020。"),
    _f("value", "数值（规范单位）", "Value (canonical unit)",
       "换算到 unit 列单位后的数值；仅在登记表声明两单位可换算时换算（如 亿 → 万人 ×10000），否则等于 value_printed。",
       "number", unit="见 unit 列"),
    _f("unit", "单位（规范）", "Unit (canonical)", "value 的单位：登记指标的单位（可换算时），否则为原文单位。% 与 个百分点 从不互换。"),
    _f("value_printed", "原文数值", "Value as printed", "来源单元格中的数值文字，逐字保留（如 30.60、9.89）。"),
    _f("unit_printed", "原文单位", "Unit as printed", "来源单元格的单位（字段单位、行单位列或关键数字的 unit 列）。"),
    _f("qualifier", "限定词", "Qualifier", "原文紧邻数值的限定词（约、以上、近、超过等）；空表示无。"),
    _f("kind", "类型", "Kind",
       "actual 实际值；baseline 规划基期值；target 目标；rank 位次；growth 增长（增速或增量）；share 占比；other 其他。",
       constraints={"enum": KIND_ENUM}),
    _f("repeat_of", "重复陈述", "Repeat of",
       "同一指标、地区、时期、类型、单位、限定词的数值此前已陈述过（数值在印刷精度内相同）时，为首次陈述的 fact_id；否则为空。"),
    _f("source_package", "来源数据包", "Source package", "该数值所在的数据包名称。"),
    _f("source_row", "来源行", "Source row", "该行在来源数据包中的键：主键值（如 kf-002、北京），无主键的表为 line-源文本行号（如 line-353）。"),
    _f("source_field", "来源字段", "Source field", "该数值在来源数据包中的字段名。"),
    _f("report", "报告", "Report", "来源报告的 slug（见 reports.json）。"),
    _f("source_line", "源文本行号", "Source line", "该数值在源报告文本中的行号（从 1 开始）。", "integer", unit="行"),
    _f("breakdown", "分项", "Breakdown",
       "同一指标下的分项（如公司、分配单位、域名类别）；地区之外没有分项时为空。"),
]
DESCRIPTION = ("全部报告中发布的每一个数字，一行一个：每个关键数字和每个表格数值单元格都在此出现，"
               "并指回唯一的来源单元格（source_package、source_row、source_field）和源文本行号。"
               "指标编号、规范名称和单位来自指标登记表 scripts/portal/recipes/indicators.yaml；"
               "未归入登记指标的数字 indicator_id 为空。同一数值被多次陈述时，后出现者标为 repeat_of；"
               "同一指标、地区、时期的不同数值作为一致性发现列入 x-quality。"
               "由 `make extract` 从已抽取的数据包生成（pandas），不手工录入任何数值。")


def coverage(facts: pd.DataFrame) -> dict:
    """Mapped / unmapped counts, by source type (key figures vs table cells)."""
    is_kf = facts["source_field"].eq("value") & facts["source_row"].str.startswith("kf-")
    mapped = facts["indicator_id"] != ""
    out = {"facts": int(len(facts)), "mapped": int(mapped.sum()), "unmapped": int((~mapped).sum()),
           "key_figures": int(is_kf.sum()), "key_figures_mapped": int((is_kf & mapped).sum()),
           "table_cells": int((~is_kf).sum()), "table_cells_mapped": int((~is_kf & mapped).sum()),
           "indicators_used": int(facts.loc[mapped, "indicator_id"].nunique()),
           "repeats": int((facts["repeat_of"] != "").sum())}
    return out


def render_facts(packages_dir: Path, recipes_dir: Path) -> dict[str, bytes]:
    facts, reports = build_facts(packages_dir, recipes_dir)
    report_dicts = [{"slug": r.slug, "title": r.title, "publisher": r.publisher, "published": r.published,
                     "url": r.url} for r in reports]
    meta = {
        "name": FACTS_PACKAGE, "title": "指标事实表：全部报告中的每一个数字",
        "title_en": "Fact table: every number published in the reports, one row each",
        "description": DESCRIPTION, "keywords": ["指标", "事实表", "长表", "辽宁", "全国", "沈阳"],
        "display": {"shape": "facts"},
        "x-source": {"derived": True, "table": "indicators", "report": "",
                     "reports": [r.slug for r in reports],
                     "packages": sorted(set(facts["source_package"])),
                     "registry": "scripts/portal/recipes/indicators.yaml"},
        "x-coverage": coverage(facts),
    }
    checks = [{"check": "consistency", "name": "consistency"}]
    return writer.render(meta, report_dicts, FIELDS, facts.to_dict("records"), checks, "fact_id", ["fact_id"])


def write_facts(packages_dir: Path, recipes_dir: Path) -> dict[str, bytes]:
    """Build the fact table from the packages in `packages_dir` and write it beside them."""
    files = render_facts(packages_dir, recipes_dir)
    writer.write(files, Path(packages_dir) / FACTS_PACKAGE)
    return files


def facts_drift(built: dict[str, dict[str, bytes]], packages_dir: Path, recipes_dir: Path) -> list[str]:
    """Differences between the fact table built from freshly extracted packages and the committed one."""
    with tempfile.TemporaryDirectory(prefix="portal-facts-") as tmp:
        shutil.copy(Path(packages_dir) / "reports.json", Path(tmp) / "reports.json")
        for name, files in built.items():
            writer.write(files, Path(tmp) / name)
        fresh = render_facts(Path(tmp), recipes_dir)
    problems = []
    for file, content in fresh.items():
        path = Path(packages_dir) / FACTS_PACKAGE / file
        if not path.exists():
            problems.append(f"{FACTS_PACKAGE}/{file}: not committed")
        elif path.read_bytes() != content:
            problems.append(f"{FACTS_PACKAGE}/{file}: differs from a fresh build (registry or packages changed)")
    return problems
