"""numformat.py: one number format per field on the pages (issue 20), the printed values kept
in the downloads: the app-usage table of the Liaoning report prints 99.20 where CNNIC prints
99.2; pages show both as 99.2, the CSV keeps 99.20."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.portal.model.reader import load_portal
from scripts.portal.site import numformat, pages

ROOT = Path(__file__).resolve().parents[1]


def test_decimals_are_the_most_any_value_needs():
    assert numformat.decimals(["99.20", "99.2", "850.6", "2569", "-", ""]) == 1
    assert numformat.decimals(["3.3", "3.33"]) == 2
    assert numformat.decimals(["-", "未透露"]) == 0


def test_shown_pads_and_drops_trailing_zeros_never_digits():
    assert numformat.shown("99.20", 1) == "99.2"
    assert numformat.shown("2569", 1) == "2,569.0"
    assert numformat.shown("3.3", 2) == "3.30"
    assert numformat.shown("0.7948", 0) == "0.7948"   # a digit is never cut
    assert numformat.shown("-", 1) == "-"


@pytest.mark.skipif(not (ROOT / "datapackages").exists(), reason="no real packages")
def test_every_numeric_column_of_every_dataset_table_has_one_format():
    portal = load_portal(ROOT / "datapackages")
    checked = 0
    for pkg in portal.packages:
        (table,) = pages.table_rows(pkg)
        for i, f in enumerate(table["fields"]):
            if not f.numeric or f.name == "source_line":
                continue
            texts = [numformat.NUMBER.fullmatch(c.replace(",", "")) for c in
                     (r["cells"][i]["text"].rsplit(">", 2)[-2].split("<")[0] if "<" in r["cells"][i]["text"]
                      else r["cells"][i]["text"] for r in table["rows"])]
            places = {len(m.group(3) or "") for m in texts if m}
            assert len(places) <= 1, (pkg.name, f.name, places)
            checked += 1
    assert checked > 50
    app = next(p for p in portal.packages if p.name == "liaoning-internet-2020-table-1-app-users")
    assert "99.20" in (app.path / "data.csv").read_text("utf-8")   # the download keeps the print
    (table,) = pages.table_rows(app)
    im = next(r for r in table["rows"] if r["cells"][0]["text"] == "即时通信")
    assert any(c["text"].endswith(">99.2</span>") and "原文印作 99.20" in c["text"] for c in im["cells"])
