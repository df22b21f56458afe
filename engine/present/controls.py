"""Control characters made visible, so no input can drive the reader's terminal.

A pasted page, a facts file or a DNS TXT record may carry ``ESC ] 0 ; … BEL``
(retitles the window), ``ESC [ 2 J`` (clears it) or a carriage return that
overwrites a line.  Text output shows every C0 control except tab and newline,
DEL, and every C1 control as a Python-style escape (``\\x1b``, ``\\x9b``), so
an escape sequence arrives as harmless printable text.  JSON escapes C0 itself;
:func:`json_safe` adds the C1 range and lone surrogates (``\\ud800``, which
cannot be encoded and used to crash the print), as ``\\u`` escapes JSON reads
back to the same string.
"""
from __future__ import annotations

import functools
import re

_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]


# The translation tables are built on first use: about 4,000 entries (the surrogates), 1.5 ms of every
# command's start-up, while almost no text ever holds a control character (the scans below find none).
@functools.cache
def _text_table() -> dict[int, str]:
    """C0 (tab and newline aside), DEL and C1 as ``\\xNN``, lone surrogates as ``\\uNNNN``."""
    return {**{code: f"\\x{code:02x}" for code in _CONTROLS},
            **{code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)}}


@functools.cache
def _json_table() -> dict[int, str]:
    return {code: f"\\u{code:04x}" for code in [*range(0x80, 0xA0), *range(0xD800, 0xE000)]}


# What escape() changes, found in one scan: most texts (every multi-line one among them, which
# str.isprintable() rejects for its newlines) need no translation at all.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x80-\x9f\ud800-\udfff]")  # the same for JSON text, which escapes C0 itself


def escape(text: str) -> str:
    """``text`` with control characters (tab and newline aside) shown as ``\\xNN``; lone surrogates too."""
    return text.translate(_text_table()) if _UNSAFE.search(text) else text


def json_safe(encoded: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with C1 controls and lone surrogates escaped."""
    return encoded.translate(_json_table()) if not encoded.isascii() and _JSON_UNSAFE.search(encoded) else encoded
