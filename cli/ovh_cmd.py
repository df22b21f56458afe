"""``diagnostica ovh EMAIL``: the facts from the OVHcloud API, evaluated and rendered like ``check``."""
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
    KbOption,
    LangOption,
    NameserverOption,
    NoCacheOption,
    check_format,
    load_kb,
    renderer_for,
    write,
)


def ovh(
    email: Optional[str] = typer.Argument(None, metavar="EMAIL", help="L'indirizzo dell'account Exchange o Email Pro (non con --all)."),
    organization: Optional[str] = typer.Option(None, "--organization", metavar="NOME", help="Organizzazione Exchange (altrimenti cercata)."),
    service: Optional[str] = typer.Option(None, "--service", metavar="NOME", help="Servizio Exchange o Email Pro (altrimenti cercato)."),
    product: Optional[str] = typer.Option(None, "--product", metavar="[exchange|pro]", help="exchange o pro, se l'indirizzo esiste in entrambi."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", metavar="ENDPOINT|URL", help="Endpoint dell'API: ovh-eu, ovh-ca, … oppure un URL (anche OVH_ENDPOINT)."),
    timeout: float = typer.Option(30.0, "--timeout", metavar="SECONDI", help="Secondi concessi a ogni chiamata all'API."),
    new: bool = typer.Option(False, "--new", help="Avvia una nuova diagnostica (chiede la password dell'account) e ne attende il risultato."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Con --new: legge la password dalla prima riga dello standard input."),
    create_key: bool = typer.Option(False, "--create-key", help="Mostra come creare una consumer key con i soli diritti necessari (con --new anche quelli per avviare la diagnostica)."),
    every: bool = typer.Option(False, "--all", help="Con --service: tutti gli account del servizio, una riga JSON per account."),
    concurrency: int = typer.Option(8, "--concurrency", metavar="N", help="Con --all: account letti contemporaneamente."),
    wait: float = typer.Option(900.0, "--wait", metavar="SECONDI", help="Con --new: secondi di attesa massima della diagnostica."),
    collect_dns: bool = typer.Option(False, "--collect-dns", help="Aggiunge le verifiche DNS dal vivo del dominio dell'account."),
    nameserver: Optional[List[str]] = NameserverOption,
    fmt: str = typer.Option("text", "--format", metavar="[text|markdown|json|ticket]", help=FORMAT_HELP),
    lang: str = LangOption,
    audience: str = AudienceOption,
    kb_dir: Optional[Path] = KbOption,
    explain: bool = ExplainOption,
    no_cache: bool = NoCacheOption,
) -> int:
    """Legge dall'API OVHcloud la diagnostica e lo stato dell'account e stampa diagnosi e rimedi.

    Codici di uscita: 0 nessun problema, 1 problemi trovati (o verifica non completata; con --all: almeno un
    account non a posto), 2 chiavi, account, servizio o opzioni non validi.
    """
    from diagnostica.engine.ovh import account
    from diagnostica.engine.ovh import api as ovhapi
    from diagnostica.engine.ovh import collect as ovhfacts
    from diagnostica.engine.present import compose
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    if product is not None and product not in ovhfacts.PRODUCTS:
        raise errors.InputError("ovh_bad_product", errors.Location("--product"), value=product)
    if password_stdin and not new:
        raise errors.InputError("ovh_password_without_new", errors.Location("--password-stdin"))
    if wait <= 0:
        raise errors.InputError("ovh_bad_wait", errors.Location("--wait"), value=wait)
    if create_key:
        return print_key_request(endpoint, new, fmt, lang, kb_dir, no_cache)
    if every:
        if collect_dns:
            raise errors.InputError("ovh_all_and_collect_dns", errors.Location("--collect-dns"))
        return run_all(email, service, organization, product, new, concurrency, endpoint, timeout, lang,
                       kb_dir, no_cache)
    if email is None:
        raise errors.InputError("ovh_email_missing", errors.Location("EMAIL"))
    kb = load_kb(kb_dir, no_cache)
    renderer = renderer_for(kb, lang, audience)  # a wrong --lang or --audience stops us before any call
    source = None
    if collect_dns or nameserver:
        from diagnostica.engine.dns.gather import live_source

        if not collect_dns:
            raise errors.InputError("ovh_nameserver_without_collect_dns", errors.Location("--nameserver"))
        source = live_source(nameserver)  # a bad --nameserver stops us before any call too
    client = ovhapi.connect(endpoint, timeout=timeout)
    diagnosis = new_diagnosis(renderer, password_stdin, wait) if new else None
    try:
        found = account.diagnose(kb, client, email, organization=organization, service=service, product=product,
                                 new=diagnosis, dns_source=source)
    finally:
        if diagnosis is not None and diagnosis.progress is not None:
            sys.stderr.write("\n")  # end the progress line, whatever happened
    document = compose.from_api(kb, found.result, found.report, renderer, explain=explain,
                                dns_report=found.dns_report)
    # A refused or unanswered read: not "healthy".
    return write(document, fmt, 1 if found.result.problems_found or found.report.failed else 0)


def print_key_request(endpoint, new: bool, fmt: str, lang: str, kb_dir, no_cache) -> int:
    """--create-key: the URL and the exact access rules; no network call, no key needed."""
    import json

    from diagnostica.engine.ovh import api as ovhapi
    from diagnostica.engine.ovh import keys

    if fmt not in ("text", "json"):
        raise errors.InputError("ovh_create_key_format", errors.Location("--format"), value=fmt)
    _, url = ovhapi.resolve_endpoint(endpoint)
    body = {"accessRules": [rule.to_json() for rule in keys.access_rules(new)]}
    if fmt == "json":
        sys.stdout.write(json.dumps({"url": keys.credential_url(url), **body}, indent=2) + "\n")
        return 0
    from diagnostica.engine.present.apicalls import key_request

    sys.stdout.write(key_request(renderer_for(load_kb(kb_dir, no_cache), lang), keys.credential_url(url),
                                 body["accessRules"], new))
    return 0


def run_all(email, service, organization, product, new, concurrency, endpoint, timeout, lang, kb_dir,
            no_cache) -> int:
    """--all: every account of the service, one JSON line each in the listing's order; exit 1 if any is not ok."""
    import json

    from diagnostica.engine.ovh import api as ovhapi
    from diagnostica.engine.ovh import batch
    from diagnostica.engine.present.controls import json_safe

    if email is not None:
        raise errors.InputError("ovh_all_and_email", errors.Location("EMAIL"), email=email)
    if service is None:
        raise errors.InputError("ovh_all_without_service", errors.Location("--all"))
    if new:  # one password per account: not a batch operation
        raise errors.InputError("ovh_all_and_new", errors.Location("--new"))
    if not 1 <= concurrency <= batch.MAX_CONCURRENCY:
        raise errors.InputError("ovh_bad_concurrency", errors.Location("--concurrency"), value=concurrency,
                                limit=batch.MAX_CONCURRENCY)
    kb = load_kb(kb_dir, no_cache)
    renderer = renderer_for(kb, lang)

    def connect():
        return ovhapi.connect(endpoint, timeout=timeout)

    shared = ovhapi.SharedReads()  # the service's answer, read by the listing, is every account's
    product, organization, emails = batch.service_accounts(connect(), service, organization=organization,
                                                           product=product, shared=shared)
    progress = progress_count(renderer) if sys.stderr.isatty() else None
    worst = 0
    try:
        for line in batch.run_all(connect, emails, kb, renderer, product=product, organization=organization,
                                  service=service, concurrency=concurrency, progress=progress, shared=shared):
            sys.stdout.write(json_safe(json.dumps(line, ensure_ascii=False)) + "\n")
            sys.stdout.flush()
            worst = max(worst, 0 if line["status"] == "ok" else 1)
    finally:
        if progress is not None:
            sys.stderr.write("\n")
    return worst


def progress_count(renderer):
    def show(done: int, total: int) -> None:
        sys.stderr.write("\r\033[K" + renderer.text("ovh.progress_all", done=done, total=total))
        sys.stderr.flush()

    return show


def new_diagnosis(renderer, from_stdin: bool, wait: float):
    """The password (a prompt without echo, or stdin's first line; never an argument) and the progress line."""
    import getpass

    from diagnostica.engine.ovh.diagnose import NewDiagnosis

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(renderer.text("ovh.password_prompt") + " ")
    if not password:
        raise errors.InputError("ovh_empty_password", errors.Location("--password-stdin" if from_stdin else "--new"))
    return NewDiagnosis(password, wait, progress_line(renderer) if sys.stderr.isatty() else None)


def progress_line(renderer):
    """A progress indicator rewritten in place on a terminal's stderr (the diagnostic takes minutes)."""
    from diagnostica.engine.present.apicalls import task_progress

    def show(task, status: str, waited: float) -> None:
        sys.stderr.write("\r\033[K" + task_progress(renderer, task, status, waited))
        sys.stderr.flush()

    return show
