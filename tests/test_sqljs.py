"""sql.js vendoring (scripts/portal/site/sqljs.py): the pinned version is what package.json asks
for and what is installed; a missing npm is a PortalError naming the lock file."""

from __future__ import annotations

import json
import shutil

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.site import sqljs


def test_pin_is_exact_and_installed():
    manifest = json.loads((sqljs.NPM_DIR / "package.json").read_text("utf-8"))
    assert manifest["dependencies"] == {"sql.js": sqljs.pinned()}
    assert sqljs.pinned().count(".") == 2 and sqljs.pinned()[0].isdigit()   # exact, no range
    files = sqljs.files()
    assert sqljs.installed() == sqljs.pinned()
    assert set(files) == set(sqljs.FILES)
    assert files["query/sql-wasm-browser.wasm"].read_bytes()[:4] == b"\0asm"
    script = files["query/sql-wasm-browser.js"].read_text("utf-8")
    assert "initSqlJs" in script and "sql-wasm-browser.wasm" in script   # the name the worker serves it under
    assert "new Function" not in script and "eval(" not in script


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    npm_dir = tmp_path / "npm"
    npm_dir.mkdir()
    shutil.copy(sqljs.NPM_DIR / "package-lock.json", npm_dir)
    shutil.copy(sqljs.NPM_DIR / "package.json", npm_dir)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(PortalError) as err:
        sqljs.files(npm_dir)
    assert "npm" in err.value.message and sqljs.pinned() in err.value.message
    assert err.value.file.endswith("package-lock.json")
