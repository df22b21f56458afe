"""``diagnostica rules schema``: the JSON Schema editors use to check rule files as you type."""
from __future__ import annotations

import json
import sys

import typer

from .common import check_format

KINDS = {"rules": "rules.schema.json", "facts": "facts.schema.json"}


def schema(
    kind: str = typer.Option("rules", "--kind", metavar="[rules|facts]", help="rules (file di regole) o facts (catalogo dei fatti)."),
) -> int:
    """Stampa lo schema JSON dei file di regole (o del catalogo, con --kind facts).

    I file YAML inclusi lo indicano già nella prima riga
    («# yaml-language-server: $schema=...»), così gli editor li controllano mentre scrivi.
    """
    from diagnostica.engine.kb.schema import load_schema

    check_format(kind, KINDS)
    sys.stdout.write(json.dumps(load_schema(KINDS[kind]), ensure_ascii=False, indent=2) + "\n")
    return 0
