"""The benchmark's synthetic portal is valid and its results table lists every stage (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.tools import bench
from scripts.portal.validate import validate_all


def shapes(directory: Path) -> dict[str, str]:
    out = {}
    for desc in sorted(directory.glob("*/datapackage.json")):
        out[desc.parent.name] = json.loads(desc.read_text("utf-8"))["x-display"]["shape"]
    return out


def test_synthetic_packages_validate(tmp_path):
    directory = bench.generate(tmp_path / "packages", 12)
    results = validate_all(directory)
    assert len(results) == 12
    assert [str(e) for r in results for e in r.errors] == []
    found = shapes(directory)
    assert sum(s == "key-figures" for s in found.values()) == 2  # one per report of six packages
    assert len(set(found.values())) >= 3
    for result in results:
        if not result.name.endswith("key-figures"):
            assert 5 <= result.rows <= 41 and 2 + 3 <= result.fields <= 8 + 3, result.name
    provinces = [name for name, shape in found.items() if shape == "provinces"]
    for name in provinces:
        assert "辽宁," in (directory / name / "data.csv").read_text("utf-8")
    slugs = {r["slug"] for r in json.loads((directory / "reports.json").read_text("utf-8"))}
    assert all(any(name.startswith(slug + "-") for slug in slugs) for name in found)


def test_generation_is_deterministic_and_one_change_stays_valid(tmp_path):
    a = bench.generate(tmp_path / "a", 5)
    b = bench.generate(tmp_path / "b", 5)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    changed = bench.change_one(b, 5)
    assert (a / changed / "data.csv").read_bytes() != (b / changed / "data.csv").read_bytes()
    assert [str(e) for r in validate_all(b) for e in r.errors] == []


def test_results_table_has_every_stage(tmp_path):
    out = tmp_path / "out"
    bench.main(["--sizes", "5", "--no-real", "--out", str(out), "--workdir", str(tmp_path / "work")])
    result = json.loads((out / "latest.json").read_text("utf-8"))
    assert [r["stage"] for r in result["stages"]] == list(bench.STAGES)
    assert {r["size"] for r in result["stages"]} == {5}
    validate = next(r for r in result["stages"] if r["stage"] == "validate")
    assert validate["ok"] and validate["error_count"] == 0 and validate["packages"] == 5
    failed = [(r["stage"], r["note"]) for r in result["stages"] if r["ok"] is False]
    assert failed == []
    table = (out / "latest.md").read_text("utf-8")
    for stage in bench.STAGES:
        assert f"| 5 | {stage} |" in table
    assert "| goal | measured | met |" in table and result["machine"]["nproc"] >= 1
