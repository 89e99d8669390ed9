"""Reader-facing words: every check kind has a Chinese name and explanation (site/labels.yaml),
and findings are read through site/findings.py whatever their shape."""

from __future__ import annotations

import re

import pytest

from scripts.portal.quality import CHECKS
from scripts.portal.site import findings
from scripts.portal.site.pages import LABELS, check_label, quality_summary

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_every_check_kind_has_chinese_name_and_explanation(kind):
    entry = LABELS["checks"].get(kind)
    assert entry, f"check kind {kind!r} (quality.CHECKS) has no entry in site/labels.yaml"
    assert HAN.search(entry.get("name", "")), f"{kind}: no Chinese name"
    assert HAN.search(entry.get("explain", "")) and len(entry["explain"]) >= 8, f"{kind}: no explanation"
    assert kind not in entry["name"]


def test_unknown_kind_never_shows_raw_name():
    assert check_label("no_such_kind")["name"] == LABELS["check_unknown"]["name"]


@pytest.mark.parametrize("q, kind, field, row", [
    ({"check": "sum:market_value_2019:总市值", "status": "discrepancy", "detail": "d"}, "sum", "market_value_2019", "总市值"),
    ({"check": "formula:注2 联盟 IPv6 地址总持有量", "status": "discrepancy", "detail": "d"}, "formula", "注2 联盟 IPv6 地址总持有量", ""),
    ({"check": "share", "row": "合计", "field": "share", "printed": "0.8", "computed": 0.68,
      "status": "discrepancy"}, "share", "share", "合计"),
])
def test_findings_accessor_reads_string_and_structured_findings(q, kind, field, row):
    assert findings.kind_of(q) == kind
    assert findings.field_of(q) == field
    assert findings.row_of(q) == row
    assert not findings.passed(q)


def test_detail_names_fields_by_their_titles():
    q = {"check": "sum:market_value_2019:总市值", "status": "discrepancy",
         "detail": "“总市值”行 market_value_2019 印为 85.97"}
    assert findings.detail_of(q, {"market_value_2019": "2019 年 12 月末市值"}) == "“总市值”行 “2019 年 12 月末市值” 印为 85.97"


def test_real_discrepancies_read_in_chinese(real_portal):
    """No published discrepancy shows a raw check kind or an ASCII field name."""
    seen = 0
    for pkg in real_portal.packages:
        names = {f.name for f in pkg.fields if re.fullmatch(r"[a-z0-9_]+", f.name) and "_" in f.name}
        for d in quality_summary(pkg)["discrepancies"]:
            seen += 1
            assert HAN.search(d["label"]) and d["label"] not in CHECKS
            assert not any(re.search(rf"(?<![A-Za-z0-9_|]){n}(?![A-Za-z0-9_])", d["detail"]) for n in names), d
    assert seen >= 15


@pytest.fixture(scope="module")
def real_portal():
    from scripts.portal import paths
    from scripts.portal.model.reader import load_portal

    return load_portal(paths.packages_dir())
