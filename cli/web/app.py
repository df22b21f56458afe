"""The Starlette application: routes, security headers, errors as 4xx (never a traceback)."""
from __future__ import annotations

import time
from importlib import resources

from diagnostica.engine.errors import DiagnosticaError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .api import Api, error_response
from .limits import DnsGate
from .pages import Pages

# Everything from this server only: no CDN, no inline script or style, no framing, forms post here only.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Adds the headers above to every HTTP response (a plain ASGI wrapper, so streaming still works),
    and ``Server-Timing: app;dur=MS``, the server's own time up to the response, which the benchmark reads."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                spent = f"app;dur={(time.perf_counter() - start) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), *HEADERS, (b"server-timing", spent)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _api(handler):
    """An API endpoint whose user errors become JSON 4xx answers in the request's language."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except DiagnosticaError as exc:
            return error_response(exc, request.query_params.get("lang", "it"))
    return endpoint


async def _internal(request: Request, exc: Exception) -> Response:
    # A bug: one line, no traceback, no echo of the input.
    return JSONResponse({"error": {"code": "internal", "message": type(exc).__name__}}, status_code=500)


async def _no_icon(request: Request) -> Response:
    return Response(status_code=204)


def create_app(kb, dns_source=None, ovh_connect=None, dns_gate=None) -> Starlette:
    """``dns_source``: where the Dominio checks ask (a LiveSource); the system's resolvers when not given,
    made at the first DNS request so that a machine without resolvers still serves everything else.
    ``ovh_connect``: () -> an OVHcloud API client; by default one with the keys of the server's
    environment or ovh.conf, made per request (a missing key is an error on that page only).
    ``dns_gate``: the server-wide bound on DNS checks (:class:`.limits.DnsGate`, its defaults if not given)."""
    made: list = [dns_source] if dns_source is not None else []

    def source():
        if not made:
            from diagnostica.engine.dns.lookup import LiveSource

            made.append(LiveSource())
        return made[0]

    gate = dns_gate or DnsGate()
    api, pages = Api(kb, source, gate), Pages(kb, source, ovh_connect, gate)
    static = StaticFiles(directory=str(resources.files(__package__) / "static"))
    routes = [
        Route("/", pages.home),
        Route("/report", pages.report, methods=["GET", "POST"]),
        Route("/api/v1/check", _api(api.check), methods=["POST"]),
        Route("/api/v1/report", _api(api.report), methods=["POST"]),
        Route("/api/v1/dns", _api(api.dns), methods=["POST"]),
        Route("/api/v1/ask", _api(api.ask), methods=["POST"]),
        Route("/dominio", pages.domain, methods=["GET", "POST"]),
        Route("/consultazione", pages.consult, methods=["GET", "POST"]),
        Route("/account", pages.account, methods=["GET", "POST"]),
        Route("/api/v1/rules", _api(api.rules)),
        Route("/api/v1/openapi.json", api.openapi),
        Route("/healthz", api.healthz),
        Route("/favicon.ico", _no_icon),  # browsers ask for it; an empty answer, not a 404 in their console
        Mount("/static", static, name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                     exception_handlers={Exception: _internal})
