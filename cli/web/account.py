"""The «Account Exchange» page: an address → the live diagnosis read from the OVHcloud API (``engine/ovh``).

The keys are the server's own (its environment or ovh.conf, as ``diagnostica ovh`` reads them): the page
never asks for one and never shows one.  The API client is synchronous, so each diagnosis runs in a worker
thread and the other requests go on meanwhile.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from diagnostica.engine.ovh.api import Api

from diagnostica.engine.ovh import account
from diagnostica.engine.present import apicalls, compose
from starlette.concurrency import run_in_threadpool

from ..common import customer_text
from .render import web_renderer

#: Seconds allowed to each API call made for the page (the CLI's default).
API_TIMEOUT = 30.0


def default_connect() -> Callable[[], "Api"]:
    """A new client per request, with the keys of the server's environment or ovh.conf (checked then)."""
    from diagnostica.engine.ovh import api as ovhapi

    return lambda: ovhapi.connect(None, timeout=API_TIMEOUT)


def diagnose(kb, connect: Callable[[], "Api"], email: str, lang: str):
    """(result, document, report): the same document as ``diagnostica ovh --format json``."""
    found = account.diagnose(kb, connect(), email)
    return found.result, compose.from_api(kb, found.result, found.report, web_renderer(kb, lang)), found.report


async def account_context(kb, connect: Callable[[], "Api"], email: str, lang: str) -> dict[str, Any]:
    result, document, report = await run_in_threadpool(diagnose, kb, connect, email, lang)
    renderer = web_renderer(kb, lang)
    calls = "\n".join(apicalls.lines(report, renderer, markdown=False, explain=True)).strip("\n")
    return {"result": document.data, "evidence": calls, "ticket": document.ticket,
            "customer": customer_text(kb, result, lang), "notes": document.data["ovh"]["notes"],
            "causes": document.possible_causes}
