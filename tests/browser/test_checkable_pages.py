"""Issue 20, points 5–8, as a reader checks them in headless Chromium at phone (390 px) and desktop
(1280 px) widths, on the built portal (real packages when present). Screenshots go to
test-artifacts/checkable/. Each expectation is recomputed here from what the page shows (the
values table, the data table, the CSV), not taken from the code that wrote the page.

5. consistency notes name every place listed with two different values; one rank per figure
   (the indicator page and /comparisons/ agree; only provinces count);
6. /topics/, /datasets/, /reports/ exist and link every topic, dataset and report; no page and no
   table scrolls sideways on a phone; the home page leads with Liaoning's figures, each a link;
7. every source line on an indicator page has its quoted sentence and section; the row a link
   points to is highlighted, on a direct load and after instant navigation;
8. the pandas snippet reads numeric columns as numbers; values carry units; one number format
   per column.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd
import pytest

from scripts.portal.model.reader import load_package, load_portal

WIDTHS = (390, 1280)
HIGHLIGHT = "rgb(255, 243, 191)"   # portal.css: the linked row's cells


@pytest.fixture(scope="module")
def shots(artifacts):
    d = artifacts / "checkable"
    d.mkdir(exist_ok=True)
    return d


def open_at(browser, url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_load_state("networkidle")
    pg.errors = errors
    return context, pg


def has_layer(built) -> bool:
    return (built.site / "indicators" / "ipv4-share" / "index.html").exists()


def values_table(pg) -> list:
    """The indicator page's values table as the reader sees it: [{地区, 时期, 数值, 类型, 出处 (element)}]."""
    return pg.evaluate("""() => [...document.querySelector('#values ~ table.portal-stack').tBodies[0].rows].map(tr => {
        const o = {}; tr.querySelectorAll('[data-label]').forEach(c => o[c.dataset.label] = c.innerText.trim());
        o.quotes = [...tr.querySelectorAll('.portal-source')].map(s => ({text: s.innerText,
            quote: (s.querySelector('.portal-quote q') || {}).textContent || ''})); return o; })""")


def number(text: str):
    m = re.match(r"[^\d-]*(-?[\d,]+(?:\.\d+)?)", text)
    return float(m.group(1).replace(",", "")) if m else None


# ---------------------------------------------------------------- 5. consistency notes and ranks

@pytest.mark.parametrize("width", WIDTHS)
def test_consistency_notes_follow_the_listed_values_and_one_rank(browser, base_url, built, shots, width):
    if not has_layer(built):
        pytest.skip("the real indicator layer is not built")
    context, pg = open_at(browser, base_url + "indicators/ipv4-share/", width)
    rows = values_table(pg)
    groups = defaultdict(set)
    for r in rows:
        groups[(r["地区"], r["时期"])].add(number(r["数值"].split("\n")[0]))
    # every place shown with two different numbers for one period is named by a note (不一致, or
    # 一致 when the two differ only in printed precision, 3.3 % and 3.33 %); differences of 0.01 count
    differing = {place for (place, _), vals in groups.items() if len(vals) > 1 and max(vals) - min(vals) > 0.005}
    assert differing >= {"上海市", "福建省"}
    notes = pg.locator("#consistency ~ ul").first.locator("li").all_inner_texts()
    for place in differing:
        assert any(n.split("：")[0].split("（")[0].endswith(place) for n in notes), (place, notes)
    bad = [n for n in notes if n.startswith("不一致")]
    assert any("上海市" in n and "4.51%" in n and "4.52%" in n for n in bad), bad
    assert "没有两个不同的数值" not in pg.locator("article").inner_text()
    rank = pg.locator(".portal-rank").get_attribute("data-rank")
    pg.locator("#consistency").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / f"5-consistency-{width}.png"))
    context.close()

    context, pg = open_at(browser, base_url + "comparisons/", width)
    ranks = pg.evaluate("""() => [...document.querySelectorAll('#rank ~ table tbody tr, #rank ~ * table tbody tr')]
        .map(tr => tr.innerText)""")
    ipv4 = [r for r in ranks if "IPv4" in r and "比例" in r and "第" in r]
    assert ipv4, ranks
    for line in ipv4:
        got = re.search(r"第 (\d+) / (\d+)", line)
        assert f"{got.group(1)}/{got.group(2)}" == rank, (line, rank)
        assert int(got.group(2)) <= 31   # provinces only
    pg.locator("#rank").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / f"5-comparisons-rank-{width}.png"))
    context.close()


