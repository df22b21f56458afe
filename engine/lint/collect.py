"""Collects problems instead of raising: every check adds to one list."""
from __future__ import annotations

from typing import Any

from ..errors import DiagnosticaError
from ..kb.cached_texts import bundled_texts  # the tool's words, without parsing their YAML again
from .problem import Problem


class Collector:
    def __init__(self, lang: str = "it") -> None:
        self.lang = lang
        self.texts = bundled_texts(lang)
        self.problems: list[Problem] = []

    def text(self, key: str, /, **params: Any) -> str:
        return self.texts.format(key, **params)

    def add(self, file: str, line: int | None, column: int | None, severity: str, check_id: str, key: str, /,
            hint: str | None = None, hint_params: dict | None = None, **params: Any) -> None:
        """``key``/``hint`` are message codes under ``lint.`` in locales/<lang>/lint.yaml."""
        hint_text = self.text(f"lint.{hint}", **{**params, **(hint_params or {})}) if hint else None
        self.problems.append(Problem(file, line or 1, column or 1, severity, self.text(f"lint.{key}", **params),
                                     check_id, hint_text))

    def add_error(self, exc: DiagnosticaError, severity: str = "error", check_id: str | None = None,
                  prefix: str | None = None) -> None:
        """A problem of the loader's pass (its own words and check id); ``prefix`` says in which context,
        ``check_id`` is for the linter's own checks that report an error found elsewhere (example facts)."""
        loc = exc.location
        message = exc.message(self.texts)
        if prefix:
            message = f"{prefix}: {message}"
        self.problems.append(Problem(
            loc.file if loc else "?", (loc.line if loc else None) or 1, (loc.column if loc else None) or 1,
            severity, message, check_id or exc.check_id, exc.hint(self.texts),
        ))

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems), key=Problem.sort_key)
