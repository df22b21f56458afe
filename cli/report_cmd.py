"""``diagnostica report FILE|-``: the panel's diagnostic as pasted text, or the API's JSON."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from diagnostica.engine import errors

from .common import use_color, FORMAT_HELP, ExplainOption, FactOption, KbOption, LangOption, check_format, load_kb

CompleteOption = typer.Option(
    False, "--complete",
    help="Il testo è il risultato completo della diagnostica: i controlli che non compaiono sono riusciti.")


def read_report(kb, source: str, complete: bool = False):
    """(FactSet, PanelReading or None) from a pasted panel text or the API's diagnosis JSON."""
    from diagnostica.engine.inputs import facts as facts_mod
    from diagnostica.engine.inputs import panel

    text, display = facts_mod.read_text(source)
    if not text.strip():
        raise errors.InputError("report_empty", errors.Location(display))
    if text.lstrip().startswith(("{", "[")):  # the API's diagnosis JSON (or any JSON facts file)
        return facts_mod.parse_facts_text(text, display, kb.catalogue, kb.data), None
    reading = panel.read(text, kb.data, kb.catalogue, display=display, complete=complete)
    return reading.facts, reading


def evidence(renderer, sources: dict[str, str], reading=None) -> dict[str, str]:
    """Where each starting fact came from, in words, for the ticket."""
    found = {name: renderer.text("ask.evidence.source", source=where) for name, where in sources.items()}
    if reading is not None:
        for line in reading.recognised:
            found[line.fact] = renderer.text("ask.evidence.report", line=line.first_line, text=line.text)
        for name, where in reading.facts.sources.items():
            if where.endswith("(--complete)"):
                found[name] = renderer.text("ask.evidence.report_complete")
    return found


def reading_json(reading) -> dict:
    from diagnostica.engine.present.document import jsonable

    return {
        "recognised": [{"line": r.first_line, "last_line": r.last_line, "check": r.check, "fact": r.fact,
                        "value": jsonable(r.value), "text": r.text} for r in reading.recognised],
        "unrecognised": [{"line": u.line, "text": u.text, "warning": u.warning} for u in reading.unrecognised],
    }


def reading_lines(reading, renderer, heading: str = "") -> list[str]:
    """The recognised and unrecognised lines, for people."""
    t = renderer.text
    lines = [heading + t("panel.recognised_title") + ":"]
    for r in reading.recognised:
        lines.append(t("panel.recognised_line", line=r.first_line, label=renderer.fact_label(r.fact),
                       value=renderer.value(r.value, r.fact)))
    if not reading.recognised:
        lines.append(t("panel.nothing_recognised"))
    if reading.unrecognised:
        lines += ["", heading + t("panel.unrecognised_title") + ":"]
        for u in reading.unrecognised:
            key = "panel.unrecognised_warning" if u.warning else "panel.unrecognised_other"
            lines.append(t(key, line=u.line, text=u.text))
    return lines


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
) -> int:
    """Legge il risultato della diagnostica incollato (testo del pannello o JSON dell'API) e lo valuta.

    Riconosce le righe «ATTENZIONE: ...» (anche «IMPORTANT:» e «ATTENTION :»), elenca quelle che non
    capisce e stampa diagnosi e rimedi. Exit code: 0 nessun problema, 1 problemi trovati, 2 input non valido
    (anche quando nessuna riga è stata riconosciuta).
    """
    from diagnostica.engine.inputs import facts as facts_mod
    from diagnostica.engine.present.reporters import REPORTERS

    from .common import document_for

    check_format(fmt, REPORTERS)
    kb = load_kb(kb_dir)
    gathered, reading = read_report(kb, source, complete)
    for option in fact or ():
        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    result = kb.evaluate(gathered.values)
    document, renderer = document_for(kb, result, lang=lang, explain=explain, secrets=gathered.secrets)
    document["evidence"] = evidence(renderer, gathered.sources, reading)
    if reading is not None:
        document["report"] = reading_json(reading)
        if fmt == "text":  # what was read, before what it means
            sys.stdout.write("\n".join(reading_lines(reading, renderer)) + "\n\n")
        elif not gathered.values or (fmt == "ticket" and reading.unrecognised):  # the ticket stays clean
            sys.stderr.write("\n".join(reading_lines(reading, renderer)) + "\n")
        if not gathered.values:
            raise errors.InputError("report_nothing_recognised", errors.Location(
                "<stdin>" if source == "-" else source))
    color = fmt == "text" and use_color()
    sys.stdout.write(REPORTERS[fmt](document, renderer, color))
    if reading is not None and fmt == "markdown":  # a section of the document, after its title
        sys.stdout.write("\n" + "\n".join(reading_lines(reading, renderer, "## ")) + "\n")
    return 1 if result.problems_found else 0