# ---------------------------------------------------------------- 6. index pages, phone width, home

def every_page(built) -> list:
    site = built.site
    out = []
    for p in sorted(site.rglob("index.html")):
        rel = p.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in ("assets", "search", "api"):
            continue
        out.append("" if rel == "." else rel + "/")
    return out


TOO_WIDE = """() => { const w = document.documentElement.clientWidth;
  const t = [...document.querySelectorAll('article table')].filter(t => t.getBoundingClientRect().width > w + 1)
    .map(t => (t.className || 'table') + ' ' + Math.round(t.getBoundingClientRect().width));
  return {page: document.documentElement.scrollWidth, tables: t}; }"""


def test_no_page_nor_table_scrolls_sideways_on_a_phone(browser, base_url, built, shots):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    pg = context.new_page()
    problems, pages = [], every_page(built)
    for path in pages:
        pg.goto(base_url + path)
        got = pg.evaluate(TOO_WIDE)
        if got["page"] > 390 or got["tables"]:
            problems.append((path, got))
    context.close()
    assert len(pages) > 100 and problems == [], problems[:10]


@pytest.mark.parametrize("width", WIDTHS)
def test_index_pages_link_every_topic_dataset_and_report(browser, base_url, built, shots, width):
    portal = load_portal(built.packages)
    expected = {"reports/": {f"reports/{r.slug}/" for r in portal.reports},
                "datasets/": {f"datasets/{p.name}/" for p in portal.packages}}
    if has_layer(built):
        expected["topics/"] = {f"topics/{p.name}/" for p in (built.site / "topics").iterdir()
                               if (p / "index.html").exists()}
    for path, want in expected.items():
        context, pg = open_at(browser, base_url + path, width)
        assert pg.title() and "404" not in pg.title()
        hrefs = pg.evaluate("() => [...document.querySelectorAll('article a')].map(a => a.href)")
        got = {h[len(base_url):] for h in hrefs if h.startswith(base_url)}
        assert want <= got, (path, sorted(want - got)[:5])
        pg.screenshot(path=str(shots / f"6-{path.strip('/')}-{width}.png"), full_page=True)
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_home_leads_with_liaoning_figures_each_linked(browser, base_url, built, shots, width):
    if not has_layer(built):
        pytest.skip("the real indicator layer is not built")
    context, pg = open_at(browser, base_url, width)
    first = pg.locator("article table").first
    assert first.locator("xpath=preceding::h2[1]").inner_text().startswith("辽宁")
    rows = first.locator("tbody tr")
    assert rows.count() >= 5
    for i in range(rows.count()):
        row = rows.nth(i)
        link = row.locator("th a")
        assert "/indicators/" in link.get_attribute("href"), row.inner_text()
        place = row.locator("[data-label=地区]").inner_text()
        value = row.locator("[data-label=最新数值]").inner_text()
        assert place == "辽宁省" or place in value, row.inner_text()   # a city value names its city
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    pg.screenshot(path=str(shots / f"6-home-{width}.png"))
    link = rows.first.locator("th a")
    name = link.inner_text()
    link.click()
    pg.wait_for_load_state("networkidle")
    assert pg.locator("article h1").inner_text().startswith(name)
    context.close()


# ---------------------------------------------------------------- 7. provenance and the linked row

