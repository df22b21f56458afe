"""One thing the linter found: a frozen record that prints on one line.

The text is already in the writer's language when the record is made, so
every output format (text, JSON, GitHub annotations) shows the same words.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=False)
class Problem:
    file: str
    line: int
    column: int
    severity: str  # error | warning | info
    message: str
    check_id: str
    hint: str | None = None

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, SEVERITIES.index(self.severity), self.check_id, self.message)

    def line_text(self, severity_word: str | None = None) -> str:
        """``file:line:column: severity: message [check-id]``; ``severity_word`` is the severity in the
        reader's language (the record keeps the English keyword, as JSON and GitHub output show it)."""
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {severity_word or self.severity}: {self.message} [{self.check_id}]"

    def __str__(self) -> str:
        return self.line_text()

    def __repr__(self) -> str:
        return f"<Problem {self}>"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
