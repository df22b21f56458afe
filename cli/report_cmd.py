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
    use_color,
)

CompleteOption = typer.Option(
    False, "--complete",
    help="Il testo è il risultato completo della diagnostica: i controlli che non compaiono sono riusciti.")


def report_document(kb, gathered, reading, *, lang: str, explain: bool = False, audience: str = "agente"):
    """(result, document, renderer): the JSON document of ``report`` (the web API's too), evidence and lines read
    included."""
    from diagnostica.engine.inputs import facts as facts_mod
    from diagnostica.engine.present.reading import fact_sources, reading_json

    from .common import document_for

    facts_mod.with_context(gathered, kb.catalogue)
    result = kb.evaluate(gathered.values)
    document, renderer = document_for(kb, result, lang=lang, explain=explain, secrets=gathered.secrets,
                                      audience=audience)
    document["evidence"] = fact_sources(renderer, gathered.sources, reading)
    if reading is not None:
        document["report"] = reading_json(reading)
    return result, document, renderer


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
    capisce e stampa diagnosi e rimedi. Exit code: 0 nessun problema, 1 problemi trovati, 2 input non valido
    (anche quando nessuna riga è stata riconosciuta).
    """
    from diagnostica.engine.inputs import facts as facts_mod
    from diagnostica.engine.inputs.report import read_report
    from diagnostica.engine.present.reading import reading_lines
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    kb = load_kb(kb_dir)
    gathered, reading = read_report(kb, source, complete, max_size(max_size_bytes))
    for option in fact or ():
        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    result, document, renderer = report_document(kb, gathered, reading, lang=lang, explain=explain,
                                                 audience=audience)
    if reading is not None:
        if fmt == "text" and audience != "cliente":  # what was read, before what it means
            sys.stdout.write("\n".join(reading_lines(reading, renderer)) + "\n\n")
        elif not gathered.values or (fmt == "ticket" and reading.unrecognised):  # the ticket stays clean
            sys.stderr.write("\n".join(reading_lines(reading, renderer)) + "\n")
        if not gathered.values:
            raise errors.InputError("report_nothing_recognised", errors.Location(
                "<stdin>" if source == "-" else source))
    color = fmt == "text" and use_color()
    sys.stdout.write(REPORTERS[fmt](document, renderer, color))
    if reading is not None and fmt == "markdown" and audience != "cliente":  # a section of the document, after its title
        sys.stdout.write("\n" + "\n".join(reading_lines(reading, renderer, "## ")) + "\n")
    return 1 if result.problems_found else 0
