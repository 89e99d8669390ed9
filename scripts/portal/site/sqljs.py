"""Self-hosted sql.js (SQLite compiled to WebAssembly) for the /query/ page: the npm package
pinned in npm/package-lock.json beside this file, installed with `npm ci` into npm/node_modules
(git-ignored) when it is missing or another version, and its browser build copied into the
site at build time under query/ (no CDN). Only the /query/ page's worker loads it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from scripts.portal.errors import PortalError
from scripts.portal.site import vendor

NPM_DIR = Path(__file__).with_name("npm")
PACKAGE = "sql.js"
# site path (under docs/) -> file of the npm package; the script asks for the .wasm by this name
FILES = {"query/sql-wasm-browser.js": "dist/sql-wasm-browser.js",
         "query/sql-wasm-browser.wasm": "dist/sql-wasm-browser.wasm",
         "query/sql.js-LICENSE.txt": "LICENSE"}


def pinned(npm_dir: Path = NPM_DIR) -> str:
    """The version package-lock.json pins."""
    lock = json.loads((npm_dir / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"][f"node_modules/{PACKAGE}"]["version"]


def installed(npm_dir: Path = NPM_DIR) -> str | None:
    manifest = npm_dir / "node_modules" / PACKAGE / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def package_dir(npm_dir: Path = NPM_DIR) -> Path:
    """node_modules/sql.js at the pinned version, installed first if needed (`npm ci`)."""
    want = pinned(npm_dir)
    if installed(npm_dir) != want:
        with vendor.exclusive(npm_dir / ".npm-ci.lock"):  # parallel builds wait for one install
            if installed(npm_dir) != want:
                npm_ci(npm_dir, want)
    return npm_dir / "node_modules" / PACKAGE


def npm_ci(npm_dir: Path, want: str) -> None:
    npm = shutil.which("npm")
    where = str(npm_dir / "package-lock.json")
    if npm is None:
        raise PortalError(f"npm is not installed: the query page needs {PACKAGE} {want} from the npm "
                          "registry (apt-get install npm)", file=where)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=npm_dir,
                          capture_output=True, text=True)
    if done.returncode != 0 or installed(npm_dir) != want:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PortalError(f"npm ci could not install {PACKAGE} {want}: " + " | ".join(tail), file=where)


def files(npm_dir: Path = NPM_DIR) -> dict[str, Path]:
    """{path under docs/: file to copy}: the sql.js browser build, its WebAssembly and licence."""
    pkg = package_dir(npm_dir)
    out = {}
    for rel, src in FILES.items():
        path = pkg / src
        if not path.is_file():
            raise PortalError(f"{PACKAGE} {pinned(npm_dir)} has no {src} (a changed package layout?)",
                              file=str(path))
        out[rel] = path
    return out
