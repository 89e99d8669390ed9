"""site/options.py: the build's options, their defaults and environment."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from scripts.portal import settings
from scripts.portal.errors import PortalError
from scripts.portal.site import options


def parse(*argv):
    p = argparse.ArgumentParser()
    options.add_arguments(p)
    args = p.parse_args(list(argv))
    args.packages = None
    return args


def test_site_url_gets_a_trailing_slash_and_env_default(monkeypatch):
    monkeypatch.delenv("PORTAL_SITE_URL", raising=False)
    assert options.site_url_of(parse()) == settings.default_site_url()
    assert options.site_url_of(parse("--site-url", "https://data.example.cn/portal")) == "https://data.example.cn/portal/"
    monkeypatch.setenv("PORTAL_SITE_URL", "https://env.example.cn")
    assert options.site_url_of(parse()) == "https://env.example.cn/"


def test_access_date_from_option_or_source_date_epoch(monkeypatch):
    assert options.access_date("2026-03-04") == dt.date(2026, 3, 4)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC
    assert options.access_date(None) == dt.date(2026, 1, 1)
    with pytest.raises(PortalError, match="YYYY-MM-DD"):
        options.access_date("04/03/2026")


def test_png_only_when_asked_and_the_font_is_there():
    """SVG only by default (the pages make a PNG in the browser); --png asks for build-time PNGs."""
    assert options.resolve(parse(), cjk_font=True).png is False
    assert options.resolve(parse("--png"), cjk_font=True).png is True
    assert options.resolve(parse("--png"), cjk_font=False).png is False
    assert options.resolve(parse("--png", "--no-png"), cjk_font=True).png is False


def test_site_url_must_be_http():
    with pytest.raises(PortalError, match="not an http"):
        options.site_url_of(parse("--site-url", "javascript:alert(1)"))
