"""Analysts' downloads: the fact table as CSV/JSON/XLSX and the SQLite database of every package."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from scripts.portal import paths
from scripts.portal.model.reader import load_portal
from scripts.portal.site.analysis_downloads import ANALYSIS_DOWNLOADS, analysis_files, table_name


@pytest.fixture(scope="module")
def portal():
    return load_portal(paths.packages_dir())


@pytest.fixture(scope="module")
def files(portal):
    return analysis_files(portal)


def test_every_listed_download_is_made(files):
    assert {path for _, path, _ in ANALYSIS_DOWNLOADS} == set(files)


def test_fact_table_csv_and_json(files, portal):
    facts = portal.derived["indicators"]
    assert files["downloads/indicators/facts.csv"] == facts.csv_bytes
    doc = json.loads(files["downloads/indicators/facts.json"])
    assert len(doc["records"]) == len(facts.rows) > 3000
    assert doc["records"][0]["fact_id"] == "f000001"
    assert [f["name"] for f in doc["schema"]["fields"]][:3] == ["fact_id", "indicator_id", "indicator"]


def test_fact_table_xlsx(files, portal):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(files["downloads/indicators/facts.xlsx"]))
    assert wb.sheetnames == ["facts", "fields", "findings"]
    ws = wb["facts"]
    assert ws.max_row == len(portal.derived["indicators"].rows) + 1
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]]))
    assert row["fact_id"] == "f000001" and isinstance(row["value"], float)
    assert any("4.51" in (c.value or "") for c in wb["findings"]["C"])


def test_sqlite_has_every_package_with_titles_and_units(files, portal):
    with open_db(files["downloads/portal.sqlite"]) as con:
        tables = {r[0]: r[1] for r in con.execute("SELECT table_name, rows FROM _tables")}
        assert set(tables) == {table_name(p) for p in portal.packages} | {"facts"}
        for pkg in portal.packages:
            count = con.execute(f'SELECT COUNT(*) FROM "{table_name(pkg)}"').fetchone()[0]
            assert count == tables[table_name(pkg)] == len(pkg.rows)
        unit = con.execute("SELECT title, unit FROM _fields WHERE table_name = ? AND column_name = ?",
                           ("cnnic_47_table_6_app_users", "users_2020_12")).fetchone()
        assert unit[1] == "万" and "用户规模" in unit[0]
        # a join analysts would write: Liaoning vs the nation, from the fact table
        rows = con.execute("SELECT geography, value FROM facts WHERE indicator_id = 'app-online-shopping-users' "
                           "AND period = '2020-12' AND kind = 'actual' AND repeat_of IS NULL "
                           "AND qualifier IS NULL ORDER BY geography").fetchall()
        assert ("全国", 78241.0) in rows and ("辽宁省", 2414.6) in rows


def test_downloads_are_deterministic(portal, files):
    again = analysis_files(portal)
    assert again == files


class open_db:
    """A read-only connection to database bytes (sqlite needs a file)."""

    def __init__(self, data: bytes):
        import tempfile
        self.dir = tempfile.TemporaryDirectory()
        self.path = f"{self.dir.name}/db.sqlite"
        with open(self.path, "wb") as fh:
            fh.write(data)

    def __enter__(self):
        self.con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        return self.con

    def __exit__(self, *exc):
        self.con.close()
        self.dir.cleanup()


def test_build_makes_them_again_only_when_their_inputs_change(portal, tmp_path, monkeypatch):
    from scripts.portal.site import analysis_downloads, build
    from scripts.portal.site.cache import Store

    store = Store(tmp_path / "cache")
    first = build.analysis_blobs(store, "code", portal, analysis_downloads)
    assert set(first) == {path for _, path, _ in ANALYSIS_DOWNLOADS}
    assert store.blob(first["downloads/portal.sqlite"]).read_bytes() == analysis_files(portal)["downloads/portal.sqlite"]
    calls = []
    monkeypatch.setattr(analysis_downloads, "facts_xlsx", lambda pkg: calls.append(pkg) or b"new")
    assert build.analysis_blobs(store, "code", portal, analysis_downloads) == first and calls == []
    assert build.analysis_blobs(store, "other code", portal, analysis_downloads)["downloads/indicators/facts.xlsx"] \
        == store.put(b"new") and len(calls) == 1
