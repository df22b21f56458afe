"""``diagnostica serve``: the web pages and the JSON API on uvicorn (the ``web`` extra)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from diagnostica.engine import errors

from .common import KbOption, NameserverOption, TimeoutOption, load_kb


def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST",
                             help="Indirizzo su cui ascoltare (127.0.0.1: solo da questa macchina)."),
    port: int = typer.Option(8000, "--port", metavar="PORTA", help="Porta TCP su cui ascoltare."),
    kb_dir: Optional[Path] = KbOption,
    nameserver: Optional[List[str]] = NameserverOption,
    timeout: float = TimeoutOption,
    dns_checks: int = typer.Option(16, "--dns-checks", metavar="N",
                                   help="Verifiche DNS al massimo in corso contemporaneamente, per tutto il server."),
    check_timeout: float = typer.Option(20.0, "--check-timeout", metavar="SECONDI",
                                        help="Secondi concessi in tutto a ogni verifica DNS richiesta, attesa compresa."),
) -> int:
    """Avvia le pagine per gli operatori del supporto e l'API JSON (/api/v1/...)."""
    import uvicorn
    from diagnostica.engine.dns.gather import live_source

    from .web.app import create_app
    from .web.limits import DnsGate

    if not 1 <= dns_checks <= 1024:
        raise errors.InputError("serve_bad_dns_checks", errors.Location("--dns-checks"), value=dns_checks)
    if not 0 < check_timeout <= 300:  # nan fails both comparisons
        raise errors.InputError("serve_bad_check_timeout", errors.Location("--check-timeout"), value=check_timeout)
    kb = load_kb(kb_dir)  # once, at start: a bad knowledge base stops here with exit 2, not at the first request
    # The Dominio checks' resolver; each lookup bounded by --timeout, so a slow domain holds one request only.
    source = live_source(nameserver, timeout) if nameserver or timeout != TimeoutOption.default else None
    gate = DnsGate(dns_checks, check_timeout)
    uvicorn.run(create_app(kb, source, dns_gate=gate), host=host, port=port, log_level="info", server_header=False)
    return 0
