"""Stage 1: source text + recipes -> data packages (and the drift check against the committed ones)."""

from __future__ import annotations

import json
from pathlib import Path

from . import keyfigures
from ..acknowledged import describe
from ..model import writer as package
from ..errors import PortalError
from .rows import extract_rows, read_source
from ..quality import CheckError
from .recipe import Recipe, table_recipes
from ..model.registry import load_reports


def table_package(recipe: Recipe, report: dict, lines: list[str]) -> dict[str, bytes]:
    rows = extract_rows(recipe, lines)
    fields = recipe.fields + package.META_FIELDS
    meta = {"name": recipe.name, "title": recipe.title, "title_en": recipe.title_en,
            "description": recipe.description, "keywords": recipe.keywords, "display": recipe.display,
            "missing_values": recipe.missing_values}
    if recipe.version:
        meta["version"] = recipe.version
    meta["x-source"] = {
        "report": recipe.report, "table": recipe.table, "caption": recipe.caption,
        "section": recipe.section, "source_note": recipe.source_note,
        "footnotes": recipe.footnotes, "notes": recipe.notes,
        "file": report["source_file"], "lines": list(recipe.lines),
    }
    try:
        return package.render(meta, report, fields, rows, recipe.checks, recipe.label,
                              recipe.primary_key, recipe.acknowledged)
    except CheckError as exc:
        raise PortalError(f"quality check does not fit the table: {exc}", package=recipe.name,
                          file=recipe.path.name) from None


def key_figure_package(slug: str, meta: dict, report: dict, recipes_dir: Path,
                       lines: list[str]) -> dict[str, bytes]:
    name = f"{slug}-key-figures"
    rows = keyfigures.read_rows(recipes_dir / f"{name}.csv", name)
    numbers = sorted(int(r["source_line"]) for r in rows)
    full = {**meta, "name": name, "description": meta.get("description", keyfigures.description(report["title"])),
            "display": {"shape": "key-figures"},
            "x-source": {"report": slug, "table": "key-figures", "caption": "", "section": "",
                         "source_note": "", "footnotes": [], "notes": [],
                         "file": report["source_file"],
                         "lines": [numbers[0], numbers[-1]] if numbers else [],
                         "figures": keyfigures.figure_captions(lines)}}
    try:
        return package.render(full, report, keyfigures.FIELDS, rows, meta.get("checks", []), "id", ["id"],
                              meta.get("acknowledged", []))
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
        if keyfigures.transcribed(recipes_dir / f"{slug}-key-figures.csv"):
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


def unacknowledged(built: dict[str, dict[str, bytes]]) -> list[str]:
    """Discrepancies found while extracting that no recipe acknowledges (validate will refuse them)."""
    out = []
    for name, files in sorted(built.items()):
        desc = json.loads(files["datapackage.json"])
        out += [f"package {name}: {describe(q)}" for q in desc.get("x-quality", [])
                if q.get("status") == "discrepancy" and "reason" not in q]
    return out
