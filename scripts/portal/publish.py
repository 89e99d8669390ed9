"""Stage 4: validate, generate, run mkdocs into a temporary directory, then swap it into site/.

site/ is replaced only when every step succeeded, so a broken package never
leaves a half-built portal behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import paths
from .errors import PortalError


def work_docs(target: Path) -> None:
    """A private copy of the hand-written docs/ to generate into (docs/ itself is not touched)."""
    from .site.build import GENERATED

    skip = {paths.DOCS / g for g in GENERATED}
    shutil.copytree(paths.DOCS, target, ignore=lambda d, names: [n for n in names if Path(d) / n in skip])


def mkdocs_build(docs: Path, target: Path) -> None:
    """mkdocs build --strict of `docs` with the project's mkdocs.yml (via INHERIT)."""
    config = paths.ROOT / f".mkdocs-build-{os.getpid()}-{docs.parent.name}.yml"
    config.write_text(f"INHERIT: mkdocs.yml\ndocs_dir: {json.dumps(str(docs))}\n", "utf-8")
    try:
        _run_mkdocs(config, target)
    finally:
        config.unlink(missing_ok=True)


def _run_mkdocs(config: Path, target: Path) -> None:
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


def public_url(args) -> str:
    """The public base URL a publishing build needs (--site-url or $PORTAL_SITE_URL): an
    absolute http(s) URL that is not this machine. Citations, canonical links and DCAT
    identifiers are made from it, so a publishing build without it must not run."""
    from urllib.parse import urlparse

    url = (getattr(args, "site_url", None) or os.environ.get("PORTAL_SITE_URL") or "").strip()
    if not url:
        raise PortalError("a publishing build needs the public base URL: pass --site-url "
                          "https://example.org/portal/ or set PORTAL_SITE_URL (site/ left unchanged)")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise PortalError(f"--site-url {url!r} is not an absolute http(s) URL (site/ left unchanged)")
    if parsed.hostname in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):
        raise PortalError(f"--site-url {url!r} points at this machine; a publishing build needs the public "
                          "base URL (site/ left unchanged)")
    return url if url.endswith("/") else url + "/"


def publish(args) -> int:
    from .validate import summary, validate_all

    start = time.perf_counter()
    if getattr(args, "publish", False):
        args.site_url = public_url(args)
        os.environ["PORTAL_SITE_URL"] = args.site_url  # mkdocs.yml site_url (canonical links, sitemap)
        print(f"publishing build for {args.site_url}")
    results = validate_all(args.packages)
    if any(r.errors for r in results):
        print(summary(results))
        raise PortalError("validation failed: site/ left unchanged")
    print(f"validated {len(results)} packages ({time.perf_counter() - start:.1f} s)")
    from .site import build

    site = Path(args.site).resolve()
    site.parent.mkdir(parents=True, exist_ok=True)
    new = site.with_name(site.name + ".new")
    with tempfile.TemporaryDirectory(prefix="portal-docs-") as tmp:
        docs = Path(tmp) / "docs"
        work_docs(docs)
        args.docs = docs
        if build.run(args):
            raise PortalError("page generation failed: site/ left unchanged")
        if new.exists():
            shutil.rmtree(new)
        t = time.perf_counter()
        try:
            mkdocs_build(docs, new)
        except PortalError:
            shutil.rmtree(new, ignore_errors=True)
            raise
    print(f"mkdocs build --strict ({time.perf_counter() - t:.1f} s)")
    swap(new, site)
    print(f"site ready in {site} ({time.perf_counter() - start:.1f} s in all)")
    return 0
