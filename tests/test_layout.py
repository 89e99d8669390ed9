"""The code's shape (issue 12): every product module has its test file, no import cycle,
no function over 60 lines, no stage importing a later one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ROOT / "scripts" / "portal"
TESTS = ROOT / "tests"

# Where a module's tests are when the file is not named after it (tests/test_<module>.py or
# tests/test_<package>_<module>.py). A new module needs its test file or an entry here.
TESTED_IN = {
    "cli": "test_cli.py", "errors": "test_errors.py", "paths": "test_settings.py", "formula": "test_quality.py",
    "extract/keyfigures": "test_extract.py", "extract/newreport": "test_newreport.py", "extract/recipe": "test_recipe.py",
    "extract/rows": "test_extract.py", "extract/run": "test_data_packages.py",
    "indicators/facts": "test_indicators.py", "indicators/package": "test_indicators.py",
    "indicators/registry": "test_indicators.py", "indicators/review": "test_indicators_meaning.py",
    "model/frames": "test_indicators.py", "model/reader": "test_model.py", "model/registry": "test_model.py",
    "model/schema": "test_model.py", "model/writer": "test_model.py", "rowtypes": "test_model.py",
    "site/build": "test_site_build_cache.py", "site/cache": "test_site_build_cache.py",
    "site/analysis_downloads": "test_analysis_downloads.py", "site/facts": "test_site_indicators.py",
    "site/findings": "test_site_labels.py", "site/indicator_charts": "test_site_indicators.py",
    "site/indicator_pages": "test_site_indicators.py", "site/plan_tracker": "test_site_indicators.py",
    "site/postbuild": "test_site_csp.py", "site/reference": "test_recipe.py", "site/search": "test_search_index.py",
    "site/feed": "test_site_feed_schemaorg.py", "site/schemaorg": "test_site_feed_schemaorg.py",
    "site/zhmap": "browser/test_readers.py",
}
# Stages in data-flow order: a module may import its own stage and earlier ones only.
# (quality checks are pure functions of rows: the package writer runs them to fill x-quality)
STAGES = ["errors", "paths", "texts", "settings", "formula", "rowtypes", "quality", "acknowledged", "model",
          "extract", "indicators", "validate", "site", "publish", "serve", "cli"]


def modules() -> dict[str, Path]:
    return {p.relative_to(PRODUCT).with_suffix("").as_posix(): p for p in sorted(PRODUCT.rglob("*.py"))
            if p.name not in ("__init__.py", "__main__.py")}


def imports(path: Path) -> set[str]:
    """The product modules `path` imports (absolute scripts.portal.… and relative imports)."""
    tree, here = ast.parse(path.read_text("utf-8")), path.relative_to(PRODUCT).parent.parts
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level + 1]) + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith("scripts.portal"):
                base = node.module.split(".")[2:]
            else:
                continue
            for alias in node.names:
                out.add("/".join(base + [alias.name]))
                out.add("/".join(base))
    known = set(modules())
    return {m for m in out if m in known}


@pytest.mark.parametrize("module", sorted(modules()))
def test_every_module_has_a_test_file(module):
    name = module.replace("/", "_")
    candidates = [TESTS / f"test_{name}.py", TESTS / f"test_{module.split('/')[-1]}.py"]
    if module in TESTED_IN:
        candidates = [TESTS / TESTED_IN[module]]
    found = [c for c in candidates if c.exists()]
    assert found, f"{module}: no tests/{candidates[0].name} (or an entry in TESTED_IN)"
    stem = module.split("/")[-1]
    assert any(stem in c.read_text("utf-8") for c in found), f"{module}: {found[0].name} never names it"


def test_no_import_cycle():
    graph = {m: imports(p) - {m} for m, p in modules().items()}
    state: dict[str, int] = {}

    def visit(m, trail):
        if state.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(m):] + [m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in sorted(graph[m]):
            visit(n, trail + [m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])


def test_no_stage_imports_a_later_one():
    def stage(m):
        return STAGES.index(m.split("/")[0])

    late = [(m, n) for m, p in modules().items() for n in imports(p) if stage(n) > stage(m)]
    assert late == []


def test_no_function_over_60_lines():
    long = [f"{m}.{n.name} ({n.end_lineno - n.lineno + 1} lines)" for m, p in modules().items()
            for n in ast.walk(ast.parse(p.read_text("utf-8")))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 60]
    assert long == []
