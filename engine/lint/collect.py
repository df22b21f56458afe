"""Collects problems instead of raising: every check adds to one list."""
from __future__ import annotations

from typing import Any

from ..errors import DiagnosticaError
from ..kb.texts import bundled_texts
from .problem import Problem

#: Core error codes (engine/errors.py messages) -> the linter's check ids.
CHECK_OF_CODE = {
    "yaml_syntax": "yaml-syntax", "yaml_tab": "yaml-syntax", "yaml_bad_key": "yaml-syntax",
    "yaml_too_large": "yaml-syntax",
    "yaml_duplicate_key": "duplicate-key", "not_utf8": "unreadable-file", "cannot_read": "unreadable-file",
    "unknown_fact": "unknown-fact", "unknown_operator": "unknown-operator", "fact_bad_enum": "enum-value",
    "fact_bad_type": "type-mismatch", "fact_bad_bool": "type-mismatch", "fact_bad_record": "type-mismatch",
    "fact_bad_record_field": "type-mismatch", "fact_missing_record_field": "type-mismatch",
    "cond_op_type": "type-mismatch", "cond_bad_value": "type-mismatch", "cond_bad_regex": "bad-regex",
    "cond_nested_quantifier": "bad-regex",
    "cond_not_mapping": "schema", "cond_one_operator": "schema", "unknown_data": "unknown-data",
    "unknown_record_field": "unknown-field", "duplicate_rule": "duplicate-rule", "unknown_rule": "unknown-link",
    "derive_cycle": "derive-cycle", "data_not_mapping": "data", "data_duplicate": "data",
    "kb_no_catalogue": "no-catalogue",
}


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
        """A core error (the loader's own words) as a problem; ``prefix`` says in which context."""
        loc = exc.location
        message = exc.message(self.texts)
        if prefix:
            message = f"{prefix}: {message}"
        self.problems.append(Problem(
            loc.file if loc else "?", (loc.line if loc else None) or 1, (loc.column if loc else None) or 1,
            severity, message, check_id or CHECK_OF_CODE.get(exc.code, exc.code.replace("_", "-")),
            exc.hint(self.texts),
        ))

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems), key=Problem.sort_key)
