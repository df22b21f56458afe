"""Mask secrets inside free text (pasted pages, typed notes) before anything shows it.

Structured inputs drop secret fields by key (see :mod:`facts`); free text has
no keys, so a word of the catalogue's ``secret_names`` (password, token, ...)
is taken to introduce a secret: the rest of the clause after it (up to a
comma, a semicolon or the end of the line) is masked, whatever words sit in
between ("password: x", "la password è x", "password cambiata in x").  This
errs on the side of hiding harmless words rather than showing a password.
"""
from __future__ import annotations

import functools
import re

MASK = "***"


@functools.lru_cache(maxsize=8)
def _pattern(secret_names: tuple[str, ...]) -> re.Pattern | None:
    if not secret_names:
        return None
    words = "|".join(re.escape(w) for w in sorted(secret_names, key=len, reverse=True))
    return re.compile(
        rf"(?P<key>[\w.\-]*(?:{words})[\w.\-]*[\"']?)"  # password, new_password, "pwd"
        rf"(?P<sep>\s*[:=]\s*|\s+)"
        rf"(?P<value>[^\s,;][^,;\n]*)",
        re.IGNORECASE,
    )


def redact(text: str, secret_names: tuple[str, ...] | list[str]) -> str:
    pattern = _pattern(tuple(secret_names))
    if pattern is None:
        return text
    return pattern.sub(lambda m: f"{m['key']}{m['sep'] or ' '}{MASK}", text)


def secret_key(text: str, secret_names: tuple[str, ...] | list[str]) -> str | None:
    """The secret word a text contains (to list it among the ignored fields), or None."""
    pattern = _pattern(tuple(secret_names))
    found = pattern.search(text) if pattern else None
    return found["key"].strip("\"'").lower() if found else None
