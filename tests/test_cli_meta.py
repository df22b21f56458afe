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
    Python type label (``<list[str]>``, ``<float>``); an argument's label is left out of its help line
    (cli/helptext.py, checked by test_help_pages_are_italian_and_fit_the_width)."""
    options = [p for p in command.params if not p.hidden and p.param_type_name == "option" and not p.is_flag]
    labelled = [p.name for p in options if not p.metavar]
    assert labelled == [], f"{' '.join(path)}: options without a metavar: {labelled}"


#: typer's and click's own words, which cli/helptext.py says in Italian; and Python's type labels.
ENGLISH = ("Usage", "SECONDS", "Options:", "Arguments:", "Commands:", "[OPTIONS]", "COMMAND", "default:", "required",
           "Show this message", "current shell", "Exit code", "<list[", "<str>", "<path>", "<float>", "<int>")


@pytest.mark.parametrize("path", [[]] + [p for p, _ in COMMANDS], ids=["(main)"] + [" ".join(p) for p, _ in COMMANDS])
def test_help_pages_are_italian_and_fit_the_width(cli, path):
    run = cli(*path, "--help", env={"COLUMNS": "80"})
    assert run.code == 0 and run.out.startswith(f"Uso: diagnostica {' '.join(path)}".rstrip() + " "), run.out
    assert [word for word in ENGLISH if word in run.out] == []
    assert "Opzioni:" in run.out and "Mostra questo aiuto ed esce." in run.out
    assert max(map(len, run.out.splitlines())) <= 80


@pytest.mark.parametrize("line, expected", [
    ("Show this message and exit.", "Mostra questo aiuto ed esce."),
    ("Secondi concessi.  [default: 5.0]", "Secondi concessi.  [predefinito: 5.0]"),
    ("Id della regola.  [required]", "Id della regola.  [obbligatorio]"),
    ("[default: it; required]", "[predefinito: it; obbligatorio]"),
    ("Formato [text|json] come in [a]", "Formato [text|json] come in [a]"),  # brackets of its own: as written
    ("Un valore.  [non una nota]", "Un valore.  [non una nota]"),
])
def test_help_line_in_italian(line, expected):
    from diagnostica.cli.helptext import help_line

    assert help_line(line) == expected


@pytest.mark.parametrize("name, expected", [
    ("FILE <list[str]>", "FILE..."), ("FILE... <list[str]>", "FILE..."), ("ID <str>", "ID"), ("DIR <path>", "DIR"),
    ("DIR", "DIR"),
    ("--ca-file FILE", "--ca-file FILE"), ("-t, --timeout <float>", "-t, --timeout <float>"),
])
def test_an_arguments_name_without_its_type_label(name, expected):
    from diagnostica.cli.helptext import term

    assert term(name) == expected


def test_a_group_named_alone_is_a_request_for_its_help(cli):
    run = cli("rules")
    assert (run.code, run.err) == (0, "") and run.out.startswith("Uso: diagnostica rules [OPZIONI] COMANDO")


def test_completion_is_installed_and_said_in_italian(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("typer._completion_shared._get_shell_name", lambda: "bash")
    run = cli("--install-completion", env={"HOME": str(tmp_path)})
    script = tmp_path / ".bash_completions" / "diagnostica.sh"
    assert (run.code, run.err) == (0, "") and run.out == \
        f"Completamento automatico per bash installato in {script}: vale dal prossimo terminale aperto.\n"
    assert "_DIAGNOSTICA_COMPLETE" in script.read_text() and f"source '{script}'" in (tmp_path / ".bashrc").read_text()


def test_completion_for_an_unknown_shell_is_one_italian_line(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("typer._completion_shared._get_shell_name", lambda: "tcsh")
    run = cli("--install-completion", env={"HOME": str(tmp_path)})
    assert run.code == 2 and run.out == "" and run.err.count("\n") == 1 and "«tcsh» non è tra" in run.err
    assert list(tmp_path.iterdir()) == []


def test_all_commands_are_listed():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"check", "dns", "report", "ask", "rules", "rules lint", "rules test", "rules preview",
            "rules docs", "rules schema", "rules list", "rules show"} <= names


@pytest.mark.parametrize("args, expected", [
    (["chek"], "comando sconosciuto «chek» (forse intendevi «check»?)"),
    (["check", "--timout", "3"], "opzione sconosciuta --timout (forse intendevi «--timeout»?)"),
    (["rules", "show"], "manca ID"),
    (["check", "--format"], "l'opzione --format vuole un valore"),
    (["check", "--timeout", "abc"], "valore non valido per --timeout: «abc» non è un numero;"),
    (["serve", "--port", "8o"], "valore non valido per --port: «8o» non è un numero intero;"),
    (["rules", "lint", "a", "b", "c"], "argomenti in più: b c;"),
])
def test_usage_errors_are_one_italian_line_exit_2(cli, args, expected):
    run = cli(*args)
    assert run.code == 2
    assert run.err.count("\n") == 1 and expected in run.err
