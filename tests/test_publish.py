"""Atomic, reproducible builds of the real portal, and a link check over the built site."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from scripts.portal import cli, paths

IGNORED = {"sitemap.xml", "sitemap.xml.gz"}  # carry the build date by design


def build(site: Path, packages: Path | None = None) -> int:
    argv = ["--packages", str(packages)] if packages else []
    return cli.main(argv + ["site", "--site", str(site)])


def digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in IGNORED}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    first = tmp_path_factory.mktemp("build1") / "site"
    second = tmp_path_factory.mktemp("build2") / "site"
    assert build(first) == 0
    assert build(second) == 0
    return first, second


def test_two_builds_are_byte_identical(two_builds):
    first, second = two_builds
    a, b = digest_tree(first), digest_tree(second)
    assert a.keys() == b.keys()
    different = sorted(k for k in a if a[k] != b[k])
    assert different == []
    assert any(k.endswith(".zip") for k in a) and any(k.endswith(".xlsx") for k in a)
    assert "search/search_index.json" in a and any(k.startswith("search/portal-index.") for k in a)


def test_broken_package_leaves_site_intact(two_builds, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(two_builds[0], site)
    before = digest_tree(site)
    packages = tmp_path / "packages"
    shutil.copytree(paths.packages_dir(), packages)
    target = packages / "cnnic-47-table-8-gov-websites-by-province" / "data.csv"
    target.write_text(target.read_text("utf-8").replace("562", "5x2"), "utf-8")
    assert build(site, packages) == 1
    assert digest_tree(site) == before


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.links.append(attrs[key])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def test_no_broken_internal_link_or_anchor(two_builds):
    site = two_builds[0]
    pages = {p: parse(p) for p in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            url = urlparse(link)
            if url.scheme in ("http", "https", "mailto", "data", "javascript") or link.startswith("//"):
                continue
            target_path, fragment = urldefrag(link)
            target_path = urlparse(target_path).path  # a query (/query/?sql=…) names the same page
            if target_path.startswith("/"):  # only 404.html: absolute from site_url (served at /)
                target = site / unquote(target_path).lstrip("/")
            else:
                target = (page.parent / unquote(target_path)).resolve() if target_path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
                continue
            if fragment and target.suffix == ".html":
                ids = (pages.get(target) or parse(target)).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {link} (no anchor)")
    assert broken == []


def test_no_external_host_referenced(two_builds):
    site = two_builds[0]
    external = []
    for page in site.rglob("*.html"):
        for link in parse(page).links:
            host = urlparse(link).netloc
            if host and link.split(":")[0] in ("http", "https", "") and not link.startswith("#"):
                # outbound links to original publishers are <a> navigation, not requests
                if not re.search(r"\.(js|css|woff2?|png|svg|json)(\?|$)", link):
                    continue
                external.append(f"{page.relative_to(site)} -> {link}")
    assert external == []


def test_search_index_is_small_and_holds_the_figures(two_builds):
    from scripts.portal.site import search

    index = search.index_path(two_builds[0])
    assert index.stat().st_size < 1_000_000
    data = json.loads(index.read_text("utf-8"))
    facts = [f for d in data["docs"] for f in d.get("f", [])]
    assert ["网民规模", "3,052.1 万（辽宁省，2020-12）"] in facts


def test_key_figures_link_to_the_report_figure_they_belong_to(two_builds):
    site = two_builds[0]
    report = (site / "reports" / "liaoning-internet-2020" / "index.html").read_text("utf-8")
    assert 'id="fig-11"' in report and "图 11 2017-2020 年辽宁省网民规模及互联网普及率情况" in report
    parts = "".join(p.read_text("utf-8") for p in (site / "datasets" / "liaoning-internet-2020-key-figures").rglob("*.html"))
    assert "reports/liaoning-internet-2020/#fig-11" in parts


# ------------------------------------------------------------------ untrusted input, the build itself (issue 11)

BROKEN = Path(__file__).parent / "fixtures" / "broken"


@pytest.fixture(scope="module")
def accepted_site(tmp_path_factory):
    """The packages validation accepts although they look hostile (tests/fixtures/make_broken.py)."""
    site = tmp_path_factory.mktemp("accepted") / "site"
    start = time.perf_counter()
    assert build(site, BROKEN / "ok-accepted-untrusted") == 0
    assert time.perf_counter() - start < 600
    return site


def page(site: Path, name: str) -> str:
    return (site / "datasets" / name / "index.html").read_text("utf-8")


def test_block_syntax_in_text_is_published_as_text(accepted_site):
    html = page(accepted_site, "demo-tabs")
    plain = page(accepted_site, "demo-bom")
    assert html.count("tabbed-set") == plain.count("tabbed-set")  # only the citation tabs (and their script)
    assert "<details" not in html and "注入的页签</label>" not in html  # no content tab, no collapsible block
    # shown as text: the leading marker is a character reference (&#61; is "=")
    assert '<p>&#61;== "注入的页签" 页签内容 ~~~ 围栏</p>' in html
    assert '&#61;== "脚注页签"' in html and "&#126;~~ 代码围栏" in html and "&#63;?? 折叠块" in html
    assert "家庭 👨\u200d👩\u200d👧" in html  # zero-width joiners where emoji need them are kept


def test_long_table_is_not_charted_and_the_page_says_so(accepted_site):
    html = page(accepted_site, "demo-long")
    assert "本表有 300 行数据，超过图表的上限（200 行），因此不绘制图表" in html
    assert not list((accepted_site / "assets" / "charts").glob("demo-long-*"))
    assert list((accepted_site / "assets" / "charts").glob("demo-decimals-*"))


def test_bom_package_is_published_with_its_bytes(accepted_site):
    csv = next((accepted_site / "downloads").rglob("demo-bom.csv"), None) or next(
        p for p in (accepted_site / "downloads").rglob("*.csv") if "demo-bom" in str(p))
    assert csv.read_bytes() == (BROKEN / "ok-accepted-untrusted" / "demo-bom" / "data.csv").read_bytes()
    assert "北京" in page(accepted_site, "demo-bom")


def test_xlsx_keeps_printed_decimals(accepted_site):
    import io

    import openpyxl

    xlsx = next(p for p in (accepted_site / "downloads").rglob("*.xlsx") if "demo-decimals" in p.name)
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))["data"]
    shown = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=2).number_format for r in (2, 3, 4)}
    assert shown == {83.0: "0.0", -46.0: "0.0", 37.0: "0.0"}
    assert ws.cell(row=2, column=5).number_format == "0"  # integers: no decimals


def test_broken_link_fails_the_strict_build(tmp_path, monkeypatch, capsys):
    docs = tmp_path / "docs"
    shutil.copytree(paths.DOCS, docs)
    (docs / "conventions.md").write_text((docs / "conventions.md").read_text("utf-8") + "\n[坏链接](no-such-page.md)\n", "utf-8")
    monkeypatch.setattr(paths, "DOCS", docs)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    assert build(site, BROKEN / "ok-good") == 1
    err = capsys.readouterr().err
    assert "mkdocs build --strict failed" in err and "no-such-page.md" in err and "Traceback" not in err
    assert (site / "index.html").read_text("utf-8") == "old"


def test_second_build_at_once_refuses_with_a_clear_message(tmp_path, capsys):
    import fcntl

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    with open(tmp_path / ".site.lock", "a+") as held:  # what a running build holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert build(site, BROKEN / "ok-good") == 1
    assert "another build is writing" in capsys.readouterr().err
    assert (site / "index.html").read_text("utf-8") == "old" and not (tmp_path / "site.new").exists()


def test_leftovers_of_a_killed_build_are_removed_at_the_next_start(tmp_path, capsys):
    from scripts.portal import publish

    dead = 4_194_000  # above the default pid_max, so never a live process
    site = tmp_path / "site"
    leftovers = [tmp_path / "site.new", tmp_path / "site.old"]
    for d in leftovers:
        (d / "assets").mkdir(parents=True)
    config = paths.ROOT / f".mkdocs-build-{dead}-docs.yml"
    config.write_text("INHERIT: mkdocs.yml\n", "utf-8")
    docs = Path(tempfile.gettempdir()) / f"{publish.TMP_PREFIX}{dead}-x"
    docs.mkdir(exist_ok=True)
    live = Path(tempfile.gettempdir()) / f"{publish.TMP_PREFIX}{os.getpid()}-live"  # a running build's: kept
    live.mkdir(exist_ok=True)
    try:
        assert build(site, BROKEN / "wrong-type") == 1  # cleaning happens before validation
        assert not any(p.exists() for p in leftovers + [config, docs])
        assert live.exists()
        assert "left by an interrupted build" in capsys.readouterr().out
        assert not list(paths.ROOT.glob(".mkdocs-build-*.yml"))
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(docs, ignore_errors=True)
        shutil.rmtree(live, ignore_errors=True)


def test_unwritable_output_gives_a_plain_message(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder's parent should be", "utf-8")
    assert build(blocker / "site", BROKEN / "ok-good") == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR ") and "cannot write beside" in err and "Traceback" not in err


def test_failed_swap_keeps_the_previous_site(tmp_path, monkeypatch):
    from scripts.portal import publish
    from scripts.portal.errors import PortalError

    site, new = tmp_path / "site", tmp_path / "site.new"
    site.mkdir()
    new.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    real_rename = Path.rename

    def rename(self, target):
        if self == new:
            raise PermissionError(13, "Permission denied")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(PortalError) as err:
        publish.swap(new, site)
    assert "Permission denied" in str(err.value) and "previous site is left as it was" in str(err.value)
    assert (site / "index.html").read_text("utf-8") == "old"


# ---------------------------------------------------------------- issue 23: symlinks, a page over its budget

@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_symlink_in_docs_is_refused_and_the_site_kept(tmp_path, monkeypatch, capsys, kind):
    """copytree once copied a link's target: any pull request could publish a file of the build machine."""
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "id_rsa").write_text("-----BEGIN PRIVATE KEY----- secret", "utf-8")
    docs = tmp_path / "docs"
    shutil.copytree(paths.DOCS, docs)
    if kind == "file":
        (docs / "leak.md").symlink_to(secret / "id_rsa")
    else:
        (docs / "leak").symlink_to(secret, target_is_directory=True)
    monkeypatch.setattr(paths, "DOCS", docs)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    started = time.perf_counter()
    assert build(site, BROKEN / "ok-good") == 1
    err = capsys.readouterr().err
    assert f"file docs/leak{'.md' if kind == 'file' else ''}: is a symbolic link: refused" in err
    assert "secret" not in err and "Traceback" not in err and time.perf_counter() - started < 30
    assert (site / "index.html").read_text("utf-8") == "old"
    assert not list(tmp_path.glob("site.new"))


