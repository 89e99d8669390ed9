"""What a reader sees (issue 8), in headless Chromium at desktop and phone widths: every page
type screenshotted into test-artifacts/readers/; charts with one unit per axis, tick labels
that never overlap and labels never cut off; no raw check name on a page; table filter."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse, parse_qs

import pytest

from tests.browser.conftest import reach_charts

from scripts.portal.model.reader import load_portal
from scripts.portal.quality import CHECKS
from tests.browser.server import serve

WIDTHS = (1280, 375)
ROOT = Path(__file__).resolve().parents[2]


def page_types(built) -> dict:
    """One page of every type: {name: path under the site root}."""
    portal = load_portal(built.packages)
    by_shape = {}
    for pkg in portal.packages:
        by_shape.setdefault(pkg.display.get("shape") or "categories", pkg)
    kf = next(p for p in portal.packages if p.source.get("table") == "key-figures")
    out = {"home": "", "catalog": "catalog/", "comparisons": "comparisons/", "about": "about/",
           "report": f"reports/{portal.reports[0].slug}/", "key-figures": f"datasets/{kf.name}/",
           "key-figures-section": f"datasets/{kf.name}/s1/", "plan": "plan/", "indicators": "indicators/"}
    site = built.site
    for kind in ("indicators", "topics"):  # one indicator page and one topic page, when the layer is built
        first = sorted(p.parent.name for p in (site / kind).glob("*/index.html"))
        if first:
            out[kind[:-1]] = f"{kind}/{first[0]}/"
    out.update({f"dataset-{shape}": f"datasets/{pkg.name}/" for shape, pkg in by_shape.items()})
    mixed = next((p for p in portal.packages if p.name == "cnnic-47-table-1-basic-resources"), None)
    if mixed:
        out["dataset-mixed-units"] = f"datasets/{mixed.name}/"
    return out


def open_page(browser, url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_load_state("networkidle")
    if pg.locator("figure.portal-chart[data-spec]").count():
        reach_charts(pg)  # as a reader does: the runtime loads when a chart is reached
        pg.evaluate("() => window.scrollTo(0, 0)")
    return context, pg, errors


# Visible axis labels of every rendered chart, with their boxes, grouped by axis.
AXIS_LABELS = """() => [...document.querySelectorAll('figure.portal-chart .portal-chart__view svg')].map(svg => ({
  fig: svg.closest('figure').dataset.spec,
  svgRight: svg.getBoundingClientRect().right,
  figRight: svg.closest('figure').getBoundingClientRect().right,
  axes: [...svg.querySelectorAll('g.role-axis')].map(axis => [...axis.querySelectorAll('g.role-axis-label text')]
      .filter(t => getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0' && t.textContent.trim())
      .map(t => { const r = t.getBoundingClientRect(); return {text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom}; }))
}))"""


def overlapping(labels) -> list:
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a["l"] < b["r"] - 1 and b["l"] < a["r"] - 1 and a["t"] < b["b"] - 1 and b["t"] < a["b"] - 1:
                out.append((a["text"], b["text"]))
    return out


def raw_check_names(pg) -> list:
    """Check kinds (quality.CHECKS keys) shown as words on the page, outside code and English."""
    text = pg.evaluate("""() => { const a = document.querySelector('article').cloneNode(true);
        a.querySelectorAll('code, pre, [lang=en], .portal-table-wrap, .highlight, .tabbed-set').forEach(e => e.remove());
        return a.innerText; }""")
    return [k for k in CHECKS if re.search(rf"(?<![A-Za-z_\-./]){k}(?![A-Za-z_\-./])", text)]  # not in file names


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_reads_right(browser, base_url, built, artifacts, width):
    shots = artifacts / "readers"
    shots.mkdir(exist_ok=True)
    problems = []
    for name, path in page_types(built).items():
        context, pg, errors = open_page(browser, base_url + path, width)
        pg.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        problems += [f"{name}: console {e}" for e in errors]
        problems += [f"{name}: raw check name {k!r}" for k in raw_check_names(pg)]
        for chart in pg.evaluate(AXIS_LABELS):
            for axis in chart["axes"]:
                problems += [f"{name}: overlapping tick labels {o} in {chart['fig']}" for o in overlapping(axis)]
                problems += [f"{name}: cut-off label {l['text']!r}" for l in axis if l["text"].endswith("…")]
            if chart["svgRight"] > chart["figRight"] + 1:
                problems += [f"{name}: chart wider than its figure ({chart['fig']})"]
        for fig in pg.locator("figure.portal-chart").element_handles():
            if not fig.query_selector("figcaption .portal-chart__title"):
                problems.append(f"{name}: chart without a title")
        if pg.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{name}: page wider than {width}px")
        context.close()
    assert problems == [], "\n".join(problems)


def test_no_chart_has_two_units_on_one_axis(browser, base_url, built):
    """The specs the pages load: every value axis shows one unit."""
    context, pg, _ = open_page(browser, base_url + "catalog/", 1280)
    req = pg.context.request
    specs = sorted(p.name for p in (built.site / "assets" / "charts").glob("*.vl.json"))
    assert specs
    for name in specs:
        spec = json.loads(req.get(f"{base_url}assets/charts/{name}").text())
        layers = spec.get("layer", [spec])
        values = (spec.get("data") or layers[0].get("data") or {}).get("values", [])
        units = {v["unit"] for v in values if "unit" in v}
        assert len(units) <= 1, (name, units)
        for l in layers:
            title = ((l.get("encoding") or {}).get("x") or {}).get("title") or ""
            assert "列" not in title, (name, title)
    context.close()


@pytest.mark.parametrize("width", (320, 375, 768, 1280))
def test_tick_labels_never_overlap(browser, base_url, built, width):
    portal = load_portal(built.packages)
    names = [p.name for p in portal.packages if p.display.get("shape") in ("provinces", "periods", "key-figures")][:6]
    for name in names:
        context, pg, _ = open_page(browser, f"{base_url}datasets/{name}/", width)
        for chart in pg.evaluate(AXIS_LABELS):
            for axis in chart["axes"]:
                assert overlapping(axis) == [], (name, width, chart["fig"])
        context.close()


# ---------------------------------------------------------------- the table filter

def filter_fixture(built, target: Path, rows: int = 800) -> None:
    """A page with an 800-row table (mixed simplified/traditional), the site's real portal.js,
    stylesheet and character map, under the strict CSP the site uses."""
    from scripts.portal.site import zhmap

    for rel in ("assets/javascripts/portal.js", "assets/stylesheets/portal.css"):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built.site / rel, target / rel)
    cities = ["沈阳", "瀋陽", "大连", "大連", "鞍山", "抚顺", "撫順", "本溪"]
    mapping = {**json.loads((built.site / zhmap.PATH).read_text("utf-8")), **zhmap.t2s_map(set("".join(cities)))}
    (target / zhmap.PATH).parent.mkdir(parents=True, exist_ok=True)
    (target / zhmap.PATH).write_text(json.dumps(mapping, ensure_ascii=False), "utf-8")
    body = "\n".join(f"<tr><th scope=row>{cities[i % len(cities)]} {i}</th><td class=num data-value={i * 7 % 1000}>"
                     f"{i * 7 % 1000}</td></tr>" for i in range(rows))
    (target / "t").mkdir(exist_ok=True)
    (target / "t" / "index.html").write_text(f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'">
<title>筛选</title><link rel="icon" href="data:,"><link rel="stylesheet" href="../assets/stylesheets/portal.css"></head><body><article class="md-typeset">
<div class="portal-table-wrap"><table class="portal-table" data-filter><thead><tr><th>城市</th><th class=num>数值</th></tr></thead>
<tbody>{body}</tbody></table></div></article>
<script src="../assets/javascripts/portal.js"></script></body></html>""", "utf-8")


