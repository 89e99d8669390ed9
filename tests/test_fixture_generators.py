"""The committed fixture packages are exactly what their generators write (tests/fixtures/make_*.py),
so a generator and its fixtures cannot drift apart; the generators write through the product's
writer (scripts/portal/model/writer.py: CSV, resource, JSON)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GENERATORS = {"make_fixture_packages": FIXTURES / "packages", "make_broken": FIXTURES / "broken",
              "make_fixture_indicators": FIXTURES / "indicators" / "facts" / "indicators"}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_committed_fixtures_are_what_the_generator_writes(name, tmp_path, monkeypatch):
    module = importlib.import_module(f"tests.fixtures.{name}")
    monkeypatch.setattr(module, "OUT", tmp_path / "out")
    module.main()
    written, committed = files(tmp_path / "out"), files(GENERATORS[name])
    assert sorted(written) == sorted(committed)
    changed = [path for path in written if written[path] != committed[path]]
    assert changed == [], f"run `python -m tests.fixtures.{name}` and commit, or fix the generator"


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_write_through_the_product_writer(name):
    text = (FIXTURES / f"{name}.py").read_text("utf-8")
    assert "from scripts.portal.model import writer" in text
    assert "json.dumps(desc, ensure_ascii=False, indent=2)" not in text
