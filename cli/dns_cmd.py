"""``diagnostica dns``: ask the DNS (or read a zone file), then evaluate like ``check``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from diagnostica.engine import errors

from .common import (
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
    TimeoutOption,
    check_format,
    gather_facts,
    load_kb,
    max_size,
    renderer_for,
    write,
)


def dns(
    domain: Optional[str] = typer.Argument(None, metavar="DOMINIO", help="Il dominio da verificare, anche in Unicode (città.it)."),
    offer: Optional[str] = typer.Option(None, "--offer", metavar="[hosted|private]", help="Offerta Exchange: hosted o private."),
    pop_imap: Optional[str] = typer.Option(None, "--pop-imap", metavar="[none|ovh|external]", help="Caselle POP/IMAP del dominio: none, ovh o external."),
    exchange_server: Optional[str] = typer.Option(None, "--exchange-server", metavar="HOST", help="Server dell'account, per esempio ex2.mail.ovh.net."),
    private_hostname: Optional[str] = typer.Option(None, "--private-hostname", metavar="HOST", help="Hostname del server Exchange Private."),
    nameserver: Optional[List[str]] = NameserverOption,
    timeout: float = TimeoutOption,
    zone_file: Optional[str] = typer.Option(None, "--zone-file", metavar="FILE", help="Legge i record da un file di zona BIND invece che dal DNS."),
    batch: Optional[str] = typer.Option(None, "--batch", metavar="FILE|-", help="File con un dominio per riga (o JSON Lines con fatti per dominio); - per lo standard input."),
    concurrency: int = typer.Option(None, "--concurrency", metavar="N", help="Con --batch: domini e interrogazioni contemporanei (predefinito 64)."),
    checks: Optional[str] = ChecksOption,
    fetch_https: bool = FetchHttpsOption,
    ca_file: Optional[str] = CaFileOption,
    fact: Optional[List[str]] = FactOption,
    fmt: str = typer.Option("text", "--format", metavar="[text|markdown|json]", help="Formato: text, markdown, json (con --batch sempre JSON Lines)."),
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    explain: bool = ExplainOption,
    audience: str = AudienceOption,
    max_size_bytes: Optional[int] = MaxSizeOption,
) -> int:
    """Interroga il DNS del dominio (MX, SRV di autodiscover, SPF, DMARC, DKIM, MTA-STS, DNSSEC) e stampa diagnosi e rimedi.

    Codici di uscita: 0 nessun problema, 1 problemi trovati (o verifica non completata), 2 input non valido.
    """
    from diagnostica.engine.dns import batch as dnsbatch
    from diagnostica.engine.dns import collect as dnsfacts
    from diagnostica.engine.dns import domain as dnsdomain
    from diagnostica.engine.present.reporters import REPORTERS

    kb = load_kb(kb_dir)
    renderer = renderer_for(kb, lang, audience)  # an unknown language or audience stops us before any lookup
    given = dnsdomain.option_facts(kb, {"offer": offer, "pop_imap": pop_imap, "exchange_server": exchange_server,
                                        "private_hostname": private_hostname})
    given.update(gather_facts(kb, [], fact).values)
    chosen = dnsfacts.parse_checks(checks)
    limit_bytes = max_size(max_size_bytes)  # a zone file read whole, each line of a batch
    fetcher = dnsdomain.policy_fetcher(fetch_https, ca_file, timeout)
    if batch is not None:
        if domain is not None:
            raise errors.InputError("dns_domain_and_batch", errors.Location("DOMINIO"))
        if zone_file is not None:
            raise errors.InputError("dns_batch_zone", errors.Location("--zone-file"))
        limit = dnsbatch.DEFAULT_CONCURRENCY if concurrency is None else concurrency
        if not 1 <= limit <= dnsbatch.MAX_CONCURRENCY:
            raise errors.InputError("dns_bad_concurrency", errors.Location("--concurrency"), value=limit,
                                    limit=dnsbatch.MAX_CONCURRENCY)
        return run_batch(batch, live_source(nameserver, timeout), kb, renderer, given, limit, chosen, limit_bytes,
                         fetcher)
    check_format(fmt, REPORTERS)
    where = dnsdomain.records(domain, zone_file, nameserver, timeout, limit_bytes)
    report, result = dnsdomain.diagnose(kb, where, given, chosen, fetcher)
    return emit_with_dns(kb, result, report, fmt=fmt, lang=lang, explain=explain, audience=audience)


def live_source(nameservers: list[str] | None, timeout: float):
    from diagnostica.engine.dns import gather

    return gather.live_source(nameservers, timeout)


def emit_with_dns(kb, result, report, *, fmt: str, lang: str, explain: bool, secrets=(),
                  audience: str = "agente") -> int:
    """Like common.emit, with the DNS evidence: a section in text and Markdown, ``dns`` in JSON."""
    from diagnostica.engine.present import compose

    document = compose.with_dns(kb, result, report, renderer_for(kb, lang, audience), explain=explain,
                                secrets=secrets)
    return write(document, fmt, 1 if result.problems_found else 0)


def run_batch(path: str, source, kb, renderer, given: dict, concurrency: int, checks=None,
              line_limit: int | None = None, fetcher=None) -> int:
    import gc
    import json

    from diagnostica.engine.dns import batch as dnsbatch
    from diagnostica.engine.inputs.facts import DEFAULT_MAX_SIZE, bounded_lines
    from diagnostica.engine.present.controls import json_safe

    stream, display = _open(path)
    total = _count(path) if sys.stderr.isatty() and path != "-" else None
    progress = _Progress(renderer.text("dns.progress"), total) if sys.stderr.isatty() else None

    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every line, as json.dumps would make

    async def main() -> int:
        code = 0
        items = dnsbatch.iter_items(bounded_lines(stream, line_limit or DEFAULT_MAX_SIZE), display, kb)
        async for result in dnsbatch.run(items, source, kb, renderer, given, concurrency,
                                            checks if checks is not None else frozenset(dnsbatch.CHECKS),
                                            fetcher):
            sys.stdout.write(json_safe(encode(result)) + "\n")
            sys.stdout.flush()
            if result["status"] != "ok":
                code = 1
            if progress:
                progress.step()
        return code

    # What is loaded by now (modules, the knowledge base, templates) lives until the end: kept out
    # of the garbage collector's sight, the collections the lookups' garbage triggers stay short.
    # Thawed again at the end, unless the caller had frozen objects itself: main() run in a longer
    # process (the in-process tests, a caller of the library) must leave the collector as it found it;
    # left frozen, every later load of a knowledge base there kept its objects in the young
    # generations and counted the frozen ones at each load (engine/run/load.py).
    thaw = not gc.get_freeze_count()
    # kb.evaluate's driver built first, to be frozen with the rest: built under the freeze, its build counted
    # every frozen object (see engine/run/collector.py).
    kb.plan().runner(False)
    gc.freeze()
    import asyncio  # here: --help lists this command without loading the event loop

    try:
        return asyncio.run(main())
    finally:
        if thaw:
            gc.unfreeze()
        if progress:
            progress.close()
        if stream is not sys.stdin:
            stream.close()


def _open(path: str):
    from diagnostica.engine.inputs.facts import read_text

    if path == "-":
        return sys.stdin, "<stdin>"
    try:
        return open(path, encoding="utf-8", errors="replace"), path  # streamed: a batch may be larger than memory
    except OSError:
        read_text(path)  # raises the usual message (not found, directory, unreadable)
        raise


def _count(path: str) -> int:
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip() and not line.lstrip().startswith(b"#"))


class _Progress:
    """A progress bar on stderr, for terminals only (the JSON Lines go to stdout)."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0

    def step(self) -> None:
        self.done += 1
        if self.total:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "." * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {self.label}")
        else:
            sys.stderr.write(f"\r{self.done} {self.label}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()
