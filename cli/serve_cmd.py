"""``diagnostica serve``: the web pages and the JSON API on uvicorn (the ``web`` extra)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import KbOption, NameserverOption, TimeoutOption, load_kb


def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST",
                             help="Indirizzo su cui ascoltare (predefinito 127.0.0.1: solo da questa macchina)."),
    port: int = typer.Option(8000, "--port", metavar="PORTA", help="Porta TCP su cui ascoltare."),
    kb_dir: Optional[Path] = KbOption,
    nameserver: Optional[List[str]] = NameserverOption,
    timeout: float = TimeoutOption,
) -> int:
    """Avvia le pagine per gli operatori del supporto e l'API JSON (/api/v1/...)."""
    import uvicorn

    from . import dns_cmd
    from .web.app import create_app

    kb = load_kb(kb_dir)  # once, at start: a bad knowledge base stops here with exit 2, not at the first request
    # The Dominio checks' resolver; each lookup bounded by --timeout, so a slow domain holds one request only.
    source = dns_cmd.live_source(nameserver, timeout) if nameserver or timeout != TimeoutOption.default else None
    uvicorn.run(create_app(kb, source), host=host, port=port, log_level="info", server_header=False)
    return 0
