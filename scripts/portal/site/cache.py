"""The build cache: skip work whose inputs did not change.

Everything the build writes into docs/ is also kept, once, in a content-addressed store
under the cache directory (``blobs/ab/<sha256>``). Two kinds of records name those blobs:

- ``units/<key>.json``: one package's outputs (downloads, API record, charts, pages) and
  what the global pages need to know about them (download sizes and hashes, chart titles).
  The key is a hash of everything those outputs are made from: the generator's own code
  and library versions, the options (site URL, access date, PNG or not), the package's
  report entry, and the bytes of its ``datapackage.json`` and data file.
- ``builds/<key>.json``: every generated file of a whole build (path -> blob). The key adds
  ``reports.json`` and every package, so an unchanged portal is rebuilt by only hashing its
  inputs and linking the recorded files into docs/.

Files are put into docs/ as hard links to their blob (a copy where links are not possible)
and only when the bytes differ, so unchanged files keep their mtime. Nothing is ever
written into a file in place (always a new file renamed over the old one), so a blob can
never be changed through docs/. Builds hold a shared lock on the cache; pruning of old
records and blobs happens only under an exclusive lock, i.e. when no other build runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import zlib
from pathlib import Path

SITE = Path(__file__).resolve().parent
PORTAL = SITE.parent  # scripts/portal: every file of it shapes the output (code, templates, words, recipes)
LIBRARIES = ("vl-convert-python", "mini-racer", "uharfbuzz", "altair", "Jinja2", "PyYAML")
KEEP_BUILDS = 8          # build records kept by prune (most recently used first)
FORMAT = 1               # bump to invalidate every record


def digest(*parts) -> str:
    """sha256 of a sequence of str/bytes parts, each length-prefixed (no ambiguity)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_files() -> list[Path]:
    """Every file of the package (not a hand-kept list, which missed settings.py, paths.py and
    recipe.py): a change to any of them gives the build another code version."""
    return sorted(p for p in PORTAL.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo"))


def code_version() -> str:
    """The generator's own version: every file of the package (source, templates, words,
    recipes), the versions of the libraries that shape its output bytes, Python's and zlib's."""
    from importlib import metadata

    parts = [f"format {FORMAT}", sys.version_info[:2], zlib.ZLIB_RUNTIME_VERSION]
    for p in code_files():
        parts += [p.relative_to(PORTAL).as_posix(), p.read_bytes()]
    for lib in LIBRARIES:
        try:
            parts += [lib, metadata.version(lib)]
        except metadata.PackageNotFoundError:
            parts += [lib, "-"]
    return digest(*parts)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def package_fingerprint(descriptor: bytes, data: bytes) -> str:
    return digest("package", descriptor, data)


def scan(packages_dir: Path):
    """(sha256 of reports.json, [(package name, fingerprint)]) read by the reader's rules
    (model/reader.py: package_bytes), or None when something is off (the full build then
    reports the problem, located)."""
    from scripts.portal.errors import PortalError
    from scripts.portal.model.reader import package_bytes

    try:
        reports = sha256_file(packages_dir / "reports.json")
        out = []
        for desc_path in sorted(packages_dir.glob("*/datapackage.json")):
            raw, data = package_bytes(desc_path.parent, packages_dir)
            out.append((desc_path.parent.name, package_fingerprint(raw, data)))
    except (OSError, PortalError):
        return None
    return (reports, out) if out else None


class Store:
    """Blobs and records under one cache directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # ------------------------------------------------------------ blobs
    def blob(self, sha: str) -> Path:
        return self.root / "blobs" / sha[:2] / sha

    def put(self, data: bytes, source: Path | None = None) -> str:
        """Store bytes (from ``source`` by a hard link when given: same bytes, no copy)."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.blob(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
            linked = False
            if source is not None:
                with contextlib.suppress(OSError):
                    os.link(source, tmp)
                    linked = True
            if not linked:
                tmp.write_bytes(data)
            os.replace(tmp, path)
        return sha

    def has(self, shas) -> bool:
        return all(self.blob(s).exists() for s in shas)

    # ------------------------------------------------------------ records
    def record(self, kind: str, key: str):
        path = self.root / kind / f"{key}.json"
        try:
            rec = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: kept longest by prune
        return rec

    def put_record(self, kind: str, key: str, rec: dict) -> None:
        path = self.root / kind / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rec, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

    # ------------------------------------------------------------ locking and pruning
    @contextlib.contextmanager
    def lock(self):
        """Shared for the duration of a build; prune() needs it exclusively."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # no flock: never prune
            self._lock = None
            yield
            return
        with open(self.root / "lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_SH)
            self._lock = fh
            try:
                yield
            finally:
                self._lock = None
                fcntl.flock(fh, fcntl.LOCK_UN)

    def prune(self, keep: int = KEEP_BUILDS) -> int:
        """Drop all but the `keep` most recently used build records, the unit records and
        blobs only they used. Skipped (0) while another build holds the cache."""
        fh = getattr(self, "_lock", None)
        if fh is None:
            return 0
        import fcntl
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0
        try:
            builds = sorted((self.root / "builds").glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            kept_units, kept_blobs = set(), set()
            for path in builds[:keep]:
                try:
                    rec = json.loads(path.read_bytes())
                except (OSError, ValueError):
                    continue
                kept_units.update(rec.get("units", []))
                kept_blobs.update(rec.get("files", {}).values())
            removed = 0
            for path in builds[keep:]:
                path.unlink(missing_ok=True)
                removed += 1
            for path in (self.root / "units").glob("*.json"):
                if path.stem not in kept_units:
                    path.unlink(missing_ok=True)
                    removed += 1
            blobs = self.root / "blobs"
            if blobs.is_dir():
                for sub in os.scandir(blobs):
                    if not sub.is_dir():
                        continue
                    for entry in os.scandir(sub.path):
                        if entry.name not in kept_blobs:
                            os.unlink(entry.path)
                            removed += 1
            return removed
        finally:
            fcntl.flock(fh, fcntl.LOCK_SH)


# ---------------------------------------------------------------- docs/

def materialize(store: Store, docs: Path, files: dict) -> int:
    """Make docs/<path> hold the blob's bytes for every entry; returns how many files were
    (re)written. A file that already has those bytes is left alone. Raises FileNotFoundError
    when a blob is missing."""
    written = 0
    made = set()
    pid = os.getpid()
    blobs, docs_dir = os.path.join(store.root, "blobs"), os.fspath(docs)
    for rel, sha in files.items():
        blob = os.path.join(blobs, sha[:2], sha)
        bst = os.stat(blob)
        dst = os.path.join(docs_dir, rel)
        try:
            st = os.stat(dst)
        except FileNotFoundError:
            st = None
        if st is not None:
            if st.st_ino == bst.st_ino and st.st_dev == bst.st_dev:
                continue
            if st.st_size == bst.st_size and _same_bytes(dst, blob):
                continue
        parent = os.path.dirname(dst)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        tmp = os.path.join(parent, f".{os.path.basename(dst)}.{pid}.tmp")
        try:
            os.link(blob, tmp)
        except OSError:
            shutil.copyfile(blob, tmp)
        os.replace(tmp, dst)
        written += 1
    return written


def _same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def remove_stale(docs: Path, generated: tuple, keep: set) -> int:
    """Delete files under the generated paths that this build did not produce."""
    removed = 0
    for name in generated:
        base = docs / name
        if base.is_file():
            if name not in keep:
                base.unlink()
                removed += 1
            continue
        if not base.is_dir():
            continue
        for dirpath, _, filenames in os.walk(base):
            rel_dir = os.path.relpath(dirpath, docs).replace(os.sep, "/")
            for fname in filenames:
                if f"{rel_dir}/{fname}" not in keep:
                    os.unlink(os.path.join(dirpath, fname))
                    removed += 1
    return removed
