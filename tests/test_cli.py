"""The documented commands are the real ones (README vs Makefile vs CLI)."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.portal import cli

ROOT = Path(__file__).resolve().parents[1]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text("utf-8")
    return set(re.findall(r"^([a-z-]+):.*## ", text, flags=re.M))


def test_every_make_target_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [t for t in sorted(makefile_targets()) if t not in {"help", "browser-deps", "clean"}
               and f"`make {t}`" not in readme]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text("utf-8"), flags=re.M)


def test_cli_subcommands_are_documented():
    readme = (ROOT / "README.md").read_text("utf-8")
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert name in readme, name


def test_file_system_error_is_a_plain_message(monkeypatch, capsys):
    from scripts.portal import cli

    def refuse(args):
        raise PermissionError(13, "Permission denied", "/read-only/site")

    monkeypatch.setattr(cli, "cmd_validate", refuse)
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err == "ERROR /read-only/site: Permission denied\n"


def checklist() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme.split("### Adding a report (checklist)", 1)[1].split("\n## ", 1)[0]


def test_every_command_the_adding_a_report_checklist_names_exists():
    text = checklist()
    named = set(re.findall(r"`make ([a-z-]+)", text))
    assert {"new-report", "extract", "validate", "test", "site"} <= named
    assert named <= makefile_targets(), named - makefile_targets()
    for variable in re.findall(r"`make [a-z-]+ ((?:[A-Z]+=\S+ ?)+)", text):
        for name in re.findall(r"([A-Z]+)=", variable):  # the Makefile passes every variable it names
            assert f"$({name})" in (ROOT / "Makefile").read_text("utf-8"), name
    for path in re.findall(r"`((?:scripts|datapackages|tests)/[^`<]*?)/?`", text):
        assert (ROOT / path).exists(), path


def test_readme_report_table_is_the_registry():
    import json

    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme.split("| report | slug | packages |", 1)[1].split("\n\n", 1)[0]
    slugs = re.findall(r"\| `([a-z0-9-]+)` \|", table)
    registry = json.loads((ROOT / "datapackages" / "reports.json").read_text("utf-8"))
    assert slugs == [r["slug"] for r in registry]
    assert not re.search(r"\b(five|six|seven) (official )?reports\b", readme)
