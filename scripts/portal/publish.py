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
import tempfile
import time
from pathlib import Path

from . import paths, settings
from .errors import PortalError

TMP_PREFIX = "portal-docs-"
# The public base URL: ASCII host name, optional port and path (the `url` rule of the schemas).
URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~:/@!$&()*+,;=%-]*)?")


def work_docs(target: Path) -> None:
    """A private copy of the hand-written docs/ to generate into (docs/ itself is not touched).
    A symbolic link in docs/ or overrides/ (both copied into the site) is refused: copied, it
    would publish its target, any file of the build machine."""
    skip = {paths.DOCS / g for g in settings.generated()}
    for folder in (paths.DOCS, paths.ROOT / "overrides"):
        refuse_links(folder, skip)
    shutil.copytree(paths.DOCS, target, symlinks=True,
                    ignore=lambda d, names: [n for n in names if Path(d) / n in skip])


def refuse_links(folder: Path, skip=frozenset()) -> None:
    """A located PortalError for the first symbolic link under `folder` (never followed)."""
    if folder.is_symlink():
        raise PortalError("is a symbolic link: refused (the site would publish its target)", file=folder.name)
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if Path(here) / d not in skip)  # generated: not copied
        for name in sorted(dirs + files):
            path = Path(here) / name
            if path.is_symlink() and path not in skip:
                raise PortalError("is a symbolic link: refused (the site would publish its target)",
                                  file=str(path.relative_to(folder.parent)))


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


# Names that never reach a public host (RFC 6761 localhost/test/invalid, RFC 6762 local,
# RFC 8375 home.arpa, ICANN's internal); a trailing dot (an absolute name) is the same name.
LOCAL_NAMES = ("localhost", "local", "test", "invalid", "internal", "home.arpa", "lan", "localdomain")


def public_url(args) -> str:
    """The public base URL a publishing build needs (--site-url or $PORTAL_SITE_URL): an
    absolute http(s) URL that is not this machine nor a private network. Citations, canonical
    links and DCAT identifiers are made from it, so a publishing build without it must not run."""
    from urllib.parse import urlsplit

    url = (getattr(args, "site_url", None) or os.environ.get("PORTAL_SITE_URL") or "").strip()
    if not url:
        raise PortalError("a publishing build needs the public base URL: pass --site-url "
                          "https://example.org/portal/ or set PORTAL_SITE_URL (site/ left unchanged)")
    try:
        parsed = urlsplit(url)
        hostname, port = parsed.hostname, parsed.port
    except ValueError:
        hostname = port = parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not hostname:
        raise PortalError(f"--site-url {url!r} is not an absolute http(s) URL (site/ left unchanged)")
    why = not_public(hostname, parsed.netloc) or (
        None if URL.fullmatch(url) else "has characters an http(s) URL does not (quote them with %XX)")
    if why:
        raise PortalError(f"--site-url {url!r} {why}; a publishing build needs the public base URL "
                          "(site/ left unchanged)")
    return url if url.endswith("/") else url + "/"


def not_public(hostname: str, netloc: str) -> str | None:
    """Why `hostname` is not a public host (parsed as browsers parse it: 127.1, 0x7f000001,
    2130706433 and 0 are IPv4 addresses, [::ffff:127.0.0.1] is IPv4 in IPv6, `localhost.` is
    localhost), or None."""
    import ipaddress
    import socket

    if "@" in netloc:
        return "carries a user name or password"
    name = hostname.lower().rstrip(".")
    if not re.fullmatch(r"[a-z0-9.:-]+", name or "-"):
        return "has characters a public host name does not (write an IDN as punycode: xn--…)"
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        address = None
    if address is None and re.fullmatch(r"[0-9a-fx.]+", name) and re.search(r"(^|\.)(0x[0-9a-f]*|[0-9]+)$", name):
        try:  # the legacy IPv4 forms browsers accept (inet_aton: 127.1, 0x7f.1, 017700000001, 0)
            address = ipaddress.ip_address(socket.inet_aton(name))
        except OSError:
            return "is neither a host name nor an IP address a browser could reach"
    if address is not None:
        address = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None) or address
        if address.is_loopback or address.is_unspecified:
            return "points at this machine"
        if not address.is_global or address.is_multicast:
            return "is a private, link-local or reserved address, not a public one"
        return None
    if name.split(".")[-1] in LOCAL_NAMES or any(name.endswith("." + n) for n in LOCAL_NAMES) \
            or name in LOCAL_NAMES or name == socket.gethostname().lower():
        return "points at this machine or a local network name"
    if "." not in name:
        return "is a single-label name (no domain): not a public host"
    return None


def publish(args) -> int:
    site = Path(args.site).resolve()
    with build_lock(site):
        for path in clean_stale(site):
            print(f"removed {path} (left by an interrupted build)")
        before = os.environ.get("PORTAL_SITE_URL")
        try:
            return _publish(args, site)
        finally:  # a publishing build sets the engine's site_url for its own run only
            if before is None:
                os.environ.pop("PORTAL_SITE_URL", None)
            else:
                os.environ["PORTAL_SITE_URL"] = before


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
