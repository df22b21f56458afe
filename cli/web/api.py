"""The JSON API: the same documents as the CLI's ``--format json``, made by the same calls."""
from __future__ import annotations

import json
from importlib import resources

from diagnostica.engine.errors import DiagnosticaError, InputError, Location
from diagnostica.engine.inputs import facts as facts_mod
from diagnostica.engine.inputs.report import parse_report
from diagnostica.engine.kb.texts import bundled_texts
from diagnostica.engine.kb.yamlload import load_yaml
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse as _StarletteJSON
from starlette.responses import Response

from .inputs import BODY, body_text, json_object, report_text
from .render import web_document, web_renderer

DEFAULT_LANG = "it"


class JSONResponse(_StarletteJSON):
    """JSON as the CLI writes it: C1 controls and lone surrogates (a JSON "\\ud800" sent in) escaped, so
    any text that came in can go back out; Starlette's own would fail to encode a lone surrogate."""

    def render(self, content) -> bytes:
        from diagnostica.engine.present.controls import json_safe

        return json_safe(json.dumps(content, ensure_ascii=False, separators=(",", ":"))).encode("utf-8")


def chosen_lang(kb, request: Request) -> str:
    lang = request.query_params.get("lang", DEFAULT_LANG)
    available = kb.directory.languages()
    if lang not in available:
        raise InputError("unknown_lang", Location("lang"), lang=lang, available=", ".join(available))
    return lang


def wants_explain(request: Request) -> bool:
    return request.query_params.get("explain", "").lower() in ("1", "true", "yes", "sì", "si", "on")


def status_for(exc: DiagnosticaError) -> int:
    """413 for an oversized body, 400 for a body that cannot be parsed, 422 for facts that make no sense,
    503 when the server could not check in time (busy, or lookups too slow: "could not check")."""
    if exc.code == "web_body_too_large":
        return 413
    if exc.code.startswith("web_dns_"):
        return 503
    if exc.code.startswith(("yaml_", "json_", "web_not_json", "not_utf8")):
        return 400
    return 422


def error_response(exc: DiagnosticaError, lang: str) -> JSONResponse:
    texts = bundled_texts(lang if lang in ("it", "en") else DEFAULT_LANG)
    location = exc.location
    body = {"error": {"code": exc.code, "message": exc.render(texts),
                      "location": None if location is None else
                      {"file": location.file, "line": location.line, "column": location.column}}}
    return JSONResponse(body, status_code=status_for(exc))


def check_document(kb, text: str, *, lang: str, explain: bool = False):
    """The document of the facts a request's body gives (YAML or JSON)."""
    gathered = facts_mod.parse_facts_text(text, "<body>", kb.catalogue, kb.data)
    return web_document(kb, kb.evaluate(gathered.values), lang=lang, explain=explain, secrets=gathered.secrets)


def report_result(kb, text: str, *, lang: str, explain: bool = False):
    """(result, document, reading) for a pasted panel text or the API's diagnosis JSON."""
    gathered, reading = parse_report(kb, text, "<testo>")
    if not gathered.values:
        raise InputError("report_nothing_recognised", Location("<testo>"))
    from diagnostica.engine.present import compose

    result, document = compose.pasted(kb, gathered, reading, web_renderer(kb, lang), explain=explain)
    return result, document, reading


def dns_facts(kb, request_facts: dict) -> tuple:
    """(domain name, given facts) from ``{"domain": ..., "offer": ..., "pop_imap": ...}``."""
    from diagnostica.engine.dns import collect as dnsfacts
    from diagnostica.engine.dns.domain import OPTION_FACTS
    from diagnostica.engine.inputs.facts import coerce

    domain = request_facts.get("domain")
    if not isinstance(domain, str) or not domain.strip():
        raise InputError("dns_no_domain", Location("domain"))
    name = dnsfacts.domain_name(domain.strip(), Location("domain"))
    given = {fact: coerce(kb.catalogue, fact, request_facts[fact], Location(fact))
             for fact, _ in OPTION_FACTS if request_facts.get(fact) not in (None, "")}
    return name, given


async def dns_result(kb, source, request_facts: dict, *, lang: str, explain: bool = False, gate=None):
    """(result, document): the live DNS checks of a domain, as ``dns --format json``.

    ``gate`` (a :class:`~.limits.DnsGate`) bounds the check: a free slot server-wide, a time limit."""
    from diagnostica.engine.dns import domain
    from diagnostica.engine.present import compose

    name, given = dns_facts(kb, request_facts)
    where = domain.Records(name, source, offline=False)
    if gate is None:
        report, result = await domain.lookup(kb, where, given)
    else:
        report, result = await gate.run(lambda: domain.lookup(kb, where, given))
    return result, compose.with_dns(kb, result, report, web_renderer(kb, lang), explain=explain)


class Api:
    def __init__(self, kb, dns_source, dns_gate=None) -> None:
        self.kb = kb
        self.dns_source = dns_source
        self.dns_gate = dns_gate

    async def dns(self, request: Request) -> Response:
        lang = chosen_lang(self.kb, request)
        request_facts = json_object(await body_text(request))
        _, document = await dns_result(self.kb, self.dns_source(), request_facts, lang=lang,
                                       explain=wants_explain(request), gate=self.dns_gate)
        return JSONResponse(document.data)

    # Reading a body (up to 1 MB of facts or of pasted text: seconds of work for the largest) runs in a
    # worker thread: on the event loop it held every other request of the server until it ended.
    async def check(self, request: Request) -> Response:
        lang = chosen_lang(self.kb, request)
        text = await body_text(request)
        document = await run_in_threadpool(check_document, self.kb, text, lang=lang, explain=wants_explain(request))
        return JSONResponse(document.data)

    async def report(self, request: Request) -> Response:
        lang = chosen_lang(self.kb, request)
        text = report_text(await body_text(request))
        _, document, _ = await run_in_threadpool(report_result, self.kb, text, lang=lang,
                                                 explain=wants_explain(request))
        return JSONResponse(document.data)

    async def ask(self, request: Request) -> Response:
        """One step of a consultation: the body holds the whole state; the next question or the conclusion."""
        from .consult import read_step, step_json, with_dns

        lang = chosen_lang(self.kb, request)
        text = await body_text(request)
        if not text.strip():
            raise InputError("facts_empty", BODY)
        step = read_step(self.kb, load_yaml(text, BODY.file).data)  # YAML's loader: duplicate keys caught
        step = await with_dns(self.kb, step, self.dns_source(), self.dns_gate)
        return JSONResponse(step_json(self.kb, step, lang=lang))

    async def rules(self, request: Request) -> Response:
        from diagnostica.engine.present.rulelist import rule_rows

        return JSONResponse(rule_rows(self.kb, web_renderer(self.kb, chosen_lang(self.kb, request))))

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "rules": len(self.kb.rules)})

    async def openapi(self, request: Request) -> Response:
        text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
        return Response(text, media_type="application/json")
