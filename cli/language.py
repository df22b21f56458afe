"""The ``--lang`` of a command line, read before typer does: errors (and Ctrl-C) are phrased in it."""
from __future__ import annotations


def chosen_lang(argv: list[str]) -> str:
    for index, arg in enumerate(argv):
        if arg in ("--lang", "-l") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return "it"
