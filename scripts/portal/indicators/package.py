"""The fact table as a Frictionless package (`datapackages/indicators/`), written by model/writer.py."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..model import writer
from ..model.frames import FACTS_PACKAGE
from ..texts import Texts
from .facts import build_facts
from .registry import load_registry

PACKAGE = Texts.beside(__file__, "facts-package.yaml")  # titles, description, keywords, Table Schema fields
FIELDS = PACKAGE.data("fields")


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
        "name": FACTS_PACKAGE, "title": PACKAGE.data("title"), "title_en": PACKAGE.data("title_en"),
        "description": PACKAGE.data("description"), "keywords": PACKAGE.data("keywords"),
        "display": {"shape": "facts"},
        "x-source": {"derived": True, "table": "indicators",
                     "reports": [r.slug for r in reports],
                     "packages": sorted(set(facts["source_package"])),
                     "registry": "scripts/portal/recipes/indicators.yaml"},
        "x-coverage": coverage(facts),
    }
    checks = [{"check": "consistency", "name": "consistency"}]
    acknowledged = load_registry(recipes_dir).acknowledged
    return writer.render(meta, report_dicts, FIELDS, facts.to_dict("records"), checks, "fact_id", ["fact_id"],
                         acknowledged)


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
