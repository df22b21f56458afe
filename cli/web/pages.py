"""The pages: server-rendered from ``locales/<lang>/web/*.html.j2``, plain form posts, no script needed."""
from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
from diagnostica.engine.errors import DiagnosticaError, InputError, KnowledgeBaseErrors
from diagnostica.engine.inputs import panel
from diagnostica.engine.inputs.redact import redact
from diagnostica.engine.kb.texts import bundled_texts
from diagnostica.engine.present import evidence as dns_evidence
from diagnostica.engine.present.reading import read_lines
from diagnostica.engine.present.reporters import is_record_line
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..common import customer_text
from .api import DEFAULT_LANG, dns_result, report_result, status_for
from .inputs import body_text, form_fields
from .render import web_renderer

LANGS = ("it", "en")


def page_lang(request: Request) -> str:
    """Pages fall back to Italian for an unknown ?lang= (a person clicked a link; no error page for that)."""
    lang = request.query_params.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def blocks(text: str) -> list[tuple[str, str]]:
    """A remediation as (kind, text) pieces: ``record`` lines get a copy button, ``text`` stays prose."""
    pieces: list[tuple[str, str]] = []
    for line in text.splitlines():
        kind = "record" if is_record_line(line) else "text"
        if pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + "\n" + line)
        else:
            pieces.append((kind, line))
    return [(kind, body.strip("\n")) for kind, body in pieces if body.strip()]


def page_error(exc: DiagnosticaError, lang: str) -> str:
    """An error as a page says it: the message and its hint, and the line in words when it has one.  The
    command line's ``file:line:column:`` prefix names places the agent never saw (``<testo>``, ``domain``)."""
    texts = bundled_texts(lang)
    if isinstance(exc, KnowledgeBaseErrors):  # the server's own knowledge base: every problem, as the CLI says it
        return exc.render(texts)
    text = exc.said(texts)
    line = exc.location.line if exc.location is not None else None
    return texts.format("errors.web_at_line", line=line, message=text) if line else text


#: What the consultation page shows before its first question.
_EMPTY_CONSULT: dict[str, Any] = {"answered": [], "known": [], "question": None, "complaint": None, "offer": None, "state": "", "can_go_back": False}

#: The Dominio form's fields (also the permalink's query): nothing else is read or echoed.
DOMAIN_FIELDS = ("domain", "offer", "pop_imap")


