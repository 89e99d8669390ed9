"""The pandas snippet of every dataset and indicator page (pages.read_csv_args, issue 20): run
as the page prints it against every package's CSV, every numeric field comes out as numbers
(printed missing-value markers such as "-" and "未透露" as NaN), every text field keeps its
printed text ("2020-12", "3305.2" in value_printed)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from scripts.portal.model.reader import load_portal
from scripts.portal.site import pages

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "datapackages"
FIXTURES = ROOT / "tests" / "fixtures" / "packages"


def snippet(pkg) -> str:
    """The snippet's code as the template renders it (between the fences)."""
    e = pages.env()
    text = e.from_string('{% from "_macros.md.j2" import pandas_snippet %}{{ pandas_snippet(url, args) }}').render(
        url=str(pkg.path / "data.csv"), args=pages.read_csv_args(pkg))
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def portals():
    out = [load_portal(FIXTURES)]
    if (REAL / "indicators" / "datapackage.json").exists():
        out.append(load_portal(REAL))
    return out


@pytest.mark.parametrize("portal", portals(), ids=lambda p: f"{len(p.packages)} packages")
def test_every_numeric_column_reads_as_numbers(portal):
    checked = marked = 0
    for pkg in portal.packages:
        scope: dict = {}
        exec(snippet(pkg).replace("df.head()", ""), scope)
        df = scope["df"]
        assert list(df.columns) == [f.name for f in pkg.fields], pkg.name
        for f, raw in ((f, [r[f.name] for r in pkg.raw_rows]) for f in pkg.fields):
            col = df[f.name]
            if f.numeric:
                assert pd.api.types.is_numeric_dtype(col), (pkg.name, f.name, col.dtype)
                for cell, got in zip(raw, col):
                    if cell in pkg.missing_values or cell == "":
                        assert pd.isna(got), (pkg.name, f.name, cell)
                        marked += cell != ""
                    else:
                        assert got == pytest.approx(float(cell)), (pkg.name, f.name, cell)
                checked += 1
            else:
                assert [("" if pd.isna(v) else v) for v in col] == raw, (pkg.name, f.name)
    assert checked > 0
    if len(portal.packages) > 20:
        assert marked > 0   # the real packages print "-", "--", "/", "未透露": read as NaN
