"""The SQL page (scripts/portal/site/query_page.py): its data dictionary names every table and
column of the published portal.sqlite, its example queries run on that database and return
rows, and the page carries the form, the examples and the dictionary (fixture site)."""

from __future__ import annotations

import html
import re
import sqlite3
from urllib.parse import unquote

import pytest

from scripts.portal.model.reader import load_portal
from scripts.portal.site import analysis_downloads, query_page
from tests.site_build import FIXTURE_PACKAGES, built_site, site_packages_dir


@pytest.fixture(scope="module")
def portal():
    return load_portal(site_packages_dir())


@pytest.fixture(scope="module")
def database(portal, tmp_path_factory):
    path = tmp_path_factory.mktemp("query") / "portal.sqlite"
    path.write_bytes(analysis_downloads.analysis_files(portal)["downloads/portal.sqlite"])
    con = sqlite3.connect(path)
    yield con
    con.close()


def test_dictionary_is_the_database_schema(portal, database):
    tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    documented = query_page.dictionary(portal)
    assert {t["table"] for t in documented} | {"_tables", "_fields"} == tables
    for t in documented:
        columns = [row[1] for row in database.execute(f'PRAGMA table_info("{t["table"]}")')]
        assert [c["name"] for c in t["columns"]] == columns, t["table"]
        assert database.execute(f'SELECT count(*) FROM "{t["table"]}"').fetchone()[0] == t["rows"]


def test_every_example_runs_and_returns_rows(database):
    examples = query_page.examples()
    assert len(examples) >= 3
    for ex in examples:
        assert unquote(ex["query"]) == ex["sql"]
        rows = database.execute(ex["sql"]).fetchall()
        assert rows, ex["label"]


def test_the_examples_ask_what_the_issue_asks(database):
    """An indicator across places, the plan's targets, the biggest changes."""
    across, targets, changes = (database.execute(e["sql"]).fetchall() for e in query_page.examples()[:3])
    assert len({r[0] for r in across}) >= 3                       # several places
    n_targets = database.execute("SELECT count(*) FROM facts WHERE kind = 'target' AND repeat_of IS NULL").fetchone()[0]
    assert len(targets) == n_targets > 0
    ratios = [r[-1] for r in changes]
    assert ratios == sorted(ratios, reverse=True) and ratios[0] > 1


def test_the_page_has_form_examples_and_dictionary():
    site = built_site(str(FIXTURE_PACKAGES)).site
    page = (site / "query" / "index.html").read_text("utf-8")
    form = re.search(r"<form class=\"portal-query\"[^>]*>", page).group(0)
    assert 'data-portal-script="query"' in form
    assert 'data-db="../downloads/portal.sqlite"' in form and 'data-worker="../query/worker.js"' in form
    assert 'data-cap="1000"' in form and "data-msg-error=" in form and "data-msg-capped=" in form
    links = re.findall(r'<a href="\?sql=([^"]+)" data-example>', page)
    assert [unquote(html.unescape(q)) for q in links] == [e["sql"] for e in query_page.examples()]
    assert 'id="dictionary"' in page and page.count('<details class="portal-dictionary"') == len(
        query_page.dictionary(load_portal(FIXTURE_PACKAGES)))
    for rel in ("worker.js", "sql-wasm-browser.js", "sql-wasm-browser.wasm", "sql.js-LICENSE.txt"):
        assert (site / "query" / rel).stat().st_size > 0, rel
    assert (site / "query" / "sql-wasm-browser.wasm").read_bytes()[:4] == b"\0asm"


def test_no_other_page_refers_to_the_webassembly():
    site = built_site(str(FIXTURE_PACKAGES)).site
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8")
        if page.parent.name != "query":
            assert "sql-wasm" not in text and "query/worker.js" not in text, page
