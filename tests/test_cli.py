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
