"""Request bodies: read with a cap, decoded, parsed; every failure an InputError (HTTP 4xx)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

from diagnostica.engine.errors import InputError, Location
from diagnostica.engine.inputs.facts import json_problem
from starlette.requests import Request

#: Larger bodies are refused before they are read whole (413).
MAX_BODY = 1_000_000

BODY = Location("<body>")


async def body_text(request: Request, limit: int = MAX_BODY) -> str:
    """The body as text, read chunk by chunk so an oversized one is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise InputError("web_body_too_large", BODY, limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InputError("web_body_too_large", BODY, limit=limit)
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not_utf8", BODY, position=exc.start) from None


def json_object(text: str) -> dict:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("web_not_json", Location("<body>", exc.lineno, exc.colno), **json_problem(exc)) from None
    if not isinstance(document, dict):
        raise InputError("facts_not_mapping", Location("<body>", 1))
    return document


def report_text(text: str) -> str:
    """The ``text`` field of ``{"text": "..."}``."""
    value = json_object(text).get("text")
    if not isinstance(value, str):
        raise InputError("web_text_missing", BODY)
    return value


def form_fields(text: str) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the pages' plain form posts): the last value of each field."""
    return {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}
