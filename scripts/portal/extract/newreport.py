"""Start a new report: from its source text, write the registry entry, one recipe skeleton per
captioned table, a key-figures skeleton, and list what is left for a person to fill in.

A table is a caption line (`表 N …`, `附表 N …`) followed by a block of tab-separated lines.
Everything guessed (fields, types, units, totals, checks) is written into the skeleton where a
maintainer can correct it; what cannot be guessed is written as `TODO`, which validation refuses.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
import zhconv

from ..errors import PortalError
from ..paths import ROOT
from ..texts import Texts
from .keyfigures import COLUMNS
from .rows import MISSING, NUMBER

TODO = "TODO"
CAPTION = re.compile(r"^\s*(附表|表)\s*(\d+)\s*(.*?)\s*$")
HEADING = re.compile(r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章节])")
WORDS = Texts.beside(__file__, "newreport.yaml")  # what the skeletons guess from, the Chinese they write
TOTALS = set(WORDS.data("totals"))
UNIT_IN_HEADER = re.compile(r"[（(]\s*([^（）()]{1,6})\s*[）)]\s*$")
SECOND = "tests/fixtures/second_transcription"


@dataclass
class Table:
    kind: str              # 表 or 附表
    number: int
    caption: str
    caption_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    section: str = ""
    source_note: str = ""
    last_line: int = 0
    fields: list[dict] = field(default_factory=list)

    @property
    def table_id(self) -> str:
        return f"{self.kind}{self.number}"


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def find_tables(lines: list[str]) -> list[Table]:
    """Captioned tables: a caption line, then (after blank lines) a block of tab-separated lines."""
    tables, seen = [], set()
    for index, line in enumerate(lines):
        match = CAPTION.match(line)
        if not match or "\t" in line or "...." in line:
            continue
        block = tab_block(lines, index + 1)
        if len(block) < 2 or (match.group(1), match.group(2)) in seen:
            continue
        seen.add((match.group(1), match.group(2)))
        (head_line, header), *rows = block
        table = Table(match.group(1), int(match.group(2)), line.strip(), index + 1, header, rows)
        table.section = nearest_heading(lines, index)
        table.last_line = rows[-1][0]
        for number in range(table.last_line, min(table.last_line + 4, len(lines))):
            if lines[number].strip().startswith(tuple(WORDS.data("source_note_prefixes"))):
                table.source_note, table.last_line = lines[number].strip(), number + 1
                break
        tables.append(table)
    return tables


def tab_block(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """The tab-separated lines after `start` (1-based numbers), allowing single blank lines."""
    number = start
    while number < len(lines) and not lines[number].strip():
        number += 1
    block = []
    while number < len(lines):
        line = lines[number]
        if "\t" in line:
            block.append((number + 1, cells(line)))
        elif line.strip() or not (number + 1 < len(lines) and "\t" in lines[number + 1]):
            break
        number += 1
    return block


def nearest_heading(lines: list[str], index: int) -> str:
    for line in reversed(lines[max(0, index - 200):index]):
        if HEADING.match(line) and len(line.strip()) < 40:
            return line.strip()
    return ""


def is_number(text: str) -> bool:
    value = text.replace(",", "").replace("，", "").replace(" ", "").rstrip("%％")
    return value in MISSING or bool(NUMBER.match(value))


def guess_fields(table: Table) -> list[dict]:
    width = Counter(len(c) for _, c in table.rows).most_common(1)[0][0]
    header = (table.header + [""] * width)[:width]
    if len(table.header) == width - 1:  # header without a cell above the labels
        header = [""] + table.header
    out = [{"name": "label", "title": header[0] or WORDS("label_title"), "title_en": TODO, "type": "string",
            "description": WORDS("label_description", todo=TODO)}]
    for i in range(1, width):
        column = [c[i] for _, c in table.rows if len(c) == width]
        spec = {"name": f"value_{i}", "title": header[i] or WORDS("column_title", number=i + 1), "title_en": TODO}
        if column and all(is_number(c) for c in column) and any(c not in MISSING for c in column):
            decimal = any("." in c for c in column)
            percent = any(c.endswith(("%", "％")) for c in column)
            unit = UNIT_IN_HEADER.search(header[i])
            spec.update(type="number" if decimal or percent else "integer",
                        unit="%" if percent else (unit.group(1) if unit else TODO))
        else:
            spec["type"] = "string"
        spec["description"] = WORDS("field_description", todo=TODO)
        out.append(spec)
    return out


def guess_checks(table: Table, fields: list[dict], totals: list[str]) -> list[dict]:
    numeric = [f["name"] for f in fields if f["type"] != "string"]
    shares = [f["name"] for f in fields if f.get("unit") == "%"]
    checks = [{"check": "sum", "field": n} for n in numeric if n not in shares] if totals else []
    titled = {f["name"]: f["title"] + table.caption for f in fields}
    return checks + [{"check": "share_sum", "field": n} for n in shares
                     if any(word in titled[n] for word in WORDS.data("share_words"))]


def recipe_skeleton(table: Table, slug: str) -> dict:
    fields = guess_fields(table)
    labels = [c[0] for _, c in table.rows if c]
    totals = [label for label in labels if label.replace(" ", "") in TOTALS]
    kind = "appendix" if table.kind == "附表" else "table"
    recipe = {
        "name": f"{slug}-{kind}-{table.number}", "report": slug, "table": table.table_id,
        "caption": table.caption, "title": CAPTION.match(table.caption).group(3) or TODO, "title_en": TODO,
        "description": WORDS("table_description", todo=TODO), "section": table.section,
        "source_note": table.source_note, "footnotes": [], "notes": [], "keywords": [TODO],
        "lines": [table.caption_line, table.last_line], "rows": [[table.rows[0][0], table.rows[-1][0]]],
        "split": "tab", "fields": fields}
    if totals:
        recipe["totals"] = totals
    if len(set(labels)) == len(labels):
        recipe["primary_key"] = ["label"]
    measures = [f["name"] for f in fields if f["type"] != "string"][:2]
    recipe["display"] = {"shape": "categories", "category": "label", "measures": measures}
    recipe["checks"] = guess_checks(table, fields, totals)
    recipe["acknowledged"] = []
    return recipe


def registry_entry(source: Path, lines: list[str], slug: str) -> dict:
    code = re.match(r"^(\d+)_", source.name)
    title, title_en = guess_titles(lines)
    text = "".join(lines[:400])
    hant = sum(a != b for a, b in zip(text, zhconv.convert(text, "zh-cn"))) > 20
    published = re.search(r"(20\d\d)\s*年\s*(\d{1,2})\s*月", "\n".join(lines[:80]))
    entry = {"slug": slug, "code": code.group(1) if code else TODO, "title": title or TODO,
             "title_en": title_en or TODO, "publisher": TODO, "publisher_en": TODO,
             "published": f"{published.group(1)}-{int(published.group(2)):02d}" if published else TODO,
             "language": "zh-Hant" if hant else "zh-Hans", "url": None, "source_file": source.name}
    if hant:
        entry["title_simplified"] = zhconv.convert(entry["title"], "zh-cn")
    return entry


def guess_titles(lines: list[str]) -> tuple[str, str]:
    """The first Chinese line (joined while `**` is open) and an English line before it."""
    english = ""
    for index, line in enumerate(lines[:60]):
        text = line.strip().strip("#").strip()
        if re.search(r"[\u4e00-\u9fff]", text):
            parts = [text]
            while parts[-1].startswith("**") and not parts[-1].endswith("**") and index + 1 < len(lines):
                index += 1
                parts.append(lines[index].strip())
            return "".join(parts).strip("* "), english
        if re.fullmatch(r"[A-Za-z0-9 ,.:;'()\-–]{12,}", text) and not english:
            english = text
    return "", english


def dump_yaml(data: dict, comment: str) -> str:
    return comment + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)


def scaffold(source: Path, slug: str, packages_dir: Path, recipes_dir: Path, sources_dir: Path) -> list[str]:
    """Write the registry entry and skeletons; return what is left to do, one step per line."""
    if not source.is_file():
        raise PortalError("source text not found", file=str(source))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise PortalError(f"slug {slug!r} must be lowercase ASCII, digits and hyphens (e.g. cnnic-48)")
    lines = source.read_text(encoding="utf-8").splitlines()
    registry = packages_dir / "reports.json"
    reports = json.loads(registry.read_text(encoding="utf-8"))
    if any(r.get("slug") == slug or r.get("source_file") == source.name for r in reports):
        raise PortalError(f"report {slug!r} or source file {source.name!r} is already registered", file=str(registry))
    entry = registry_entry(source, lines, slug)
    tables = find_tables(lines)
    recipes = [recipe_skeleton(t, slug) for t in tables]
    targets = [recipes_dir / "tables" / f"{r['name']}.yaml" for r in recipes]
    kf_csv = recipes_dir / f"{slug}-key-figures.csv"
    clash = [p for p in targets + [kf_csv] if p.exists()]
    if clash:
        raise PortalError(f"would overwrite {', '.join(p.name for p in clash)}", file=str(clash[0]))
    registry.write_text(json.dumps(reports + [entry], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for recipe, target, table in zip(recipes, targets, tables):
        target.write_text(dump_yaml(recipe, (
            f"# Recipe skeleton for {entry['code']} {table.table_id}, written by `make new-report` from\n"
            f"# {source.name} lines {table.caption_line}-{table.last_line}. Check every guess against the source,\n"
            "# replace every TODO, and see docs/recipe-reference.md for the keys.\n")), encoding="utf-8")
    kf_csv.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    with (recipes_dir / "key-figures.yaml").open("a", encoding="utf-8") as fh:
        fh.write(dump_yaml({slug: {"title": WORDS("key_figures_title", title=entry["title"]),
                                   "title_en": f"{entry['title_en']} — key figures stated in the text"
                                   if entry["title_en"] != TODO else TODO,
                                   "keywords": WORDS.data("key_figures_keywords")}}, ""))
    return todo_list(entry, tables, recipes, targets, kf_csv, source, sources_dir)


def todo_list(entry, tables, recipes, targets, kf_csv, source, sources_dir) -> list[str]:
    rel = lambda p: p.relative_to(ROOT) if p.is_relative_to(ROOT) else p  # noqa: E731
    steps = []
    if source.resolve().parent != sources_dir.resolve():
        steps.append(f"copy {source.name} into {sources_dir} (the sources directory, PORTAL_SOURCES)")
    left = [k for k, v in entry.items() if v == TODO]
    steps.append(f"datapackages/reports.json, report {entry['slug']}: fill in {', '.join(left) or 'nothing'}"
                 f" (guessed: title, language, published; check them)")
    for recipe, target, table in zip(recipes, targets, tables):
        steps.append(f"{rel(target)}: {table.caption} — {len(table.rows)} rows from line {table.rows[0][0]}, "
                     f"{len(recipe['fields'])} fields, totals {recipe.get('totals', [])}, "
                     f"{len(recipe['checks'])} guessed checks; name the fields in ASCII, replace TODO")
    steps += [
        f"{rel(kf_csv)}: transcribe the figures stated in the prose, one row each (columns in docs/conventions.md); "
        "the package is made once the file has rows; adjust its block at the end of recipes/key-figures.yaml",
        f"recipes/meaning/{entry['slug']}.csv: one row per key figure (kind, reference, sign, period, period type, "
        f"indicator or unmapped_reason; `python -m scripts.tools.draft_meaning {entry['slug']}` drafts it after "
        "make extract, then check every row against the source); in recipes/indicators.yaml a `tables:` entry "
        "per new table (its fields on indicators, or `unmapped_reason`) and the report under key_figure_topics",
        f"second transcription: for each table, {SECOND}/{entry['code']}_<table>.csv made from the source "
        "by someone who has not seen the recipe (format in docs/conventions.md)",
        "make extract && make validate: fix each discrepancy in the recipe, or acknowledge it "
        "(`acknowledged:`) when the source itself is inconsistent",
        "make test, then commit the recipes, reports.json and the new datapackages/",
    ]
    if not tables:
        steps.insert(1, "no captioned table found (表 N / 附表 N followed by tab-separated lines)")
    return steps
