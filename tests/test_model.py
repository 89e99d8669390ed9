"""The model: the JSON Schemas, strict JSON reading, the one registry loader and the package reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from scripts.portal import paths
from scripts.portal.errors import PortalError
from scripts.portal.model import reader, registry, schema
from tests import hostile_packages

BROKEN = Path(__file__).parent / "fixtures" / "broken"


@pytest.mark.parametrize("path", sorted(schema.SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_schemas_are_valid_draft_2020_12(path):
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text("utf-8")))


def test_inlined_schema_judges_like_the_referencing_one():
    """validator() inlines $refs for speed; the verdicts must be those of the schema as written."""
    from referencing import Registry, Resource

    docs = {p.name: json.loads(p.read_text("utf-8")) for p in schema.SCHEMAS.glob("*.schema.json")}
    reg = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs.values())
    plain = jsonschema.Draft202012Validator(docs["datapackage.schema.json"], registry=reg)
    cases = []
    for p in sorted(BROKEN.glob("*/*/datapackage.json")):
        try:
            cases.append(schema.read_json(p))
        except PortalError:  # not JSON at all: nothing for a schema to judge
            pass
    cases += [json.loads(p.read_text("utf-8")) for p in paths.packages_dir().glob("*/datapackage.json")]
    assert len(cases) > 60
    verdicts = [(plain.is_valid(c), schema.validator("datapackage").is_valid(c)) for c in cases]
    assert all(a == b for a, b in verdicts)
    assert sum(not a for a, _ in verdicts) >= 20  # the corpus does exercise refusals


def test_real_registry_and_packages_pass_the_schemas():
    entries = registry.read_registry(paths.packages_dir())
    assert [e["slug"] for e in entries] == list(registry.load_reports(paths.packages_dir()))
    portal = reader.load_portal(paths.packages_dir())
    assert len(portal.packages) + len(portal.derived) == len(list(paths.packages_dir().glob("*/datapackage.json")))


def test_one_set_of_registry_keys():
    required = json.loads((schema.SCHEMAS / "reports.schema.json").read_text("utf-8"))["items"]["required"]
    assert tuple(required) == registry.REPORT_KEYS == reader.REPORT_KEYS
    assert "url" in required


def test_null_url_becomes_empty_text_for_the_site():
    reports = registry.report_objects(BROKEN / "ok-good")
    assert reports[0].url == "" and registry.load_reports(BROKEN / "ok-good")["demo"]["url"] is None


@pytest.mark.parametrize("text,message", [
    ('{"a": NaN}', "NaN is not a JSON number"),
    ('{"a": -Infinity}', "-Infinity is not a JSON number"),
    ('{"a": 1, "a": 2}', "key 'a' appears twice"),
    ('{"a": 1,}', "invalid JSON"),
])
def test_read_json_accepts_standard_json_only(tmp_path, text, message):
    path = tmp_path / "x.json"
    path.write_text(text, "utf-8")
    with pytest.raises(PortalError) as err:
        schema.read_json(path, package="p")
    assert message in str(err.value) and err.value.package == "p" and err.value.file == "x.json"


def test_read_json_accepts_a_bom(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1.5}')
    assert schema.read_json(path) == {"a": 1.5}


@pytest.mark.parametrize("text,ok", [
    ("辽宁", True), ("家\u200d庭", True), ("a\nb", True),   # joiners and line feeds (free text) allowed
    ("a\u202eb", False), ("a\u200bb", False), ("a\x00b", False), ("a\rb", False), ("a\u2028b", False),
    ("a\ufeffb", False), ("a\x85b", False), ("a\tb", False),
])
def test_one_rule_for_safe_text_in_cells(text, ok):
    assert bool(schema.safe_text().search(text)) is ok


def test_hostile_packages_stay_within_the_schema(tmp_path):
    """The browser security tests' packages are loadable, so they test escaping, not the reader."""
    portal = reader.load_portal(hostile_packages.make(tmp_path / "hostile"))
    assert any("__pwn" in p.title for p in portal.packages)


def test_reader_checks_what_validate_checks(tmp_path):
    """The site's reader refuses a refused package itself: the build never sees it."""
    shutil.copytree(BROKEN / "bidi-cell", tmp_path / "pk")
    with pytest.raises(PortalError) as err:
        reader.load_portal(tmp_path / "pk")
    assert (err.value.package, err.value.file, err.value.row, err.value.field) == (
        "demo-appendix-1", "data.csv", 2, "province")


def test_writer_output_is_read_back_by_the_reader(tmp_path):
    """model/writer.py and model/reader.py agree: a package written from rows reads back as the
    same typed rows, with its missing-value marker kept as printed and its hash as declared."""
    from scripts.portal.model import writer

    report = {"slug": "demo", "title": "演示报告", "title_en": "Demo", "publisher": "演示", "published": "2021",
              "language": "zh-Hans", "url": None, "source_file": "000_x.txt"}
    (tmp_path / "reports.json").write_text(json.dumps([report], ensure_ascii=False), "utf-8")
    meta = {"name": "demo-table-1", "title": "演示表", "title_en": "Demo table", "description": "一张演示表。",
            "keywords": ["演示"], "display": {}, "missing_values": {"-": "无数据"},
            "x-source": {"report": "demo", "table": "表1", "caption": "表1 演示表", "file": "000_x.txt", "lines": [1, 3]}}
    fields = [{"name": "label", "title": "项目", "title_en": "Item", "type": "string"},
              {"name": "value", "title": "数值", "title_en": "Value", "type": "number", "unit": "个"}] + writer.META_FIELDS
    rows = [{"label": "甲", "value": "1.50", "row_type": "data", "parent": "", "source_line": 2},
            {"label": "乙", "value": "-", "row_type": "data", "parent": "", "source_line": 3}]
    files = writer.render(meta, report, fields, rows, [], "label", ["label"])
    assert files == writer.render(meta, report, fields, rows, [], "label", ["label"])  # deterministic bytes
    writer.write(files, tmp_path / "demo-table-1")
    pkg = reader.load_package(tmp_path / "demo-table-1")
    assert [r["value"] for r in pkg.rows] == [1.5, None]
    assert [r["value"] for r in pkg.raw_rows] == ["1.50", "-"]
    assert pkg.missing_values == {"-": "无数据"}


