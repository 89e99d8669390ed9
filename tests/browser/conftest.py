"""Browser-test fixtures: the site built once per session into a temp dir, served on
127.0.0.1 under /portal/ (a sub-path, as on a project site), and headless Debian chromium.

Without /usr/bin/chromium the tests are skipped with the reason shown, except on CI
(CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.server import serve
from tests.site_build import built_site, site_packages_dir

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _need_chromium():
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk"
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but " + message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def built():
    return built_site(str(site_packages_dir()))


@pytest.fixture(scope="session")
def base_url(built):
    server, url = serve(built.site, "/portal/")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class PageLog:
    """Console errors, failed responses and every requested URL of one page."""

    def __init__(self, page):
        self.errors, self.requests, self.failed = [], [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.log = PageLog(pg)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def reach_charts(page, first_only: bool = False) -> None:
    """Do what a reader does to get interactive charts: scroll each chart into view (the
    chart runtime is not loaded for a page that is only opened)."""
    figures = page.locator("figure.portal-chart[data-spec]")
    page.mouse.wheel(0, 1)
    for i in range(1 if first_only else figures.count()):
        figures.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("f => ['yes', 'failed'].includes(f.getAttribute('data-rendered'))",
                               arg=figures.nth(i).element_handle(), timeout=20000)
