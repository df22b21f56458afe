"""``diagnostica check``: evaluate facts from files and options."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from diagnostica.engine import errors

from .common import (
    FORMAT_HELP,
    AudienceOption,
    CaFileOption,
    ChecksOption,
    ExplainOption,
    FactOption,
    FetchHttpsOption,
    KbOption,
    LangOption,
    MaxSizeOption,
    NameserverOption,
    NoCacheOption,
    TimeoutOption,
    check_format,
    emit,
    gather_facts,
    load_kb,
    renderer_for,
    write,
)


def check(
    files: List[str] = typer.Argument(None, metavar="FILE", help="File di fatti YAML o JSON (anche il JSON di diagnostica dell'API OVHcloud); - per lo standard input."),
    fact: Optional[List[str]] = FactOption,
    fmt: str = typer.Option("text", "--format", metavar="[text|markdown|json|ticket]", help=FORMAT_HELP),
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    explain: bool = ExplainOption,
    collect_dns: bool = typer.Option(False, "--collect-dns", help="Aggiunge i fatti DNS del dominio (fatto «domain») interrogando il DNS."),
    nameserver: Optional[List[str]] = NameserverOption,
    timeout: float = TimeoutOption,
    checks: Optional[str] = ChecksOption,
    fetch_https: bool = FetchHttpsOption,
    ca_file: Optional[str] = CaFileOption,
    no_cache: bool = NoCacheOption,
    audience: str = AudienceOption,
    max_size: Optional[int] = MaxSizeOption,
) -> int:
    """Valuta i fatti di un account e stampa diagnosi e rimedi.

    Codici di uscita: 0 nessun problema, 1 problemi trovati, 2 input o base di conoscenza non validi.
    """
    kb = load_kb(kb_dir, no_cache)
    if not files and not fact and not collect_dns:
        raise errors.InputError("no_facts")
    if not collect_dns and (checks is not None or fetch_https or ca_file is not None):
        raise errors.InputError("dns_checks_need_collect", errors.Location("--checks"))
    gathered = gather_facts(kb, files or [], fact, max_size)
    if collect_dns:  # the facts name the domain, the DNS adds the rest; what was given wins
        from diagnostica.engine.dns import collect as dnsfacts
        from diagnostica.engine.dns import domain
        from diagnostica.engine.dns.gather import live_source
        from diagnostica.engine.present import compose
        from diagnostica.engine.present.reporters import REPORTERS

        check_format(fmt, REPORTERS)
        renderer = renderer_for(kb, lang, audience)  # a wrong --lang or --audience stops us before any lookup
        report, result = domain.diagnose_facts(kb, gathered, live_source(nameserver, timeout),
                                               dnsfacts.parse_checks(checks),
                                               domain.policy_fetcher(fetch_https, ca_file, timeout))
        document = compose.with_dns(kb, result, report, renderer, explain=explain, secrets=gathered.secrets)
        return write(document, fmt, 1 if result.problems_found else 0)
    result = kb.evaluate(gathered.values)
    return emit(kb, result, fmt=fmt, lang=lang, explain=explain, secrets=gathered.secrets, audience=audience)