def wide_package(target: Path, rows: int = 10_000, measures: int = 122) -> Path:
    """ok-good grown to `rows` rows x (measures + 3) fields: a 4.9 MB CSV, within the reader's bounds."""
    import hashlib

    shutil.copytree(BROKEN / "ok-good", target)
    pkg = target / "demo-appendix-1"
    desc = json.loads((pkg / "datapackage.json").read_text("utf-8"))
    schema = desc["resources"][0]["schema"]
    schema["fields"] = schema["fields"][:1] + [
        {"name": f"m{i:03d}", "title": f"指标{i}", "type": "integer", "unit": "个"} for i in range(measures - 1)
    ] + schema["fields"][2:]
    desc["x-display"]["measures"] = ["m000"]
    head = ",".join(f["name"] for f in schema["fields"])
    body = "".join(f"地区{r:05d}," + ",".join(str((r * 7 + i) % 1000) for i in range(measures - 1))
                   + f",data,,{r + 10}\n" for r in range(rows))
    data = (head + "\n" + body).encode()
    (pkg / "data.csv").write_bytes(data)
    desc["resources"][0].update(bytes=len(data), hash="sha256:" + hashlib.sha256(data).hexdigest())
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    return target


def test_a_table_too_big_for_its_page_shows_its_first_rows_and_the_build_says_so(tmp_path, capsys):
    """10,000 rows x 125 fields made a 47 MB dataset page; the page now shows the first rows, the
    downloads the full table."""
    import csv
    import io

    packages = wide_package(tmp_path / "packages")
    assert len(json.loads((packages / "demo-appendix-1" / "datapackage.json").read_text("utf-8"))
               ["resources"][0]["schema"]["fields"]) == 125
    site = tmp_path / "site"
    started = time.perf_counter()
    assert build(site, packages) == 0
    assert time.perf_counter() - started < 300
    out = capsys.readouterr().out
    assert "build: demo-appendix-1: 10,000 rows x 123 columns shown is over a page's 1,000 cells: its page " \
           "shows the first 8 rows, the downloads the full table" in out
    html = page(site, "demo-appendix-1")
    assert len(html.encode()) < 160_000  # was 47 MB (each shown cell also carries its card label on phones)
    assert "只显示前 8 行" in html and "本表有 10000 行、123 列" in html
    assert html.count('<tr id="') == 8 and "地区00007" in html and "地区00008" not in html
    csv_file = next((site / "downloads").rglob("data.csv"))
    assert len(list(csv.reader(io.StringIO(csv_file.read_text("utf-8"))))) == 10_001  # the full table