class Pages:
    def __init__(self, kb, dns_source, ovh_connect=None, dns_gate=None) -> None:
        self.kb = kb
        self.dns_source = dns_source
        self.dns_gate = dns_gate
        self.ovh_connect = ovh_connect  # () -> engine.ovh.api.Api; the server's own keys
        root = resources.files("diagnostica.locales")
        # One environment per language; autoescape on every template, whatever its name.
        self.envs = {lang: jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / lang / "web")),
                                              autoescape=True, undefined=jinja2.StrictUndefined)
                     for lang in LANGS}
        for env in self.envs.values():
            env.filters["blocks"] = blocks

    def render(self, request: Request, lang: str, name: str, status: int = 200, keep: dict | None = None,
               **context) -> HTMLResponse:
        """``keep``: query fields the language switch carries over (a consultation's state), so switching
        language shows the same step."""
        other = "en" if lang == "it" else "it"
        defaults = {"error": None, "unchecked": False, "result": None, "reading": None, "evidence": None,
                    "evidence_title": None, "notes": None, "causes": (), "read": (), "why": ()}
        switch = f"{request.url.path}?{urlencode({'lang': other, **(keep or {})})}"
        html = self.envs[lang].get_template(name).render(lang=lang, other_lang=switch, path=request.url.path,
                                                         **{**defaults, **context})
        # A lone surrogate (a JSON "\ud800" in a consultation's state) cannot be UTF-8: shown as its escape.
        return HTMLResponse(html.encode("utf-8", "backslashreplace"), status_code=status)

    async def fields(self, request: Request) -> dict[str, str]:
        """The form post's fields, or the permalink's query: the same page either way."""
        if request.method == "POST":
            return form_fields(await body_text(request))
        return dict(request.query_params)

    async def home(self, request: Request) -> Response:
        return self.render(request, page_lang(request), "report.html.j2", report="")

    async def domain(self, request: Request) -> Response:
        lang = page_lang(request)
        empty = dict.fromkeys(DOMAIN_FIELDS, "")
        try:
            fields = await self.fields(request)
        except DiagnosticaError as exc:
            return self.render(request, lang, "domain.html.j2", status_for(exc), form=empty,
                               error=page_error(exc, lang))
        # Masked before anything shows it: «password: ...» typed as the domain is neither echoed nor quoted.
        form = {name: redact(fields.get(name, "").strip(), self.kb.catalogue.secret_names) for name in DOMAIN_FIELDS}
        if not form["domain"]:  # the page itself, not yet filled in; or sent empty, which is said
            if request.method != "POST":
                return self.render(request, lang, "domain.html.j2", form=form)
            return self.render(request, lang, "domain.html.j2", 422, form=form,
                               error=page_error(InputError("web_domain_missing", None), lang))
        try:
            result, document = await dns_result(self.kb, self.dns_source(), form, lang=lang, gate=self.dns_gate)
        except DiagnosticaError as exc:
            return self.render(request, lang, "domain.html.j2", status_for(exc), form=form,
                               error=page_error(exc, lang))
        renderer = web_renderer(self.kb, lang)
        evidence = "\n".join(dns_evidence.lines(document.data["dns"], renderer, explain=True))
        permalink = "/dominio?" + urlencode({"lang": lang, **{k: v for k, v in form.items() if v}})
        return self.render(request, lang, "domain.html.j2", form=form, result=document.data, evidence=evidence,
                           ticket=document.ticket, customer=customer_text(self.kb, result, lang),
                           permalink=permalink, causes=document.possible_causes)

    async def consult(self, request: Request) -> Response:
        """«Consultazione guidata»: one question per page; the whole state in the page (a hidden field, or
        the permalink's ``state``), none on the server."""
        from .consult import page_context, page_move, with_dns

        lang = page_lang(request)
        renderer = web_renderer(self.kb, lang)
        try:
            fields = await self.fields(request)
            if not fields.get("state") and fields.get("action") != "start":  # the page itself: choose the problem
                return self.render(request, lang, "consult.html.j2", start=True, **_EMPTY_CONSULT)
            step, refused = page_move(self.kb, fields, renderer)
        except DiagnosticaError as exc:
            return self.render(request, lang, "consult.html.j2", status_for(exc), start=True,
                               error=page_error(exc, lang), **_EMPTY_CONSULT)
        unchecked = None
        try:
            step = await with_dns(self.kb, step, self.dns_source(), self.dns_gate)
        except DiagnosticaError as exc:  # the lookup could not be made (the server busy, past its time):
            unchecked = page_error(exc, lang)  # said, and the consultation goes on without its facts
        context = page_context(self.kb, step, renderer, lang)
        return self.render(request, lang, "consult.html.j2", 422 if refused else 200, error=refused or unchecked,
                           unchecked=bool(unchecked and not refused), keep={"state": context["state"]}, **context)

    async def account(self, request: Request) -> Response:
        """«Account Exchange»: an address → the live diagnosis; the permalink is ``/account?email=...``."""
        from .account import account_context, default_connect

        lang = page_lang(request)
        form = {"email": ""}
        try:
            fields = await self.fields(request)
            form = {"email": redact(fields.get("email", "").strip(), self.kb.catalogue.secret_names)}
            if not form["email"]:  # the page itself, not yet filled in; or sent empty, which is said
                if request.method != "POST":
                    return self.render(request, lang, "account.html.j2", form=form)
                raise InputError("web_email_missing", None)
            context = await account_context(self.kb, self.ovh_connect or default_connect(), form["email"], lang)
        except DiagnosticaError as exc:  # the address stays in its field (masked), to correct it
            return self.render(request, lang, "account.html.j2", status_for(exc), form=form,
                               error=page_error(exc, lang))
        permalink = "/account?" + urlencode({"lang": lang, **form})
        return self.render(request, lang, "account.html.j2", form=form, permalink=permalink, **context)

    async def report(self, request: Request) -> Response:
        """The form's POST, and the permalink's GET (same field, in the query): same page, same result."""
        lang = page_lang(request)
        try:
            fields = await self.fields(request)
        except DiagnosticaError as exc:
            return self.render(request, lang, "report.html.j2", status_for(exc), report="",
                               error=page_error(exc, lang))
        lang = fields.get("lang", lang) if fields.get("lang") in LANGS else lang
        # Secrets never go back out: not in the textarea, not in the permalink.  The reading gets the
        # text as pasted: it masks each secret itself, and names the fields it dropped.
        pasted = fields.get("report", "")
        text = panel.masked(pasted, self.kb.data, self.kb.catalogue)  # as the reading masks it: same result
        try:
            # In a worker thread: a long paste takes seconds to read, and the event loop serves everyone.
            result, document, reading = await run_in_threadpool(report_result, self.kb, pasted, lang=lang)
        except DiagnosticaError as exc:
            return self.render(request, lang, "report.html.j2", status_for(exc), report=text,
                               error=page_error(exc, lang))
        permalink = "/report?" + urlencode({"lang": lang, "report": text})
        return self.render(request, lang, "report.html.j2", report=text, result=document.data,
                           reading=reading, read=read_lines(reading, web_renderer(self.kb, lang)) if reading else (),
                           causes=document.possible_causes, ticket=document.ticket,
                           customer=customer_text(self.kb, result, lang), permalink=permalink)
