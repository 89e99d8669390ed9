"""Where things live. Every location can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sources_dir() -> Path:
    """The extracted source texts (never committed); PORTAL_SOURCES overrides."""
    return Path(os.environ.get("PORTAL_SOURCES", ROOT.parent / "shared" / "sources"))


def packages_dir() -> Path:
    return Path(os.environ.get("PORTAL_PACKAGES", ROOT / "datapackages"))


RECIPES = ROOT / "scripts" / "portal" / "recipes"
DOCS = ROOT / "docs"

