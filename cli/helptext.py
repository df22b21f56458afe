"""The help pages in Italian, like the help texts they frame; and typer's completion installer's words.

Every option's and command's help is written in Italian next to it; the words around them -- "Usage:",
the section headings, "[default: …]", the help option's and the completion options' own lines -- are
typer's and click's, in English.  Click builds every help page through the context's formatter
(``Context.formatter_class``, its extension point for this), so one formatter says them in Italian,
before the lines are wrapped: the columns and the wrapping stay click's.  The help is Italian whatever
``--lang`` says, as are the texts it frames; ``--lang`` chooses the language of what a command prints.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Iterable

import typer

USAGE_PREFIX = "Uso: "
HEADINGS = {"Options": "Opzioni", "Arguments": "Argomenti", "Commands": "Comandi"}
#: The usage line's own words (click's and typer's placeholders).
USAGE_WORDS = {"[OPTIONS]": "[OPZIONI]", "COMMAND": "COMANDO", "[ARGS]...": "[ARGOMENTI]..."}
#: Whole help lines that typer and click write for the options they add themselves.
LINES = {
    "Show this message and exit.": "Mostra questo aiuto ed esce.",
    "Install completion for the current shell.": "Installa il completamento automatico per la shell in uso.",
    "Show completion for the current shell, to copy it or customize the installation.":
        "Mostra lo script di completamento automatico per la shell in uso, da copiare o per personalizzarne "
        "l'installazione.",
    # (typer's words when _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION asks for the shell to be named)
    "Install completion for the specified shell.": "Installa il completamento automatico per la shell indicata.",
    "Show completion for the specified shell, to copy it or customize the installation.":
        "Mostra lo script di completamento automatico per la shell indicata, da copiare o per personalizzarne "
        "l'installazione.",
}
#: The notes typer puts in brackets at the end of a help line: "[default: 5.0]", "[required]".
NOTES = {"default": "predefinito", "required": "obbligatorio", "env var": "variabile d'ambiente"}

_NOTE = re.compile(r"(?:^|  )\[(?P<notes>[^\[\]]*)\]$")
# An argument's name is followed by typer's Python label of its type ("FILE <list[str]>", "ID <str>"):
# the name and the help already say what to write.  A list is shown as click shows a repeatable name.
_TYPE_LABEL = re.compile(r" <(?P<label>[^<>]*)>$")


def _note(note: str) -> str:
    name, colon, value = note.partition(":")
    translated = NOTES.get(name.strip())
    if translated is None:
        return note
    return f"{translated}{colon}{value}"


def help_line(text: str) -> str:
    """One help line (the second column of an option or a command) in Italian."""
    text = LINES.get(text, text)
    found = _NOTE.search(text)
    if found:
        notes = "; ".join(_note(n) for n in found["notes"].split("; "))
        text = f"{text[:found.start('notes') - 1]}[{notes}]"
    return text


def term(name: str) -> str:
    """The first column: an argument's name without typer's type label."""
    found = _TYPE_LABEL.search(name)
    if not found or name.startswith("-"):  # an option shows its value's metavar, in words already
        return name
    name = name[:found.start()]
    return name + "..." if found["label"].startswith("list[") and not name.endswith("...") else name


#: click's formatter, as the context names it (typer >= 0.20 vendors click: no import path to spell out).
_Formatter: Any = typer.Context.formatter_class


class ItalianHelpFormatter(_Formatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        words = " ".join(USAGE_WORDS.get(word, word) for word in args.split(" "))
        super().write_usage(prog, words, USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS.get(heading, heading))

    def write_dl(self, rows: Iterable[tuple[str, str]], *args: object, **kwargs: object) -> None:
        super().write_dl([(term(name), help_line(text)) for name, text in rows], *args, **kwargs)


class ItalianContext(typer.Context):
    # Only click's plain help goes through the formatter: the app keeps typer's rich help off
    # (rich_markup_mode=None in cli/main.py, which its sub-apps inherit).
    formatter_class = ItalianHelpFormatter


#: The shells typer installs completion for (``typer._completion_shared.install``).
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def install_completion(ctx: Any, param: Any, value: Any) -> Any:
    """``--install-completion``: typer's own installation, told in Italian (typer's callback prints its
    outcome in English, and an unknown shell as an English line with exit 1)."""
    if not value or ctx.resilient_parsing:
        return value
    from typer._completion_shared import _get_shell_name, install  # the pinned release's (pyproject.toml)

    shell = value if isinstance(value, str) else _get_shell_name()
    if shell not in SHELLS:
        print(f"diagnostica: la shell «{shell or '?'}» non è tra quelle per cui si installa il completamento "
              f"automatico: {', '.join(SHELLS[:4])}", file=sys.stderr)
        raise typer.Exit(2)
    shell, path = install(shell=shell)
    print(f"Completamento automatico per {shell} installato in {path}: vale dal prossimo terminale aperto.")
    raise typer.Exit(0)


def localise(command: object) -> None:
    """Give ``command`` and every command below it the Italian help pages (and the root its completion
    installer's words)."""
    command.context_class = ItalianContext  # type: ignore[attr-defined]
    for param in getattr(command, "params", ()):
        if "--install-completion" in getattr(param, "opts", ()):
            param.callback = install_completion
    for sub in getattr(command, "commands", {}).values():
        localise(sub)
