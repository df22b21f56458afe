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

from typing import Any

_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_TEXT = {code: f"\\x{code:02x}" for code in _CONTROLS}
_JSON = {code: f"\\u{code:04x}" for code in [*range(0x80, 0xA0), *range(0xD800, 0xE000)]}
_SURROGATES = {code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)}


def escape(text: str) -> str:
    """``text`` with control characters (tab and newline aside) shown as ``\\xNN``; lone surrogates too."""
    return text.translate(_TEXT).translate(_SURROGATES) if not text.isprintable() else text


def escape_data(value: Any) -> Any:
    """A copy of a JSON-like value with :func:`escape` applied to every string (keys included)."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {escape_data(k): escape_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_data(v) for v in value]
    return value


def json_safe(encoded: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with C1 controls and lone surrogates escaped."""
    return encoded.translate(_JSON) if not encoded.isascii() else encoded
