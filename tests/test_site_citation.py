"""Citation formats (scripts/portal/site/citation.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from scripts.portal.site import citation
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES

DAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def work():
    portal = load_portal(FIXTURE_PACKAGES)
    pkg = next(p for p in portal.packages if p.name == "liaoning-internet-2020-table-1-app-users")
    return citation.for_package(pkg, "https://example.org/portal/datasets/x/")


def test_gbt7714_dataset(work):
    ref = citation.gbt7714(work, DAY)
    assert ref.startswith("辽宁省互联网协会, 工业和信息化部信息中心, 辽宁邮电规划设计院有限公司. ")
    assert "[DS/OL]" in ref and "版本 1.0.0" in ref and citation.PORTAL_NAME in ref
    assert "[2026-01-15]" in ref and ref.endswith("https://example.org/portal/datasets/x/.")


def test_gbt7714_more_than_three_authors_uses_deng():
    w = citation.Work("k", "甲、乙、丙、丁", "题", "", "dataset", "2.0", "2021", "u", "r")
    assert citation.gbt7714(w, DAY).startswith("甲, 乙, 丙, 等. ")


def test_apa(work):
    ref = citation.apa(work, DAY)
    assert "(2021)." in ref and "(Version 1.0.0) [Data set]" in ref
    assert "Retrieved January 15, 2026, from https://example.org/portal/datasets/x/" in ref
    assert "& 辽宁邮电规划设计院有限公司" in ref and citation.PORTAL_NAME_EN in ref


def test_bibtex_is_balanced_and_escaped():
    w = citation.Work("a b{c}", "A & B_C", "50% {x} #1", "", "dataset", "1.0", "2021", "https://e.org/", "r")
    bib = citation.bibtex(w, DAY)
    assert bib.startswith("@dataset{abc,")
    assert bib.count("{") == bib.count("}")
    assert r"50\% \{x\} \#1" in bib and r"A \& B\_C" in bib
    assert "urldate = {2026-01-15}" in bib and "version = {1.0}" in bib


def test_report_citation_is_a_report():
    portal = load_portal(FIXTURE_PACKAGES)
    w = citation.for_report(portal.reports[0], "https://e.org/reports/r/", "1.0.0")
    assert "[R/OL]" in citation.gbt7714(w, DAY)
    assert citation.bibtex(w, DAY).startswith("@techreport{")
