"""One exception base; each subclass knows how to phrase itself.

Messages are not written here: an error carries a message code and its
parameters, and the text comes from ``locales/<lang>/messages.yaml``
(section ``errors``), so writers can reword it and translate it like any
other text.  Every error that reaches the user exits with code 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where a problem is: 1-based line and column, as editors count."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class DiagnosticaError(Exception):
    """Base of every error the user can cause (bad input, bad knowledge base)."""

    exit_code = 2

    def __init__(self, code: str, location: Location | None = None, /, **params: Any) -> None:
        self.code = code
        self.location = location
        self.params = params
        super().__init__(code)

    def message(self, lang: str = "it") -> str:
        from .kb.texts import format_message, lookup, bundled_messages

        params = dict(self.params)
        for key in ("expected", "got", "type"):  # type names in the reader's words
            word = lookup(bundled_messages(lang), f"types.{params.get(key)}") if key in params else None
            if isinstance(word, str):
                params[key] = word
        return format_message(f"errors.{self.code}", lang, **params)

    def hint(self, lang: str = "it") -> str | None:
        suggestion = self.params.get("suggestion")
        if not suggestion:
            return None
        from .kb.texts import format_message

        return format_message("errors.hint_did_you_mean", lang, suggestion=suggestion)

    def render(self, lang: str = "it") -> str:
        text = self.message(lang)
        if self.location is not None:
            text = f"{self.location}: {text}"
        hint = self.hint(lang)
        if hint:
            text = f"{text} ({hint})"
        return text

    def __str__(self) -> str:
        return self.render()


class InputError(DiagnosticaError):
    """A facts file, a --fact option or a pasted text is not usable."""


class YamlError(InputError):
    """YAML that cannot be read safely: syntax, duplicate keys, aliases."""


class KnowledgeBaseError(DiagnosticaError):
    """The knowledge base itself is broken (schema, references, cycles)."""


class KnowledgeBaseErrors(KnowledgeBaseError):
    """Every problem found while loading a knowledge base, reported together."""

    def __init__(self, errors: list[DiagnosticaError]) -> None:
        super().__init__("multiple")
        self.errors = errors

    def render(self, lang: str = "it") -> str:
        return "\n".join(e.render(lang) for e in self.errors)
