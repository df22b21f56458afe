"""The web front end's renderers: the CLI's, on the channel ``web`` -- what an agent reads in a browser, or
an integration from the HTTP API, never advises a command or an option to run (templates test ``channel``)."""
from __future__ import annotations

from ..common import document_for, renderer_for


def web_renderer(kb, lang: str, audience: str = "agente"):
    return renderer_for(kb, lang, audience, channel="web")


def web_document(kb, result, *, lang: str, explain: bool = False, secrets=()):
    return document_for(kb, result, lang=lang, explain=explain, secrets=secrets, channel="web")
