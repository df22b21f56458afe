"""Options and steps shared by the commands that evaluate facts (check, dns, report, ask)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from diagnostica.engine import errors

FORMAT_HELP = "Formato dell'uscita: text, markdown, json, ticket (riepilogo per la richiesta di supporto)."
LangOption = typer.Option("it", "--lang", "-l", metavar="[it|en]", help="Lingua dei testi: it o en.")
KbOption = typer.Option(None, "--kb", metavar="DIR", help="Cartella di un'altra base di conoscenza (con rules/ e locales/).")
ExplainOption = typer.Option(False, "--explain", help="Spiega anche perché le altre regole non sono scattate.")
FactOption = typer.Option(None, "--fact", "-f", metavar="NOME=VALORE", help="Un fatto NOME=VALORE (ripetibile).")
NameserverOption = typer.Option(
    None, "--nameserver", "-n", metavar="IP[:PORTA]",
    help="Server DNS da interrogare: IP, IP:PORTA o [IPv6]:PORTA (ripetibile). Predefinito: quelli del sistema.")
TimeoutOption = typer.Option(5.0, "--timeout", metavar="SECONDI", help="Secondi concessi a ogni interrogazione DNS.")
TextOrJsonOption = typer.Option("text", "--format", metavar="[text|json]", help="Formato: text o json.")
AudienceOption = typer.Option(
    "agente", "--audience", metavar="[agente|cliente]",
    help="Per chi è il testo: agente (con fonti, comandi, identificativi delle regole) o cliente "
         "(un messaggio da inviare così com'è).")
MaxSizeOption = typer.Option(None, "--max-size", metavar="BYTE",
                             help="Byte al massimo letti da ogni file in ingresso (predefinito 10000000).")
ChecksOption = typer.Option(
    None, "--checks", metavar="ELENCO",
    help="Verifiche DNS da fare, separate da virgole: mx, srv, spf, dmarc, dkim, mta-sts, dnssec (predefinito tutte).")
FetchHttpsOption = typer.Option(
    False, "--fetch-https",
    help="Legge la politica MTA-STS da https://mta-sts.<dominio>/.well-known/mta-sts.txt (certificato sempre verificato).")
CaFileOption = typer.Option(
    None, "--ca-file", metavar="FILE",
    help="Con --fetch-https: certificati PEM delle autorità da accettare al posto di quelle del sistema.")
NoCacheOption = typer.Option(False, "--no-cache", help="Rilegge e ricontrolla la base di conoscenza senza usare la cache.")


def use_color(stream=None) -> bool:
    """The one colour decision (https://no-color.org, FORCE_COLOR): a terminal, unless told otherwise."""
    import os

    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    return stream.isatty()


def writers_dir(kb_dir: Optional[Path], lang: str) -> Optional[Path]:
    """The knowledge base a writer's command works on: the one named, else the one the working folder is in
    (said in one line on stderr, so nobody lints the bundled one by mistake), else None (the bundled one)."""
    if kb_dir is not None:
        return kb_dir
    from diagnostica.engine.kb.cached_texts import format_message  # without parsing the locale's YAML
    from diagnostica.engine.kb.sources import enclosing

    found = enclosing(Path.cwd())
    if found is not None:
        sys.stderr.write(f"diagnostica: {format_message('kb.using_enclosing', lang, folder=str(found))}\n")
    return found


def load_kb(kb_dir: Optional[Path], no_cache: bool = False):
    """The knowledge base, from the cache when its files have not changed (unless --no-cache)."""
    from diagnostica.engine.kb import sources
    from diagnostica.engine.run import load as knowledge

    directory = sources.from_directory(kb_dir) if kb_dir else sources.bundled()
    return knowledge.load(directory, cache=False if no_cache else None)


def max_size(value: int | None) -> int:
    """The --max-size limit in bytes (default 10 MB)."""
    from diagnostica.engine.inputs.facts import DEFAULT_MAX_SIZE

    if value is None:
        return DEFAULT_MAX_SIZE
    if value < 1:
        raise errors.InputError("max_size_invalid", errors.Location("--max-size"))
    return value


def gather_facts(kb, files: list[str], fact_options: list[str] | None, limit: int | None = None):
    """Files first, in order, then --fact options: later values win."""
    from diagnostica.engine.inputs import facts as facts_mod

    gathered = facts_mod.FactSet()
    for path in files:
        gathered.update(facts_mod.load_facts_file(path, kb.catalogue, kb.data, max_size(limit)))
    for option in fact_options or ():
        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    return facts_mod.with_context(gathered, kb.catalogue)


def check_format(fmt: str, available) -> None:
    if fmt not in available:
        raise errors.InputError("unknown_format", errors.Location("--format"), format=fmt,
                                available=", ".join(available))


#: Renderers kept for reuse, by (knowledge base, language, audience, channel): a renderer reads and parses its
#: locale's message files and compiles its templates once, which a server answering many requests (and a
#: command rendering twice) should not repeat.  The knowledge base is held, so an id is never reused.
_RENDERERS: dict[tuple[int, str, str, str], tuple[object, object]] = {}
_RENDERERS_KEPT = 16


def renderer_for(kb, lang: str, audience: str = "agente", channel: str = "terminale"):
    """The Renderer of ``kb`` in ``lang`` for ``audience`` on ``channel`` (the web page passes ``"web"``),
    made once (errors as ``Renderer`` gives them)."""
    from diagnostica.engine.present.render import Renderer

    key = (id(kb), lang, audience, channel)
    kept = _RENDERERS.get(key)
    if kept is not None and kept[0] is kb:
        return kept[1]
    renderer = Renderer(kb, lang, audience=audience, channel=channel)
    if len(_RENDERERS) >= _RENDERERS_KEPT:
        _RENDERERS.pop(next(iter(_RENDERERS)))  # the oldest: a server uses a handful, tests many KBs
    _RENDERERS[key] = (kb, renderer)
    return renderer


def document_for(kb, result, *, lang: str, explain: bool = False, secrets=(), audience: str = "agente",
                 channel: str = "terminale"):
    """The presentation document of ``result`` in ``lang`` for ``audience`` on ``channel`` (see
    ``engine.present.document``)."""
    from diagnostica.engine.present import document as presentation

    return presentation.build(kb, result, renderer_for(kb, lang, audience, channel), explain=explain,
                              secrets=secrets)


def customer_text(kb, result, lang: str) -> str:
    """The message for the customer, as ``--audience cliente`` prints it (no rule ids, no commands)."""
    from diagnostica.engine.present.reporters import REPORTERS

    return REPORTERS["text"](document_for(kb, result, lang=lang, audience="cliente"))


def write(document, fmt: str, code: int, out=None) -> int:
    """The document through the ``fmt`` reporter to stdout (coloured on a terminal); returns ``code``."""
    from diagnostica.engine.present.reporters import REPORTERS

    out = sys.stdout if out is None else out
    out.write(REPORTERS[fmt](document, fmt == "text" and use_color(out)))
    return code


def emit(kb, result, *, fmt: str, lang: str, explain: bool, secrets=(), audience: str = "agente") -> int:
    """Render the result in the chosen format; exit code 1 when problems were found."""
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    document = document_for(kb, result, lang=lang, explain=explain, secrets=secrets, audience=audience)
    return write(document, fmt, 1 if result.problems_found else 0)


def rule_or_error(kb, rule_id: str):
    from diagnostica.engine.kb.catalogue import closest

    if rule_id not in kb.by_id:
        raise errors.InputError("unknown_rule_id", errors.Location("ID"), id=rule_id,
                                suggestion=closest(rule_id, kb.by_id))
    return kb.by_id[rule_id]
