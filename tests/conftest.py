"""Shared fixtures: where the real packages and sources are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.portal import paths

ROOT = Path(__file__).resolve().parents[1]


def real_packages() -> list[Path]:
    """The packages extracted from one report each (not the derived fact table)."""
    return sorted(p.parent for p in paths.packages_dir().glob("*/datapackage.json")
                  if not json.loads(p.read_text("utf-8")).get("x-source", {}).get("derived"))


@pytest.fixture(scope="session")
def reports():
    return {r["slug"]: r for r in json.loads((paths.packages_dir() / "reports.json").read_text("utf-8"))}


@pytest.fixture(scope="session")
def sources():
    directory = paths.sources_dir()
    if not directory.is_dir():
        pytest.skip(f"source texts not found at {directory} (set PORTAL_SOURCES)")
    return directory
