"""One exception base; each subclass knows how to phrase itself.

Messages are not written here: an error carries a message code and its
parameters, and the text comes from ``locales/<lang>/messages.yaml``
(section ``errors``), so writers can reword it and translate it like any
other text.  This module imports nothing of the engine: it is the leaf
every other module can raise from.  Every error that reaches the user
exits with code 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class Texts(Protocol):
    """The message lookup errors are phrased with (``kb.texts.Texts``): errors only carry data."""

    @property
    def lang(self) -> str: ...

    def format(self, key: str, /, **params: object) -> str: ...

    def word(self, key: str) -> str | None: ...


class DiagnosticaError(Exception):
    """Base of every error the user can cause (bad input, bad knowledge base).

    An error is data: a message code, where, and the parameters of the
    message.  It is put into words once, at the boundary (the CLI, the
    linter, the batch), in the reader's language: ``render(texts)``.
    """

    exit_code = 2
    #: The writers' check (``rules lint``) a kind of error belongs to, when it is not the code itself.
    family: str | None = None

    def __init__(self, code: str, location: Location | None = None, /, *, check_id: str | None = None,
                 **params: object) -> None:
        self.code = code
        self.location = location
        self.params = params
        # The check id travels with the error, so the linter needs no table from codes to checks.
        self.check_id = check_id or self.family or code.replace("_", "-")
        super().__init__(code)

    def message(self, texts: Texts) -> str:
        params = dict(self.params)
        for key in ("expected", "got", "type"):  # type names in the reader's words
            word = texts.word(f"types.{params[key]}") if key in params else None
            if word is not None:
                params[key] = word
        # A third party's words (dnspython's zone complaints) in the reader's language when the locale has them.
        problem_key = params.pop("problem_key", None)
        if isinstance(problem_key, str):
            params["problem"] = texts.word(problem_key) or params.get("problem")
        return texts.format(f"errors.{self.code}", **params)

    def hint(self, texts: Texts) -> str | None:
        """"Did you mean" when there is a likely name; otherwise the code's own hint, if its locale has one."""
        suggestion = self.params.get("suggestion")
        if not suggestion:
            hint = texts.word(f"errors.{self.code}_hint")
            return texts.format(f"errors.{self.code}_hint", **self.params) if hint else None
        return texts.format("errors.hint_did_you_mean", suggestion=suggestion)

    def render(self, texts: Texts) -> str:
        text = self.said(texts)
        return f"{self.location}: {text}" if self.location is not None else text

    def said(self, texts: Texts) -> str:
        """The message and its hint, without the place (a page says the place its own way)."""
        text = self.message(texts)
        hint = self.hint(texts)
        return f"{text} ({hint})" if hint else text

    def __str__(self) -> str:  # for logs and debugging only: users see render()
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.code} {self.params}" if self.params else f"{where}{self.code}"


class InputError(DiagnosticaError):
    """A facts file, a --fact option or a pasted text is not usable."""


class YamlError(InputError):
    """YAML that cannot be read safely: syntax, duplicate keys, aliases."""

    family = "yaml-syntax"


class KnowledgeBaseError(DiagnosticaError):
    """The knowledge base itself is broken (schema, references, cycles)."""


class KnowledgeBaseErrors(KnowledgeBaseError):
    """Every problem found while loading a knowledge base, reported together."""

    def __init__(self, errors: list[DiagnosticaError]) -> None:
        super().__init__("multiple")
        self.errors = errors

    def render(self, texts: Texts) -> str:
        return "\n".join(e.render(texts) for e in self.errors)
