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


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_names_its_value_in_words(cli, path, command):
    """An option's value is shown as what to write (SECONDI, IP[:PORTA], [text|json]), never as typer's
    Python type label (``<list[str]>``, ``<float>``); arguments keep typer's own type column."""
    options = [p for p in command.params if not p.hidden and p.param_type_name == "option" and not p.is_flag]
    labelled = [p.name for p in options if not p.metavar]
    assert labelled == [], f"{' '.join(path)}: options without a metavar: {labelled}"


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