def test_one_definition_of_data_rows():
    """rowtypes.data_rows is the model's one definition: the reader keeps sub-rows, the quality
    checks ask for them to be left out; a table without row_type is all data rows."""
    from scripts.portal import quality, rowtypes
    from scripts.portal.model import writer

    rows = [{"label": "a", "row_type": "data"}, {"label": "a1", "row_type": "subrow"},
            {"label": "合计", "row_type": "total"}, {"label": "b"}]
    assert [r["label"] for r in rowtypes.data_rows(rows)] == ["a", "a1", "b"]
    assert [r["label"] for r in rowtypes.data_rows(rows, subrows=False)] == ["a", "b"]
    table = quality.Table(rows, [{"name": "label", "type": "string"}], "label")
    assert table.data_rows() == rowtypes.data_rows(rows, subrows=False)
    enum = next(f for f in writer.META_FIELDS if f["name"] == "row_type")["constraints"]["enum"]
    assert tuple(enum) == rowtypes.ROW_TYPES
    portal = reader.load_portal(paths.packages_dir())
    with_subrows = [p for p in portal.packages if any(r.get("row_type") == "subrow" for r in p.rows)]
    assert with_subrows, "the real packages have sub-rows (cnnic-47)"
    for pkg in portal.packages:
        assert pkg.data_rows == rowtypes.data_rows(pkg.rows)


def real_copy(tmp_path) -> Path:
    packages = tmp_path / "packages"
    shutil.copytree(paths.packages_dir() / "cnnic-47-table-5-web-pages", packages / "cnnic-47-table-5-web-pages")
    return packages / "cnnic-47-table-5-web-pages"


def test_package_bytes_are_what_the_reader_reads(tmp_path):
    pkg_dir = real_copy(tmp_path)
    raw, data = reader.package_bytes(pkg_dir)
    assert raw == (pkg_dir / "datapackage.json").read_bytes()
    assert data == reader.load_package(pkg_dir).csv_bytes


@pytest.mark.parametrize("edit, message", [
    (lambda d, desc: desc["resources"][0].update(path="../../outside.csv"), "path"),
    (lambda d, desc: desc["resources"][0].update(hash="sha256:" + "0" * 64), "hash does not match"),
    (lambda d, desc: desc.update(resources=[]), "resources"),
])
def test_package_bytes_refuse_what_the_reader_refuses(tmp_path, edit, message):
    pkg_dir = real_copy(tmp_path)
    (tmp_path / "outside.csv").write_text("a\n1\n")
    desc = json.loads((pkg_dir / "datapackage.json").read_text("utf-8"))
    edit(pkg_dir, desc)
    (pkg_dir / "datapackage.json").write_text(json.dumps(desc), "utf-8")
    with pytest.raises(PortalError, match=message):
        reader.package_bytes(pkg_dir, tmp_path / "packages")


def test_package_bytes_refuse_a_data_file_linked_from_outside(tmp_path):
    pkg_dir = real_copy(tmp_path)
    data = pkg_dir / json.loads((pkg_dir / "datapackage.json").read_text("utf-8"))["resources"][0]["path"]
    (tmp_path / "elsewhere.csv").write_bytes(data.read_bytes())
    data.unlink()
    data.symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(PortalError, match="symbolic link"):
        reader.package_bytes(pkg_dir, tmp_path / "packages")


def test_accepted_bytes_skip_only_the_schema_check_and_only_for_those_bytes(tmp_path):
    pkg_dir = real_copy(tmp_path)
    desc = json.loads((pkg_dir / "datapackage.json").read_text("utf-8"))
    desc["keywords"] = "not a list"  # a schema violation the other checks do not see
    (pkg_dir / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), "utf-8")
    with pytest.raises(PortalError, match="keywords"):
        reader.load_package(pkg_dir)
    seen = []
    judged = reader.package_bytes(pkg_dir)
    pkg = reader.load_package(pkg_dir, accepted=lambda raw, data: seen.append((raw, data)) or (raw, data) == judged)
    assert seen == [judged] and pkg.csv_bytes == judged[1]
    with pytest.raises(PortalError, match="keywords"):  # other bytes: checked in full
        reader.load_package(pkg_dir, accepted=lambda raw, data: False)
    (pkg_dir / "datapackage.json").write_text(json.dumps(dict(desc, name="other")), "utf-8")
    with pytest.raises(PortalError, match="differs from its directory"):  # the other checks still run
        reader.load_package(pkg_dir, accepted=lambda raw, data: True)