@pytest.mark.parametrize("width", WIDTHS)
def test_every_source_is_quoted_with_its_section(browser, base_url, built, shots, width):
    if not has_layer(built):
        pytest.skip("the real indicator layer is not built")
    context, pg = open_at(browser, base_url + "indicators/internet-users/", width)
    sources = [q for r in values_table(pg) for q in r["quotes"]]
    assert len(sources) > 5
    for s in sources:
        assert re.search(r"第 \d+ 行", s["text"]) and "原文摘录：" in s["text"] and "所在章节：" in s["text"], s
        assert len(s["quote"]) >= 4, s
    pg.locator("#values").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / f"7-provenance-{width}.png"))
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_row_a_link_points_to_is_highlighted(browser, base_url, built, shots, width):
    if not has_layer(built):
        pytest.skip("the real indicator layer is not built")
    context, pg = open_at(browser, base_url + "datasets/liaoning-internet-2020-key-figures/s7/#kf-110", width)
    cell = pg.locator("#kf-110 > *").first
    assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT
    assert pg.locator("#kf-109 > *").first.evaluate("e => getComputedStyle(e).backgroundColor") != HIGHLIGHT
    pg.screenshot(path=str(shots / f"7-target-kf-{width}.png"))
    context.close()
    # after instant navigation from an indicator page's source link (a table row, #L…)
    context, pg = open_at(browser, base_url + "indicators/ipv4-share/", width)
    link = pg.locator("#values ~ table a[href*='#L']").first
    anchor = link.get_attribute("href").split("#")[1]
    link.click()
    pg.wait_for_function("id => !!document.getElementById(id)", arg=anchor)
    pg.wait_for_timeout(300)
    row = pg.locator(f"[id='{anchor}']")
    assert row.locator("> *").first.evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT
    assert row.is_visible() and row.bounding_box()["y"] < 900
    pg.screenshot(path=str(shots / f"7-target-row-{width}.png"))
    context.close()


# ---------------------------------------------------------------- 8. snippet, units, number format

def snippet_of(pg) -> str:
    code = [c for c in pg.locator("pre code").all_inner_texts() if "read_csv" in c]
    assert len(code) == 1
    return code[0]


def test_the_pandas_snippet_reads_numbers_as_numbers(browser, base_url, built):
    portal = load_portal(built.packages)
    pkgs = {p.name: p for p in portal.packages}
    paths = [f"datasets/{n}/" for n in pkgs if any(pkgs[n].missing_values)]   # tables that print "-", "未透露"
    if has_layer(built):
        paths.append("indicators/ipv4-share/")
    assert paths
    context = browser.new_context()
    pg = context.new_page()
    for path in paths:
        pg.goto(base_url + path)
        code = snippet_of(pg)
        url = re.search(r'url = "([^"]+)"', code).group(1)
        local = base_url + url.split("/portal/", 1)[-1] if "/portal/" in url else url
        scope: dict = {}
        exec(code.replace(url, local).replace("df.head()", ""), scope)
        df = scope["df"]
        name = path.split("/")[1]
        fields = pkgs[name].fields if name in pkgs else load_package(built.packages / "indicators").fields
        for f in fields:
            if f.numeric:
                assert pd.api.types.is_numeric_dtype(df[f.name]), (path, f.name, df[f.name].dtype)
            else:
                assert df[f.name].map(lambda v: isinstance(v, str)).all(), (path, f.name)
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_units_on_every_value_and_one_format_per_column(browser, base_url, built, shots, width):
    if not has_layer(built):
        pytest.skip("the real indicator layer is not built")
    context, pg = open_at(browser, base_url + "indicators/users-male-share/", width)
    rows = values_table(pg)
    for r in rows:
        assert not re.search(r"\d\s*$", r["数值"].split("\n")[0]), r["数值"]   # every value with its unit
    national = [r["数值"].split("\n")[0] for r in rows if r["地区"] == "全国" and r["类型"] == "实际值"]
    assert national and all(v.endswith("%") for v in national), rows   # printed 51.0:49.0 (no unit), shown as %
    assert "%" in pg.locator(".portal-answer").inner_text()
    context.close()
    context, pg = open_at(browser, base_url + "indicators/app-im-usage-rate/", width)
    shown = [r["数值"].split("\n")[0] for r in values_table(pg)]
    decimals = {len(s.rstrip("%").split(".")[1]) if "." in s else 0 for s in shown if s.endswith("%")}
    assert len(decimals) == 1, shown                                    # 99.20 % and 99.2 % -> one format
    pg.locator("#values").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / f"8-format-{width}.png"))
    context.close()
    context, pg = open_at(browser, base_url + "datasets/liaoning-internet-2020-table-1-app-users/", width)
    columns = pg.evaluate("""() => { const out = {};
        document.querySelectorAll('table.portal-table tbody td.num').forEach(td => {
          (out[td.cellIndex] = out[td.cellIndex] || []).push(td.innerText.trim()); }); return out; }""")
    for col, texts in columns.items():
        places = {len(t.split(".")[1]) if "." in t else 0 for t in texts if re.fullmatch(r"-?[\d,]+(\.\d+)?", t)}
        assert len(places) <= 1, (col, texts)
    context.close()
