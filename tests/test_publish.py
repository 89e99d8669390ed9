"""Atomic, reproducible builds of the real portal, and a link check over the built site."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
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
