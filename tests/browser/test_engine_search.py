"""The portal's search on the Zensical-built site (scripts/portal/site/engine.py): Zensical's
search dialog, answered by the portal's worker and index, under the page's CSP.

Skipped without zensical (requirements-zensical.txt), except on CI (CI=true), where .ci/run
installs it and a missing engine is a failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.server import serve
from tests.site_build import FIXTURE_PACKAGES, zensical_site

pytestmark = pytest.mark.skipif(not Path(sys.executable).with_name("zensical").exists()
                                and os.environ.get("CI") != "true",
                                reason="zensical is not installed (pip install -r requirements-zensical.txt)")


@pytest.fixture(scope="module")
def zensical_url():
    server, url = serve(zensical_site(str(FIXTURE_PACKAGES)).site, "/portal/")
    yield url
    server.shutdown()


def test_search_answers_on_the_zensical_site(page, zensical_url, artifacts):
    page.goto(zensical_url, wait_until="load")
    page.click(".md-search__button")
    box = page.locator("dialog input[type=text]")
    box.fill("网民规模")
    first = page.locator("dialog li a").first
    first.wait_for(timeout=15000)
    page.screenshot(path=str(artifacts / "zensical-search.png"))
    assert "/portal/indicators/internet_users/" in first.get_attribute("href")
    assert "网民规模" in first.inner_text() and "万人" in first.inner_text()   # the indicator's answer
    assert page.locator("dialog li a").count() >= 3
    assert any("/search/portal-index." in u for u in page.log.requests), page.log.requests
    assert page.log.errors == [] and page.log.failed == []          # no CSP violation, nothing missing
