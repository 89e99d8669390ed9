"""The incremental build (scripts/portal/site/cache.py, units.py): a warm build gives exactly
the bytes of a fresh one, writes nothing when nothing changed, regenerates only the changed
package, and never lets a write into docs/ reach the cache."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from scripts.portal.site import cache as bc
from scripts.portal.site import catalog, charts, renderer
from scripts.portal.model.reader import load_portal
from tests.site_build import FIXTURE_PACKAGES, generate

CHANGED = "liaoning-internet-2020-appendix-1-ipv4-by-province"


def tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def seeded_cache(source: Path, target: Path) -> Path:
    """A cache with the chart renders and the chart runtime of `source`, and no build records:
    a build with it regenerates every package (without rendering charts again)."""
    target.mkdir(parents=True)
    shutil.copytree(source / "charts", target / "charts")
    for bundle in source.glob("vega-bundle-*.js"):
        shutil.copy2(bundle, target)
    return target


def change_one_value(packages: Path, name: str) -> None:
    pkg = packages / name
    csv = (pkg / "data.csv").read_bytes()
    lines = csv.split(b"\n")
    cells = lines[1].split(b",")
    i = next(i for i, c in enumerate(cells) if c.isdigit())
    cells[i] = str(int(cells[i]) + 1).encode()
    lines[1] = b",".join(cells)
    csv = b"\n".join(lines)
    (pkg / "data.csv").write_bytes(csv)
    desc = json.loads((pkg / "datapackage.json").read_text("utf-8"))
    desc["resources"][0]["hash"] = "sha256:" + hashlib.sha256(csv).hexdigest()
    desc["resources"][0]["bytes"] = len(csv)
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", "utf-8")


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    packages, cache, docs = root / "packages", root / "cache", root / "docs"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    generate(packages, docs, cache=cache)
    return root, packages, cache, docs


def test_nothing_changed_writes_nothing(cold, capsys):
    root, packages, cache, docs = cold
    before = {p: p.stat() for p in docs.rglob("*") if p.is_file()}
    capsys.readouterr()
    generate(packages, docs, cache=cache)
    assert "done in" in capsys.readouterr().out
    after = {p: p.stat() for p in docs.rglob("*") if p.is_file()}
    assert before.keys() == after.keys()
    assert all((before[p].st_ino, before[p].st_mtime_ns) == (after[p].st_ino, after[p].st_mtime_ns) for p in before)


def test_warm_build_into_empty_docs_equals_fresh_build(cold, tmp_path):
    root, packages, cache, docs = cold
    again = tmp_path / "docs"
    generate(packages, again, cache=cache)  # from the build record: links only
    assert tree(again) == tree(docs)


def test_one_changed_package_regenerates_only_it_and_equals_a_fresh_build(cold, tmp_path, monkeypatch):
    root, packages, cache, docs = cold
    changed = tmp_path / "packages"
    shutil.copytree(packages, changed)
    change_one_value(changed, CHANGED)
    warm = tmp_path / "warm-docs"
    shutil.copytree(docs, warm)
    from scripts.portal.site import workers as units
    built = []
    real_build = units.build
    monkeypatch.setattr(units, "build", lambda pkg, *a: built.append(pkg.name) or real_build(pkg, *a))
    generate(changed, warm, cache=cache)
    assert built == [CHANGED]
    fresh = tmp_path / "fresh-docs"
    generate(changed, fresh, cache=seeded_cache(cache, tmp_path / "fresh-cache"))
    assert tree(warm) == tree(fresh)
    assert tree(warm) != tree(docs)


def test_removed_package_leaves_no_file_behind(cold, tmp_path):
    root, packages, cache, docs = cold
    fewer = tmp_path / "packages"
    shutil.copytree(packages, fewer)
    shutil.rmtree(fewer / CHANGED)
    warm = tmp_path / "docs"
    shutil.copytree(docs, warm)
    generate(fewer, warm, cache=cache)
    assert not [p for p in tree(warm) if CHANGED in p]
    fresh = tmp_path / "fresh-docs"
    generate(fewer, fresh, cache=seeded_cache(cache, tmp_path / "fresh-cache"))
    assert tree(warm) == tree(fresh)


def test_writing_into_docs_never_changes_the_cache(cold, tmp_path):
    root, packages, cache, docs = cold
    target = docs / "downloads" / CHANGED / "data.csv"
    original = target.read_bytes()
    blob = bc.Store(cache).blob(hashlib.sha256(original).hexdigest())
    assert blob.read_bytes() == original
    target.unlink()  # an editor saving a new file, as the build itself never writes in place
    target.write_bytes(b"changed in docs")
    assert blob.read_bytes() == original
    generate(packages, docs, cache=cache)  # the next build puts the file back
    assert target.read_bytes() == original


def test_chart_rendered_once_gives_vl_convert_bytes(tmp_path):
    import vl_convert as vlc

    portal = load_portal(FIXTURE_PACKAGES)
    c = charts.choose(next(p for p in portal.packages if p.name == CHANGED))[0]
    made, rendered, cached = charts.render_one(c, tmp_path, png=True, identity=renderer.drawing_identity())
    assert (rendered, cached) == (2, 0)
    svg = charts.outlined(vlc.vegalite_to_svg(c.spec, vl_version=charts.VL_VERSION))  # its text as glyph outlines
    assert made["svg"][0] == svg.encode("utf-8")
    assert made["png"][0] == vlc.svg_to_png(svg, scale=2)


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"a": [1, {"b": "x\ny"}], "c": "中文"}, {"d": []}, "s", 3, None]])
def test_json_assembled_from_items_equals_json_bytes(items):
    doc = {"@context": {"x": "y"}, "n": [1, 2]}
    expected = catalog.json_bytes({**doc, "list": items})
    assert catalog.json_bytes_with(doc, "list", [catalog.item_json(i) for i in items]) == expected


def test_code_version_covers_every_file_of_the_package():
    files = {p.relative_to(bc.PORTAL).as_posix() for p in bc.code_files()}
    assert {"site/build.py", "site/charts.py", "site/templates/dataset.md.j2", "site/labels.yaml", "settings.py",
            "paths.py", "extract/recipe.py", "model/schemas/datapackage.schema.json", "settings.yaml"} <= files
    assert not any("__pycache__" in f for f in files)
    on_disk = {p.relative_to(bc.PORTAL).as_posix() for p in bc.PORTAL.rglob("*.py") if "__pycache__" not in p.parts}
    assert on_disk <= files


def test_pages_made_in_a_child_process_are_the_same(cold, tmp_path, monkeypatch):
    """Large portals load their packages in a child process (memory); same bytes."""
    root, packages, cache, docs = cold
    from scripts.portal.site import build
    monkeypatch.setattr(build, "SEPARATE_FROM", 1)
    apart = tmp_path / "docs"
    generate(packages, apart, cache=seeded_cache(cache, tmp_path / "fresh-cache"))
    assert tree(apart) == tree(docs)


def test_large_charts_are_rendered_last_with_the_same_bytes(cold, tmp_path, monkeypatch):
    root, packages, cache, docs = cold
    from scripts.portal.site import build
    monkeypatch.setattr(build, "LARGE_RASTER", 0)  # every comparison chart counts as large
    last = tmp_path / "docs"
    generate(packages, last, cache=seeded_cache(cache, tmp_path / "fresh-cache"))
    assert tree(last) == tree(docs)


def test_scan_fingerprints_what_the_reader_reads_and_nothing_it_refuses(tmp_path):
    packages = tmp_path / "packages"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    reports, found = bc.scan(packages)
    assert reports == bc.sha256_file(packages / "reports.json")
    names = sorted(p.parent.name for p in packages.glob("*/datapackage.json"))
    assert [n for n, _ in found] == names and len(set(f for _, f in found)) == len(names)
    # a descriptor whose data path leaves its package: the scan does not read that file (None: the
    # full build reports it, located), as the reader refuses it
    desc_path = packages / names[0] / "datapackage.json"
    desc = json.loads(desc_path.read_text("utf-8"))
    desc["resources"][0]["path"] = "../" + names[1] + "/" + desc["resources"][0]["path"]
    desc_path.write_text(json.dumps(desc), "utf-8")
    assert bc.scan(packages) is None
    desc_path.write_text('{"name": NaN}', "utf-8")  # not standard JSON: refused like the reader does
    assert bc.scan(packages) is None


def test_a_package_changed_since_the_last_build_gets_the_full_schema_check(cold, tmp_path, monkeypatch, capsys):
    """The cache lets unchanged packages skip the reader's JSON Schema check (the last build of
    the same code loaded these exact bytes); a package whose bytes changed is checked in full."""
    root, packages, cache, docs = cold
    from scripts.portal import cli
    from scripts.portal.model import reader

    work = tmp_path / "packages"
    shutil.copytree(packages, work)
    cache2 = seeded_cache(cache, tmp_path / "cache")
    checked = []
    real_check = reader.check
    monkeypatch.setattr(reader, "check", lambda d, *a, **k: checked.append(d.get("name")) or real_check(d, *a, **k))
    generate(work, tmp_path / "docs", cache=cache2)  # records every fingerprint as accepted
    checked.clear()
    change_one_value(work, "liaoning-internet-2020-table-1-app-users")
    generate(work, tmp_path / "docs", cache=cache2)
    # changed: checked (by the build and by the worker that regenerates it); the others: skipped
    assert set(checked) == {"liaoning-internet-2020-table-1-app-users"}, checked
    desc_path = work / "liaoning-internet-2020-table-1-app-users" / "datapackage.json"
    desc = json.loads(desc_path.read_text("utf-8"))
    desc["keywords"] = "not a list"
    desc_path.write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    capsys.readouterr()
    assert cli.main(["build", "--packages", str(work), "--docs", str(tmp_path / "docs"), "--cache", str(cache2),
                     "--quiet"]) == 1
    assert "keywords" in capsys.readouterr().err