@pytest.fixture(scope="module")
def filter_url(built, tmp_path_factory):
    root = tmp_path_factory.mktemp("filter")
    filter_fixture(built, root)
    server, url = serve(root, "/f/")
    yield url + "t/"
    server.shutdown()


def shown(pg) -> int:
    return pg.locator("tbody tr:not([hidden])").count()


def test_filter_800_rows_simplified_and_traditional(browser, filter_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(filter_url)
    pg.wait_for_selector(".portal-filter output")
    assert pg.locator(".portal-filter output").inner_text() == "显示 800 / 800 行"
    box = pg.locator(".portal-filter input")
    box.fill("沈阳")
    pg.wait_for_function("() => document.querySelector('.portal-filter output').textContent === '显示 200 / 800 行'")
    assert shown(pg) == 200  # 沈阳 and 瀋陽 rows
    assert parse_qs(urlparse(pg.url).query)["q"] == ["沈阳"]
    box.fill("撫順 7")  # traditional query, two words
    expected = sum(1 for i in range(800) if i % 8 in (5, 6) and "7" in f"{i} {i * 7 % 1000}")
    pg.wait_for_function(f"() => document.querySelector('.portal-filter output').textContent === '显示 {expected} / 800 行'")
    assert not errors, errors
    context.close()


def test_filter_state_in_url_and_keyboard_sorting(browser, filter_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.goto(filter_url + "?q=" + "大連")
    pg.wait_for_function("() => document.querySelector('.portal-filter output').textContent === '显示 200 / 800 行'")
    assert pg.locator(".portal-filter input").input_value() == "大連"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.type") == "search"
    pg.keyboard.press("Tab")
    pg.keyboard.press("Tab")  # the second column's sort button
    assert pg.evaluate("document.activeElement.className") == "portal-sort"
    pg.keyboard.press("Enter")
    first = pg.locator("tbody tr:not([hidden]) td").first.inner_text()
    assert first == str(max(i * 7 % 1000 for i in range(800) if i % 8 in (2, 3)))
    assert pg.locator("thead th").nth(1).get_attribute("aria-sort") == "descending"
    context.close()


def test_tables_complete_without_javascript(browser, filter_url, base_url, built):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(filter_url + "?q=沈阳")
    assert shown(pg) == 800 and pg.locator(".portal-filter").count() == 0
    pkg = next(p for p in load_portal(built.packages).packages if p.source.get("table") != "key-figures")
    pg.goto(f"{base_url}datasets/{pkg.name}/")
    assert pg.locator("table.portal-table tbody tr").count() == len(pkg.rows)
    # the page's filter bar (kept in the page for readers with JavaScript) takes no room here
    assert pg.locator(".portal-filter").evaluate("b => getComputedStyle(b).display") == "none"
    context.close()


def test_dataset_and_catalogue_tables_filter(browser, base_url, built):
    portal = load_portal(built.packages)
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(base_url + "catalog/")
    pg.wait_for_selector(".portal-filter output")
    total = len(portal.packages) + len(portal.derived)   # the fact table has its row too (facts_dataset.py)
    assert pg.locator(".portal-filter output").inner_text() == f"显示 {total} / {total} 行"
    word = portal.reports[0].title[:4]
    pg.locator(".portal-filter input").fill(word)
    n = len(portal.reports[0].packages)
    pg.wait_for_function(f"() => document.querySelector('.portal-filter output').textContent !== '显示 {total} / {total} 行'")
    rows = pg.locator("tbody tr:not([hidden])").all_inner_texts()
    assert n <= len(rows) < total and all(word in r for r in rows)
    pg.goto(f"{base_url}datasets/{portal.reports[0].packages[0].name}/?q=" + word)
    pg.wait_for_selector(".portal-filter output")
    assert pg.locator(".portal-filter input").first.input_value() == word
    kf = next(p for p in portal.packages if p.source.get("table") == "key-figures")
    pg.goto(f"{base_url}datasets/{kf.name}/s1/")
    pg.wait_for_selector(".portal-filter output")
    assert pg.locator(".portal-filter").count() == 1  # one filter for the section's table
    rows = pg.locator("article table tbody tr").count()
    assert pg.locator(".portal-filter output").inner_text() == f"显示 {rows} / {rows} 行"
    context.close()
