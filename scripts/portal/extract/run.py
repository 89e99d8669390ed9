"""Stage 1: source text + recipes -> data packages (and the drift check against the committed ones)."""

from __future__ import annotations

import json
from pathlib import Path

from . import keyfigures
from ..model import writer as package
from ..errors import PortalError
from .rows import extract_rows, read_source
from ..quality import CheckError
from .recipe import Recipe, table_recipes
from ..model.registry import load_reports


def table_package(recipe: Recipe, report: dict, lines: list[str]) -> dict[str, bytes]:
    rows = extract_rows(recipe, lines)
    fields = recipe.fields + package.META_FIELDS
    first, last = recipe.get("lines", [recipe.rows[0][0], recipe.rows[-1][1]])
    meta = dict(recipe.data)
    meta["x-source"] = {
        "report": recipe.report, "table": recipe.table, "caption": recipe.caption,
        "section": recipe.get("section", ""), "source_note": recipe.get("source_note", ""),
        "footnotes": recipe.get("footnotes", []), "notes": recipe.get("notes", []),
        "file": report["source_file"], "lines": [first, last],
    }
    label = recipe.get("label_field", recipe.fields[0]["name"])
    try:
        return package.render(meta, report, fields, rows, recipe.get("checks", []), label,
                              recipe.get("primary_key"))
    except CheckError as exc:
        raise PortalError(f"quality check does not fit the table: {exc}", package=recipe.name,
                          file=recipe.path.name) from None


def key_figure_package(slug: str, meta: dict, report: dict, recipes_dir: Path,
                       lines: list[str]) -> dict[str, bytes]:
    name = f"{slug}-key-figures"
    rows = keyfigures.read_rows(recipes_dir / f"{name}.csv", name)
    numbers = sorted(int(r["source_line"]) for r in rows)
    desc = (f"《{report['title']}》正文（摘要、图旁文字、专栏等）中陈述的数字，逐条手工录入，"
            "每条注明所在章节、对应图号（原图为图片，已无法提取）和源文本行号及原文摘录。"
            "数值按原文印出的口径与单位保存；“约”“以上”等限定词见 qualifier 列。")
    full = {**meta, "name": name, "description": meta.get("description", desc),
            "display": {"shape": "key-figures"},
            "x-source": {"report": slug, "table": "key-figures", "caption": "", "section": "",
                         "source_note": "", "footnotes": [], "notes": [],
                         "file": report["source_file"],
                         "lines": [numbers[0], numbers[-1]] if numbers else [],
                         "figures": keyfigures.figure_captions(lines)}}
    try:
        return package.render(full, report, keyfigures.FIELDS, rows, meta.get("checks", []), "id", ["id"])
    except CheckError as exc:
        raise PortalError(f"quality check does not fit: {exc}", package=name, file="key-figures.yaml") from None


def build_all(sources: Path, recipes_dir: Path, packages_dir: Path) -> dict[str, dict[str, bytes]]:
    """Every package's files, keyed by package name."""
    reports = load_reports(packages_dir)
    texts: dict[str, list[str]] = {}
    out: dict[str, dict[str, bytes]] = {}
    for recipe in table_recipes(recipes_dir):
        report = reports.get(recipe.report)
        if report is None:
            raise PortalError(f"unknown report {recipe.report!r}", package=recipe.name, file=recipe.path.name)
        if report["slug"] not in texts:
            texts[report["slug"]] = read_source(sources / report["source_file"])
        if recipe.name in out:
            raise PortalError("two recipes produce the same package name", package=recipe.name)
        out[recipe.name] = table_package(recipe, report, texts[report["slug"]])
    for slug, meta in keyfigures.meta_for(recipes_dir).items():
        if (recipes_dir / f"{slug}-key-figures.csv").exists():
            if slug not in texts:
                texts[slug] = read_source(sources / reports[slug]["source_file"])
            out[f"{slug}-key-figures"] = key_figure_package(slug, meta, reports[slug], recipes_dir, texts[slug])
    return out


def write_all(built: dict[str, dict[str, bytes]], packages_dir: Path) -> None:
    for name, files in built.items():
        package.write(files, packages_dir / name)


def drift(built: dict[str, dict[str, bytes]], packages_dir: Path) -> list[str]:
    """Differences between freshly extracted packages and the committed ones."""
    problems = []
    for name, files in sorted(built.items()):
        for file, content in files.items():
            path = packages_dir / name / file
            if not path.exists():
                problems.append(f"{name}/{file}: not committed")
            elif path.read_bytes() != content:
                problems.append(f"{name}/{file}: differs from a fresh extraction")
    committed = {p.parent.name for p in packages_dir.glob("*/datapackage.json")
                 if not json.loads(p.read_text(encoding="utf-8")).get("x-source", {}).get("derived")}
    problems += [f"{name}: committed but no recipe produces it" for name in sorted(committed - set(built))]
    return problems
