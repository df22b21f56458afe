"""The pages: server-rendered from ``locales/<lang>/web/*.html.j2``, plain form posts, no script needed."""
from __future__ import annotations

from importlib import resources
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from diagnostica.engine.errors import DiagnosticaError
from diagnostica.engine.inputs.redact import redact
from diagnostica.engine.kb.texts import bundled_texts
from diagnostica.engine.present.reporters import is_record_line
from diagnostica.engine.present.ticket import ticket

from .api import DEFAULT_LANG, report_result, status_for
from .inputs import body_text, form_fields

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


class Pages:
    def __init__(self, kb) -> None:
        self.kb = kb
        root = resources.files("diagnostica.locales")
        # One environment per language; autoescape on every template, whatever its name.
        self.envs = {lang: jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / lang / "web")),
                                              autoescape=True, undefined=jinja2.StrictUndefined)
                     for lang in LANGS}
        for env in self.envs.values():
            env.filters["blocks"] = blocks

    def render(self, lang: str, name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.envs[lang].get_template(name).render(lang=lang, **context), status_code=status)

    async def home(self, request: Request) -> Response:
        return self.render(page_lang(request), "report.html.j2", report="", error=None, result=None)

    async def report(self, request: Request) -> Response:
        """The form's POST, and the permalink's GET (same field, in the query): same page, same result."""
        lang = page_lang(request)
        if request.method == "POST":
            try:
                fields = form_fields(await body_text(request))
            except DiagnosticaError as exc:
                return self.render(lang, "report.html.j2", status_for(exc), report="", result=None,
                                   error=exc.render(bundled_texts(lang)))
        else:
            fields = dict(request.query_params)
        lang = fields.get("lang", lang) if fields.get("lang") in LANGS else lang
        # Secrets never go back out: not in the textarea, not in the permalink.
        text = redact(fields.get("report", ""), self.kb.catalogue.secret_names)
        try:
            _, document, renderer, reading = report_result(self.kb, text, lang=lang)
        except DiagnosticaError as exc:
            return self.render(lang, "report.html.j2", status_for(exc), report=text, result=None,
                               error=exc.render(bundled_texts(lang)))
        permalink = "/report?" + urlencode({"lang": lang, "report": text})
        return self.render(lang, "report.html.j2", report=text, error=None, result=document,
                           reading=reading, ticket=ticket(document, renderer), permalink=permalink,
                           label=renderer.fact_label, value=renderer.value)
