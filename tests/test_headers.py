"""_headers (scripts/portal/site/headers.py): every path of the site refuses framing except
/embed/, and only /query/ may compile WebAssembly; no rule covers a path another rule covers."""

from __future__ import annotations

import re

from scripts.portal.site import headers
from tests.site_build import FIXTURE_PACKAGES, built_site

POLICY = "default-src 'self'; script-src 'self' 'sha256-x'; img-src 'self' data:"


def rules(text: str) -> dict:
    return dict(re.findall(r"^(/\S*)\n  Content-Security-Policy: ([^\n]+)", text, re.M))


def test_one_rule_per_top_level_entry(tmp_path):
    for d in ("datasets", "embed", "query", "assets"):
        (tmp_path / d).mkdir()
    (tmp_path / "index.html").write_text("x")
    (tmp_path / "_headers").write_text("old")
    got = rules(headers.text(tmp_path, POLICY))
    assert set(got) == {"/", "/index.html", "/datasets/*", "/embed/*", "/query/*", "/assets/*"}
    assert got["/embed/*"].endswith("; frame-ancestors *")
    assert "'wasm-unsafe-eval'" in got["/query/*"] and got["/query/*"].endswith("frame-ancestors 'none'")
    for path in ("/", "/index.html", "/datasets/*", "/assets/*"):
        assert got[path] == POLICY + "; frame-ancestors 'none'", path


def test_built_site_headers():
    site = built_site(str(FIXTURE_PACKAGES)).site
    got = rules((site / "_headers").read_text("utf-8"))
    tops = {p.name for p in site.iterdir()} - {"_headers"}
    assert len(got) == len(tops) + 1
    assert [p for p, v in got.items() if "wasm-unsafe-eval" in v] == ["/query/*"]
    assert [p for p, v in got.items() if "frame-ancestors 'none'" not in v] == (
        ["/embed/*"] if "embed" in tops else [])
