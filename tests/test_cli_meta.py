"""Meta-tests, in the spirit of sqlite-utils: every command has help and is documented."""
from __future__ import annotations

from pathlib import Path

import pytest
import typer

from diagnostica.cli.main import build_app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands():
    group = typer.main.get_command(build_app())
    for name, command in sorted(group.commands.items()):
        yield [name], command
        for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
            yield [name, sub_name], sub


COMMANDS = list(_commands())


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_and_is_in_the_readme(cli, path, command):
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
    run = cli(*path, "--help")
    assert run.code == 0, run.err
    assert command.help.strip().split("\n")[0][:40] in " ".join(run.out.split())
    assert f"diagnostica {' '.join(path)}" in README, f"README does not mention `diagnostica {' '.join(path)}`"


def test_all_commands_are_listed():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"check", "dns", "report", "ask", "rules", "rules lint", "rules test", "rules preview",
            "rules docs", "rules schema", "rules list", "rules show"} <= names


@pytest.mark.parametrize("args, expected", [
    (["chek"], "comando sconosciuto «chek» (forse intendevi «check»?)"),
    (["check", "--timout", "3"], "opzione sconosciuta --timout (forse intendevi «--timeout»?)"),
    (["rules", "show"], "manca ID"),
    (["check", "--format"], "l'opzione --format vuole un valore"),
])
def test_usage_errors_are_one_italian_line_exit_2(cli, args, expected):
    run = cli(*args)
    assert run.code == 2
    assert run.err.count("\n") == 1 and expected in run.err
