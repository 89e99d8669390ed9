"""Stage 4: validate, generate, run the site engine (MkDocs or Zensical, engine.py) and the
post-build stage into a temporary directory, then swap it into site/.

site/ is replaced only when every step succeeded, so a broken package never leaves a
half-built portal behind. One build at a time per output folder (a lock beside it); what a
killed build left (site.new, site.old, its temporary docs and mkdocs config) is removed at
the next start. The engine runs with --strict and without --quiet, so every warning fails it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import paths, settings
from .errors import PortalError

TMP_PREFIX = "portal-docs-"


def work_docs(target: Path) -> None:
    """A private copy of the hand-written docs/ to generate into (docs/ itself is not touched)."""
    skip = {paths.DOCS / g for g in settings.generated()}
    shutil.copytree(paths.DOCS, target, ignore=lambda d, names: [n for n in names if Path(d) / n in skip])


def render(docs: Path, target: Path, engine: str) -> None:
    """The engine (engine.py) builds the generated `docs` into `target`, then the portal's own
    stage after it (postbuild.py: CSP, search index, deferred scripts, sitemap dates)."""
    from .site import engine as engines, postbuild

    engines.run(docs, target, engine)
    postbuild.finish(target, docs, engine)


def swap(new: Path, site: Path) -> None:
    """Replace site/ by new/ with two renames (the old tree is removed afterwards); if the
    second rename fails, the old site is put back."""
    old = site.with_name(site.name + ".old")
    try:
        if old.exists():
            shutil.rmtree(old)
        if site.exists():
            site.rename(old)
        try:
            new.rename(site)
        except OSError:
            if old.exists() and not site.exists():
                old.rename(site)
            raise
    except OSError as exc:
        raise PortalError(f"cannot replace {site}: {exc.strerror or exc}; the previous site is left as it was",
                          file=str(site)) from None
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def build_lock(site: Path):
    """Hold `.<site>.lock` beside the output folder; a second build refuses instead of interleaving."""
    try:
        site.parent.mkdir(parents=True, exist_ok=True)
        handle = open(site.with_name(f".{site.name}.lock"), "a+")
    except OSError as exc:
        raise PortalError(f"cannot write beside {site}: {exc.strerror or exc}; site/ left unchanged",
                          file=str(site.parent)) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PortalError(f"another build is writing {site} right now: wait for it to finish, then run "
                              "`make site` again") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(site: Path) -> list[Path]:
    """Remove what a killed build left: site.new, site.old, mkdocs configs in the repository
    root (older versions wrote them there) and temporary docs of build processes that are gone."""
    stale = [site.with_name(site.name + ".new"), site.with_name(site.name + ".old")]
    stale += [p for p in paths.ROOT.glob(".mkdocs-build-*.yml")
              if not alive(int((re.match(r"\.mkdocs-build-(\d+)", p.name) or [0, 0])[1]))]
    for tmp in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        m = re.match(rf"{TMP_PREFIX}(\d+)-", tmp.name)
        if m and not alive(int(m.group(1))):
            stale.append(tmp)
    removed = []
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink(missing_ok=True)
        else:
            continue
        removed.append(path)
    return removed


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
    site = Path(args.site).resolve()
    with build_lock(site):
        for path in clean_stale(site):
            print(f"removed {path} (left by an interrupted build)")
        return _publish(args, site)


def _publish(args, site: Path) -> int:
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

    new = site.with_name(site.name + ".new")
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-") as tmp:
        docs = Path(tmp) / "docs"
        work_docs(docs)
        args.docs = docs
        if build.run(args):
            raise PortalError("page generation failed: site/ left unchanged")
        t = time.perf_counter()
        engine = getattr(args, "engine", None) or "mkdocs"
        try:
            render(docs, new, engine)
        except PortalError:
            shutil.rmtree(new, ignore_errors=True)
            raise
    print(f"{engine} build --strict and the portal's post-build stage ({time.perf_counter() - t:.1f} s)")
    swap(new, site)
    print(f"site ready in {site} ({time.perf_counter() - start:.1f} s in all)")
    return 0
