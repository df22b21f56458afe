"""Mask secrets inside free text and data (pasted pages, notes, batch lines, errors) before anything shows it.

Structured inputs drop secret fields by key (see :mod:`facts`); free text has
no keys, so a word of the catalogue's ``secret_names`` (password, token, ...)
is taken to introduce a secret when a separator follows it (``:``, ``=``,
``,``, ``;``, spaces or the end of the line):

- a quoted value (``"password": "Hunter2"``) is masked up to its closing
  quote, and the scan goes on after it (the rest of a JSON line stays legible);
- an unquoted value is masked to the end of the line, commas and semicolons
  included (``password: Hun,ter2`` must not show ``ter2``);
- a key with nothing after it (``Password:`` alone), or a quote left open,
  masks the next non-blank line, where a pasted form puts the value.

This errs on the side of hiding harmless words rather than showing a password.
The scan is linear: each secret word is searched with ``str.find`` from where
the previous match ended, so no input makes it backtrack (a regex of the form
``[\\w.-]*(?:words)[\\w.-]*`` did, quadratically), and each line is masked once.
"""
from __future__ import annotations

from typing import Iterable, TypeVar, cast

T = TypeVar("T")

MASK = "***"
_QUOTES = "\"'"


def _word(char: str) -> bool:
    return char.isalnum() or char in "_.-"


class _Scanner:
    """The secret words of one catalogue, lower-cased, longest first."""

    def __init__(self, secret_names: Iterable[str]) -> None:
        self.names = tuple(sorted({n.lower() for n in secret_names if n}, key=len, reverse=True))

    def line(self, line: str) -> tuple[str, bool]:
        """The line masked, and whether it ends with a key whose value is on the next line."""
        lower = line.lower()
        if len(lower) != len(line):  # "İ" lower-cases to two characters: keep positions aligned
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in line)
        # Next occurrence of each word at or after the scan position; refreshed only when passed,
        # so each word's occurrences are found once over the line.
        next_at = {name: lower.find(name) for name in self.names}
        out: list[str] = []
        copied = 0  # line[:copied] is already in out
        pos = 0
        n = len(line)
        key_end = -1  # where a masked quoted text that was itself a key ends (its value follows)
        while True:
            if key_end >= 0:
                end, key_end = key_end, -1
            else:
                start, name = n, ""
                for word, at in next_at.items():
                    if 0 <= at < pos:
                        at = next_at[word] = lower.find(word, pos)
                    if 0 <= at < start:
                        start, name = at, word
                if not name:
                    break
                end = start + len(name)
                while end < n and _word(line[end]):  # new_password, pwd2
                    end += 1
                if end < n and line[end] in _QUOTES:  # "password": ...
                    end += 1
            sep = end
            while sep < n and line[sep] in " \t:=,;":  # "password, Hunter2" and "pwd; Hunter2" too
                sep += 1
            if sep == n:  # the key ends the line: its value is on the next one
                out.append(line[copied:])
                return "".join(out), True
            if sep == end:  # "pw@example.it", "passwords-policy": a word, not a key
                pos = end
                continue
            if line[sep] in _QUOTES:
                quote, close = line[sep], sep + 1
                while close < n and line[close] != quote:
                    close += 2 if line[close] == "\\" else 1
                out.append(line[copied:sep + 1] + MASK)
                if close >= n:  # the quote stays open: the value goes on below
                    return "".join(out), True
                copied = pos = close
                if any(word in lower[sep + 1:close] for word in self.names):
                    # The masked text holds a secret word itself ('secret "api_key": "x"'): it may be a
                    # key, whose value (after its closing quote and a separator) is masked in turn; the
                    # words inside it are behind the scan, so the loop would never see that key.
                    key_end = close + 1
                continue
            out.append(line[copied:sep] + MASK)
            return "".join(out), False
        out.append(line[copied:])
        return "".join(out), False

    def text(self, text: str) -> str:
        if not self.names or not text:
            return text
        lines = text.split("\n")
        # A browser sends a textarea's lines ending in "\r\n": the "\r" is the line's end, not a value.
        ends = ["\r" if line.endswith("\r") else "" for line in lines]
        lines = [line[:-1] if end else line for line, end in zip(lines, ends)]
        pending = False
        for index, line in enumerate(lines):
            if pending and line.strip():
                indent = len(line) - len(line.lstrip())
                lines[index] = line[:indent] + MASK
                # A value that is itself a key ending its line ("../passwd", then "Password:") may be
                # the key of the value below: mask that one too (masking too much never leaks).
                pending = self.line(line)[1]
                continue
            masked, value_below = self.line(line)
            lines[index] = masked
            pending = pending or value_below
        return "\n".join(line + end for line, end in zip(lines, ends))

    def is_secret(self, key: str) -> bool:
        last = key.lower()
        return any(word in last for word in self.names)

    def data(self, value: object) -> object:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: MASK if isinstance(k, str) and self.is_secret(k) else self.data(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(self.data(v) for v in value)
        if isinstance(value, list):  # a plain list, as the dict above: a YAML ``Seq`` holds marks a copy has not
            return [self.data(v) for v in value]
        return value


def redact(text: str, secret_names: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    return _Scanner(secret_names).text(text)


def redact_data(value: T, secret_names: Iterable[str]) -> T:
    """A copy of a JSON-like value with secret-named keys (at any depth) and secrets in its strings masked."""
    # The copy has the value's shape: only texts change, and a secret-named key's value becomes a text,
    # which a JSON-like value and a fact's value can hold anywhere; mypy cannot follow the recursion.
    return cast(T, _Scanner(secret_names).data(value))


def secret_key(text: str, secret_names: Iterable[str]) -> str | None:
    """The secret word a text introduces (to list it among the ignored fields), or None.

    The whole word when it stands as a key, a colon or an equals sign after it (``my_password: x``,
    ``Password:``); else the catalogue's word alone: a secret word inside a value (``CKpw7abc`` on the line
    below its key, a token ending in ``...token``) is part of the secret, which the list must not quote."""
    scanner = _Scanner(secret_names)
    lower = text.lower()
    for line, low in zip(text.split("\n"), lower.split("\n")):
        masked, below = scanner.line(line)
        if masked == line and not below:
            continue
        for word in scanner.names:
            at = low.find(word)
            if at >= 0:
                start, end = at, at + len(word)
                while start > 0 and _word(line[start - 1]):
                    start -= 1
                while end < len(line) and _word(line[end]):
                    end += 1
                if not line[end:].lstrip(" \t" + _QUOTES).startswith((":", "=")):  # not a key: a value's part
                    return word
                return line[start:end].strip(_QUOTES).lower()
    return None


def first_secret(value: object, secret_names: Iterable[str]) -> str | None:
    """The name of the first secret a value holds (a secret-named key, or a secret in a text), or None.

    Error messages use it to say "the value of «password»" instead of quoting the value back.
    """
    scanner = _Scanner(secret_names)
    if not scanner.names:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and scanner.is_secret(k):
                return k
            found = first_secret(v, scanner.names)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for v in value:
            found = first_secret(v, scanner.names)
            if found:
                return found
        return None
    if isinstance(value, str) and scanner.text(value) != value:
        return secret_key(value, scanner.names) or scanner.names[-1]
    return None
