"""`make audit`'s page choice (scripts/tools/audit/pages.py + pages.yaml) and its summary and
exit status (scripts/tools/audit/summarise.py), on small made-up sites and reports."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parents[1] / "scripts" / "tools" / "audit"


def load(name):
    spec = importlib.util.spec_from_file_location(f"audit_{name}", AUDIT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(site: Path, rel: str, size: int = 10) -> None:
    path = site / rel / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x" * size)


@pytest.fixture
def site(tmp_path):
    for rel in ("", "catalog", "comparisons", "about", "reports/a", "reports/b"):
        page(tmp_path, rel)
    for name, size in (("d1", 100), ("d2", 300), ("d3", 200), ("kf", 50)):
        page(tmp_path, f"datasets/{name}", size)
    page(tmp_path, "datasets/kf-key-figures/s1", 80)
    page(tmp_path, "datasets/kf-key-figures/s2", 90)
    page(tmp_path, "indicators/internet-users", 40)
    page(tmp_path, "indicators/cn-domains", 60)
    page(tmp_path, "topics/infrastructure")
    page(tmp_path, "plan")
    page(tmp_path, "query")
    return tmp_path


def test_every_page_type_is_picked(site):
    chosen, missing = load("pages").select(site)
    got = dict(chosen)
    assert missing == []
    assert got["home"] == "" and got["report"] == "reports/a/" and got["catalogue"] == "catalog/"
    assert got["dataset (largest)"] == "datasets/d2/" and got["dataset (typical)"] == "datasets/d3/"  # 50, 100, 200, 300
    assert got["key figures"] == "datasets/kf-key-figures/s2/"
    assert got["indicator"] == "indicators/cn-domains/" and got["topic"] == "topics/infrastructure/"
    assert got["plan tracker"] == "plan/" and got["query"] == "query/"


@pytest.mark.parametrize("kind, pages", [
    ("plan tracker", ["plan"]),
    ("indicator", ["indicators/internet-users", "indicators/cn-domains"]),
    ("key figures", ["datasets/kf-key-figures/s1", "datasets/kf-key-figures/s2"]),
])
def test_every_page_type_is_required(site, kind, pages, capsys):
    import shutil
    for rel in pages:
        shutil.rmtree(site / rel)
    assert load("pages").main([str(site)]) == 1
    assert kind in capsys.readouterr().err


def test_a_missing_required_page_type_fails(site, capsys):
    (site / "comparisons" / "index.html").unlink()
    assert load("pages").main([str(site)]) == 1
    assert "comparisons" in capsys.readouterr().err


def lighthouse_report(path: Path, performance: float, runtime: bool = False) -> str:
    items = [{"url": "http://127.0.0.1/x/index.html", "transferSize": 1000}]
    if runtime:
        items.append({"url": "http://127.0.0.1/assets/vendor/vega-bundle.js", "transferSize": 900000})
    audits = {"network-requests": {"details": {"items": items}}, "render-blocking-resources": {"details": {"items": []}}}
    cats = {k: {"score": 1.0, "auditRefs": []} for k in ("accessibility", "best-practices", "seo")}
    cats["performance"] = {"score": performance, "auditRefs": []}
    path.write_text(json.dumps({"categories": cats, "audits": audits}))
    return str(path)


@pytest.mark.parametrize("scores, runtime, expected", [
    ((0.97, 0.99, 0.96), False, 0),
    ((0.99, 0.90, 0.94), False, 1),   # median 0.94 < 0.95
    ((0.99, 0.99, 0.99), True, 1),    # opening the page loaded the chart runtime
])
def test_median_run_and_exit_status(site, tmp_path, scores, runtime, expected):
    runs = ",".join(lighthouse_report(tmp_path / f"r{i}.json", s, runtime) for i, s in enumerate(scores))
    out = tmp_path / "out"
    code = load("summarise").main(["--site", str(site), "--out", str(out), "--load-start", "3.1 2.0 1.5",
                                   "--absent", "indicator,topic", f"home|={runs}"])
    assert code == expected
    text = (out / "lighthouse.md").read_text("utf-8")
    assert "3.1 2.0 1.5" in text and "not in this site: indicator, topic" in text
    assert f"| home | `/` | {round(100 * sorted(scores)[1])} (" in text
