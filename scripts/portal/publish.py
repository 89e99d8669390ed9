"""Stage 4: validate, generate, run mkdocs into a temporary directory, then swap it into site/.

site/ is replaced only when every step succeeded, so a broken package never
leaves a half-built portal behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import paths
from .errors import PortalError


def mkdocs_build(config: Path, target: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "-f", str(config), "-d", str(target)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise PortalError("mkdocs build --strict failed:\n" + (proc.stderr or proc.stdout).strip()[-4000:])


def swap(new: Path, site: Path) -> None:
    """Replace site/ by new/ with two renames (the old tree is removed afterwards)."""
    old = site.with_name(site.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if site.exists():
        site.rename(old)
    new.rename(site)
    if old.exists():
        shutil.rmtree(old)


def publish(args) -> int:
    from .validate import summary, validate_all

    start = time.perf_counter()
    results = validate_all(args.packages)
    if any(r.errors for r in results):
        print(summary(results))
        raise PortalError("validation failed: site/ left unchanged")
    print(f"validated {len(results)} packages ({time.perf_counter() - start:.1f} s)")
    from .site import build

    code = build.run(args)
    if code:
        raise PortalError("page generation failed: site/ left unchanged")
    site = Path(args.site)
    new = site.with_name(site.name + ".new")
    if new.exists():
        shutil.rmtree(new)
    t = time.perf_counter()
    try:
        mkdocs_build(paths.ROOT / "mkdocs.yml", new)
    except PortalError:
        shutil.rmtree(new, ignore_errors=True)
        raise
    print(f"mkdocs build --strict ({time.perf_counter() - t:.1f} s)")
    swap(new, site)
    print(f"site ready in {site} ({time.perf_counter() - start:.1f} s in all)")
    return 0
