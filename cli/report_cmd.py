"""``diagnostica report FILE|-``: the panel's diagnostic as pasted text, or the API's JSON."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from diagnostica.engine import errors

from .common import (
    FORMAT_HELP,
    AudienceOption,
    ExplainOption,
    FactOption,
    KbOption,
    LangOption,
    MaxSizeOption,
    check_format,
    load_kb,
    max_size,
    renderer_for,
    write,
)

CompleteOption = typer.Option(
    False, "--complete",
    help="Il testo è il risultato completo della diagnostica: i controlli che non compaiono sono riusciti.")


def report(
    source: str = typer.Argument(..., metavar="FILE|-",
                                 help="Il testo della diagnostica copiato dallo Spazio Cliente, oppure il JSON "
                                      "di diagnostica dell'API; - per lo standard input."),
    fact: Optional[List[str]] = FactOption,
    complete: bool = CompleteOption,
    fmt: str = typer.Option("text", "--format", metavar="[text|markdown|json|ticket]", help=FORMAT_HELP),
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    explain: bool = ExplainOption,
    audience: str = AudienceOption,
    max_size_bytes: Optional[int] = MaxSizeOption,
) -> int:
    """Legge il risultato della diagnostica incollato (testo del pannello o JSON dell'API) e lo valuta.

    Riconosce le righe «ATTENZIONE: ...» (anche «IMPORTANT:» e «ATTENTION :»), elenca quelle che non
    capisce e stampa diagnosi e rimedi. Codici di uscita: 0 nessun problema, 1 problemi trovati, 2 input non valido
    (anche quando nessuna riga è stata riconosciuta).
    """
    from diagnostica.engine.inputs import facts as facts_mod
    from diagnostica.engine.inputs.report import read_report
    from diagnostica.engine.present import compose
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    kb = load_kb(kb_dir)
    gathered, reading = read_report(kb, source, complete, max_size(max_size_bytes))
    for option in fact or ():
        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    result, document = compose.pasted(kb, gathered, reading, renderer_for(kb, lang, audience), explain=explain)
    if reading is not None and not gathered.values:  # what was read, then why no report follows
        if fmt == "text" and audience != "cliente":
            sys.stdout.write("\n".join(document.preface) + "\n\n")
        else:
            sys.stderr.write("\n".join(document.preface) + "\n")
        raise errors.InputError("report_nothing_recognised_cli", errors.Location("<stdin>" if source == "-" else source))
    if reading is not None and fmt == "ticket" and reading.unrecognised:  # the ticket stays clean
        sys.stderr.write("\n".join(document.preface) + "\n")
    return write(document, fmt, 1 if result.problems_found else 0)
