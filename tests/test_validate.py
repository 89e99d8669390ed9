"""Validation of broken and hostile packages: a clear message, a non-zero exit, no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.portal import cli, validate

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CASES = {
    "invalid-json": ["file datapackage.json", "invalid JSON", "line 1"],
    "missing-resource": ["file data.csv", "resource file missing"],
    "wrong-type": ["file data.csv", "row 3", "field share", "not a number"],
    "ragged-row": ["row 3", "6 cells"],
    "empty-csv": ["file data.csv", "empty"],
    "duplicate-key": ["row 4", "field province", "duplicate primary key"],
    "gbk-encoded": ["file data.csv", "row 2", "not UTF-8"],
    "missing-title": ["'title' missing"],
    "missing-unit": ["field share", "no unit"],
    "missing-source": ["'x-source' missing"],
    "path-dotdot": ["leaves the package directory"],
    "path-absolute": ["is absolute"],
    "path-url": ["is a URL"],
    "script-in-title": ["title contains markup"],
    "img-onerror-in-description": ["description contains markup"],
    "javascript-link-in-cell": ["row 2", "field province", "markup or a script"],
    "html-in-cell": ["row 2", "field province", "markup or a script"],
    "formula-hyperlink": ["row 2", "field province", "spreadsheet formula"],
    "formula-plus": ["row 2", "spreadsheet formula"],
    "formula-minus": ["row 2", "spreadsheet formula"],
    "formula-at": ["row 2", "spreadsheet formula"],
    "name-collision": ["collides"],
    "bad-report": ["not in reports.json"],
    # c-maintainer
    "formula-power-tower": ["quality check cannot run", "formula 塔", "exponent 387420489"],
    "formula-function-call": ["quality check cannot run", "not a function call"],
    "unacknowledged-discrepancy": ["row 合计", "field share", "unacknowledged discrepancy", "printed 28.92",
                                  "computed 28.82", "acknowledged:"],
    "stale-acknowledgement": ["row 合计", "field share", "matches no discrepancy"],
    "check-cannot-run": ["check sum (share) cannot run", "no total row"],
    "script-in-reason": ["x-acknowledged[0].reason contains markup"],
}


def test_corpus_is_complete():
    on_disk = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    assert on_disk == set(CASES) | {"ok-good", "ok-bom"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_case_is_refused_with_location(case, capsys):
    code = cli.main(["--packages", str(BROKEN / case), "validate"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1
    assert "Traceback" not in text
    assert "package demo-appendix-1" in text
    for fragment in CASES[case]:
        assert fragment in text, f"{case}: {fragment!r} missing from:\n{text}"


@pytest.mark.parametrize("case", ["ok-good", "ok-bom"])
def test_good_and_bom_packages_pass(case, capsys):
    assert cli.main(["--packages", str(BROKEN / case), "validate"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_oversize_file_is_refused(tmp_path, monkeypatch, capsys):
    shutil.copytree(BROKEN / "ok-good", tmp_path / "pk")
    monkeypatch.setattr(validate, "MAX_BYTES", 64)
    assert cli.main(["--packages", str(tmp_path / "pk"), "validate"]) == 1
    assert "over the limit of 64" in capsys.readouterr().out


def test_edited_csv_is_caught_by_hash(tmp_path, capsys):
    shutil.copytree(BROKEN / "ok-good", tmp_path / "pk")
    csv = tmp_path / "pk" / "demo-appendix-1" / "data.csv"
    csv.write_bytes(csv.read_bytes().replace(b"3.33", b"3.34"))
    assert cli.main(["--packages", str(tmp_path / "pk"), "validate"]) == 1
    assert "hash does not match" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["invalid-json", "gbk-encoded"])
def test_command_line_exit_code_without_traceback(case):
    proc = subprocess.run([sys.executable, "-m", "scripts.portal", "--packages", str(BROKEN / case), "validate"],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "ERROR package demo-appendix-1" in proc.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_site_build_refuses_broken_input_and_keeps_site(case, tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    code = cli.main(["--packages", str(BROKEN / case), "site", "--site", str(site)])
    assert code == 1
    assert (site / "index.html").read_text("utf-8") == "old"
    assert "validation failed" in capsys.readouterr().err


def test_missing_registry_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["--packages", str(tmp_path), "validate"]) == 1
    assert "report registry missing" in capsys.readouterr().err


def test_exponent_tower_is_refused_within_a_second(capsys):
    import time

    import frictionless  # noqa: F401  (its import, ~0.4 s, is not the formula's cost)

    started = time.perf_counter()
    code = cli.main(["--packages", str(BROKEN / "formula-power-tower"), "validate"])
    assert code == 1 and time.perf_counter() - started < 1.0
    assert "exponent 387420489 is outside [-10, 10]" in capsys.readouterr().out
