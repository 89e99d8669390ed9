"""Build a portal site into a temporary directory, once per test process (shared by the
tests/test_site_*.py modules and tests/browser/). Not a test module itself."""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.portal import paths, settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_PACKAGES = ROOT / "tests" / "fixtures" / "packages"
FIXTURE_INDICATORS = ROOT / "tests" / "fixtures" / "indicators"   # fact table + registry for the fixtures


@dataclass
class Built:
    packages: Path
    docs: Path
    site: Path


def copy_handwritten_docs(target: Path) -> None:
    skip = {paths.DOCS / g for g in settings.generated()}
    shutil.copytree(paths.DOCS, target, ignore=lambda d, names: [n for n in names if Path(d) / n in skip])


def generate(packages: Path, docs: Path, **extra) -> None:
    from scripts.portal import cli

    argv = ["build", "--packages", str(packages), "--docs", str(docs), "--date", "2026-01-15", "--quiet",
            "--site-url", "http://127.0.0.1:8000/portal/"]
    for k, v in extra.items():
        argv += [f"--{k.replace('_', '-')}"] + ([] if v is True else [str(v)])
    assert cli.main(argv) == 0


def mkdocs_build(docs: Path, site: Path, engine: str = "mkdocs") -> None:
    """The engine (strict) and the portal's post-build stage, as `make site` runs them."""
    from scripts.portal import publish

    publish.render(docs, site, engine)


@functools.lru_cache(maxsize=None)
def built_site(packages: str, engine: str = "mkdocs") -> Built:
    """Generate + the engine's strict build + the post-build stage for a packages directory
    (cached per process and engine)."""
    tmp = Path(tempfile.mkdtemp(prefix="portal-site-test-"))
    docs, site = tmp / "docs", tmp / "site"
    copy_handwritten_docs(docs)
    layer = {}
    if Path(packages) == FIXTURE_PACKAGES:  # the fixtures' own indicator layer
        layer = {"facts": FIXTURE_INDICATORS / "facts" / "indicators", "recipes": FIXTURE_INDICATORS / "recipes"}
    generate(Path(packages), docs, **layer)
    mkdocs_build(docs, site, engine)
    return Built(Path(packages), docs, site)


@functools.lru_cache(maxsize=None)
def zensical_site(packages: str) -> Built:
    """The docs of built_site(packages), built by Zensical and the same post-build stage."""
    mk = built_site(packages)
    site = Path(tempfile.mkdtemp(prefix="portal-zensical-test-")) / "site"
    mkdocs_build(mk.docs, site, "zensical")
    return Built(mk.packages, mk.docs, site)


def site_packages_dir() -> Path:
    """The real packages when there are any, else the fixtures (browser tests use this)."""
    real = paths.packages_dir()
    if (real / "reports.json").exists() and any(real.glob("*/datapackage.json")):
        return real
    return FIXTURE_PACKAGES
