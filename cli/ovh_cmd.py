"""``diagnostica ovh ACCOUNT_EMAIL``: the facts from the OVHcloud API, evaluated and rendered like ``check``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from diagnostica.engine import errors

from .common import FORMAT_HELP, ExplainOption, KbOption, LangOption, NoCacheOption, check_format, load_kb


def ovh(
    email: str = typer.Argument(..., metavar="ACCOUNT_EMAIL", help="L'indirizzo dell'account Exchange o Email Pro."),
    organization: Optional[str] = typer.Option(None, "--organization", help="Organizzazione Exchange (altrimenti cercata)."),
    service: Optional[str] = typer.Option(None, "--service", help="Servizio Exchange o Email Pro (altrimenti cercato)."),
    product: Optional[str] = typer.Option(None, "--product", help="exchange o pro, se l'indirizzo esiste in entrambi."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Endpoint dell'API: ovh-eu, ovh-ca, … oppure un URL (anche OVH_ENDPOINT)."),
    timeout: float = typer.Option(30.0, "--timeout", help="Secondi concessi a ogni chiamata all'API."),
    fmt: str = typer.Option("text", "--format", help=FORMAT_HELP),
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    explain: bool = ExplainOption,
    no_cache: bool = NoCacheOption,
) -> int:
    """Legge dall'API OVHcloud la diagnostica e lo stato dell'account e stampa diagnosi e rimedi.

    Exit code: 0 nessun problema, 1 problemi trovati (o verifica non completata), 2 chiavi, account o
    servizio non validi.
    """
    from diagnostica.engine.ovh import api as ovhapi
    from diagnostica.engine.ovh import collect as ovhfacts
    from diagnostica.engine.present.render import Renderer
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    if product is not None and product not in ovhfacts.PRODUCTS:
        raise errors.InputError("ovh_bad_product", errors.Location("--product"), value=product)
    kb = load_kb(kb_dir, no_cache)
    renderer = Renderer(kb, lang)  # an unknown language stops us before any call
    client = ovhapi.connect(endpoint, timeout=timeout)
    report = ovhfacts.collect(client, email, kb.catalogue, kb.data, organization=organization, service=service,
                              product=product)
    result = kb.evaluate(report.facts)
    return emit_with_api(kb, result, report, renderer, fmt=fmt, explain=explain)


def emit_with_api(kb, result, report, renderer, *, fmt: str, explain: bool) -> int:
    """Like common.emit, with the API's evidence: a section in text and Markdown, ``ovh`` in JSON."""
    from diagnostica.engine.present import document as presentation
    from diagnostica.engine.present.reporters import REPORTERS

    document = presentation.build(kb, result, renderer, explain=explain)
    document["ovh"] = report.to_json()
    document["ovh"]["notes"] = notes(report, renderer)
    document["evidence"] = {name: evidence_text(report.call_of(name), renderer) for name in report.evidence}
    color = fmt == "text" and sys.stdout.isatty()
    out = REPORTERS[fmt](document, renderer, color)
    if fmt in ("text", "markdown"):
        out += "\n".join(section(report, renderer, markdown=fmt == "markdown", explain=explain)) + "\n"
    elif fmt == "ticket":
        out += "".join(f"\n{line}" for line in document["ovh"]["notes"]) + ("\n" if document["ovh"]["notes"] else "")
    sys.stdout.write(out)
    return 1 if result.problems_found or report.failed else 0  # a refused or unanswered read: not "healthy"


def evidence_text(call, renderer) -> str:
    return renderer.text("ovh.evidence", method=call.method, path=call.path, at=call.at, status=call.status or "-")


def notes(report, renderer) -> list[str]:
    """The warnings and the calls whose facts stay unknown, in words."""
    t = renderer.text
    lines = [t(f"ovh.warning.{w['code']}", **{k: v for k, v in w.items() if k != "code"}) for w in report.warnings]
    for call in report.failed:
        what = f"{call.method} {call.path}"
        if call.outcome == "refused":
            lines.append(t("ovh.refused", call=what, code=f"HTTP {call.status} {call.error_code or ''}".strip()))
        else:
            lines.append(t("ovh.unchecked", call=what, outcome=t(f"ovh.outcome.{call.outcome}")))
    return lines


def section(report, renderer, *, markdown: bool, explain: bool) -> list[str]:
    t = renderer.text
    title = t("ovh.title", endpoint=report.endpoint, product=report.product or "-", service=report.service or "-")
    lines = ["", f"## {title}" if markdown else f"{title}:"]
    bullet = "- " if markdown else " - "
    for line in notes(report, renderer):
        lines.append(bullet + line)
    calls = report.calls if explain else [c for c in report.calls if c.reads]
    for call in calls:
        lines.append(bullet + t("ovh.call", method=call.method, path=call.path, outcome=t(f"ovh.outcome.{call.outcome}"),
                                status=call.status or "-", at=call.at, duration=call.duration_ms))
    return lines
