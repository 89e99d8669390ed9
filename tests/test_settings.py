"""settings.yaml is the one place for the portal's name, highlighted place, generated paths and pins."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from scripts.portal import settings

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_site_name_is_the_portal_name():
    text = (ROOT / "mkdocs.yml").read_text("utf-8")
    site_name = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("site_name:"))
    assert site_name == settings.portal_name()


def test_every_generated_path_is_git_ignored_and_no_stale_ignore():
    ignored = [l.strip() for l in (ROOT / ".gitignore").read_text("utf-8").splitlines()
               if l.strip() and not l.startswith("#")]
    docs_rules = [l for l in ignored if l.startswith("docs/")]
    for g in settings.generated():
        path = f"docs/{g}"
        assert any(fnmatch.fnmatch(path, r.rstrip("/")) or path.startswith(r) for r in docs_rules), path
    for rule in docs_rules:  # every docs/ rule names something the build generates
        assert any(f"docs/{g}".startswith(rule.rstrip("/")) for g in settings.generated()), rule


def test_pins_are_read_from_requirements():
    assert settings.pin("frictionless").startswith("frictionless==")
    text = (ROOT / "requirements.txt").read_text("utf-8")
    assert settings.pin("frictionless") in text.splitlines()


def test_highlight_is_used_not_retyped():
    """The highlighted place appears in Python code only through settings."""
    hits = [f"{p.relative_to(ROOT)}: {line.strip()}" for p in (ROOT / "scripts" / "portal").rglob("*.py")
            for line in p.read_text("utf-8").splitlines()
            if ('"辽宁"' in line or "'辽宁'" in line) and ("highlight" in line or "startswith" in line or "==" in line)]
    assert hits == []
    assert yaml.safe_load((ROOT / "scripts/portal/settings.yaml").read_text("utf-8"))["highlight"] == settings.highlight()
