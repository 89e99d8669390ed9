"""The SQL page in Chromium (/query/, portal-query.js + query/worker.js + sql.js), on a phone
and a desktop: ?sql= runs at once, the result agrees with SQLite run on the same
portal.sqlite, the row cap is shown, bad SQL and writes get a clear message, the examples run
and write the address, the CSV download holds the table; the WebAssembly is fetched on that
page only, and nothing from another host. Also served with the _headers policy as HTTP
headers (as Netlify or Cloudflare Pages would send it), where the worker needs /query/'s
'wasm-unsafe-eval'."""

from __future__ import annotations

import functools
import http.server
import re
import sqlite3
import threading
from urllib.parse import quote, urlsplit

import pytest

from scripts.portal.site import query_page
from tests.browser.conftest import ARTIFACTS

VIEWS = {"desktop": (1280, 900), "phone": (375, 740)}


@pytest.fixture(scope="module")
def db(built):
    con = sqlite3.connect(built.site / "downloads" / "portal.sqlite")
    yield con
    con.close()


def status(page):
    return page.locator(".portal-query__status")


def run_query(page, base_url, sql):
    page.goto(f"{base_url}query/?sql={quote(sql, safe='')}")
    page.locator(".portal-query__status", has_text="毫秒").or_(page.locator(".portal-query__error:not([hidden])")) \
        .first.wait_for(timeout=30000)


@pytest.mark.parametrize("view", VIEWS)
def test_sql_in_the_address_runs_and_agrees_with_sqlite(browser, base_url, db, view):
    ctx = browser.new_context(viewport=dict(zip(("width", "height"), VIEWS[view])), is_mobile=view == "phone")
    page = ctx.new_page()
    errors, hosts = [], set()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    sql = "SELECT geography, count(*) AS n FROM facts GROUP BY geography ORDER BY n DESC, geography"
    run_query(page, base_url, sql)
    want = db.execute(sql).fetchall()
    rows = page.locator(".portal-query__results tbody tr")
    assert rows.count() == len(want)
    assert [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()] == [str(v) for v in want[0]]
    assert f"共 {len(want)} 行" in status(page).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"query-{view}.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWS[view][0], f"page wider than the screen: {width}"
    assert hosts == {urlsplit(base_url).netloc}
    assert not errors, errors
    ctx.close()


def test_row_cap_is_shown(page, base_url, db):
    run_query(page, base_url, "SELECT * FROM facts")
    total = db.execute("SELECT count(*) FROM facts").fetchone()[0]
    assert total > 1000
    assert page.locator(".portal-query__results tbody tr").count() == 1000
    text = status(page).inner_text()
    assert f"共 {total:,} 行" in text and "只显示前 1,000 行" in text


@pytest.mark.parametrize("sql, says", [
    ("SELEC * FROM facts", 'near "SELEC": syntax error'),
    ("SELECT nope FROM facts", "no such column: nope"),
    ("DELETE FROM facts", "readonly"),
])
def test_bad_sql_gets_a_clear_message(page, base_url, db, sql, says):
    run_query(page, base_url, sql)
    alert = page.locator(".portal-query__error")
    assert alert.is_visible()
    assert alert.inner_text().startswith("SQL 有误：") and says in alert.inner_text()
    assert not page.log.errors, page.log.errors
    page.fill("#portal-sql", "SELECT count(*) FROM facts")   # the page still works, nothing was deleted
    page.click(".portal-query button[type=submit]")
    page.locator(".portal-query__results td", has_text=str(db.execute("SELECT count(*) FROM facts").fetchone()[0])) \
        .wait_for(timeout=20000)
    assert alert.is_hidden()


def test_examples_run_and_write_the_address(page, base_url, db):
    page.goto(f"{base_url}query/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in page.log.requests if "sql-wasm" in u], "the engine was loaded before a query"
    examples = query_page.examples()
    link = page.locator("a[data-example]").nth(1)
    link.click()
    page.locator(".portal-query__status", has_text="毫秒").wait_for(timeout=30000)
    assert page.input_value("#portal-sql") == examples[1]["sql"]
    assert page.locator(".portal-query__results tbody tr").count() == len(db.execute(examples[1]["sql"]).fetchall())
    assert "sql=" in page.url and urlsplit(page.url).path.endswith("/query/")
    assert [u for u in page.log.requests if u.endswith("sql-wasm-browser.wasm")]
    with page.expect_download() as got:
        page.click("[data-csv]")
    lines = open(got.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[0] == "指标,地区,时期,目标,单位"
    assert len(lines) == 1 + len(db.execute(examples[1]["sql"]).fetchall())


def test_other_pages_never_load_the_webassembly(page, base_url, built):
    indicator = sorted((built.site / "indicators").glob("*/index.html"))[0].parent.name
    for path in ("", f"indicators/{indicator}/", "catalog/"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(500)
    assert not [u for u in page.log.requests if "sql-wasm" in u or "worker.js" in u]


# ------------------------------------------------------------- served with _headers

def header_rules(site) -> list:
    text = (site / "_headers").read_text("utf-8")
    return re.findall(r"^(/\S*)\n  Content-Security-Policy: ([^\n]+)", text, re.M)


def matching(rules, path):
    """The policies of every rule matching a path, as Netlify and Cloudflare Pages match them."""
    return [p for pattern, p in rules
            if (path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern)]


class HeaderHandler(http.server.SimpleHTTPRequestHandler):
    rules: list = []

    def end_headers(self):
        for policy in matching(self.rules, urlsplit(self.path).path):
            self.send_header("Content-Security-Policy", policy)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def header_url(built):
    handler = type("H", (HeaderHandler,), {"rules": header_rules(built.site)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(built.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_query_works_under_the_header_policy(page, header_url, db):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    run_query(page, header_url, "SELECT count(*) FROM _tables")
    assert page.locator(".portal-query__results td").first.inner_text() == str(
        db.execute("SELECT count(*) FROM _tables").fetchone()[0])
    assert not violations, violations


def test_the_header_policy_refuses_webassembly_elsewhere(page, header_url):
    """Outside /query/ the header policy keeps WebAssembly refused (the exception is /query/'s alone)."""
    page.goto(header_url + "catalog/")
    compiled = page.evaluate("""async () => {
        try { await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return true; }
        catch (e) { return String(e); } }""")
    assert compiled is not True and "CompileError" in compiled and "content security" in compiled.lower()
