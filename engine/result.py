"""What an evaluation produces: immutable records, cheap to build."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """A rule that fired, the facts behind it and where it sits among the others."""

    id: str
    severity: str
    because: dict[str, Any]
    consequence_of: tuple[str, ...]
    links: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        return f"<Finding {self.id} ({self.severity}) because {sorted(self.because)}>"


@dataclass(frozen=True)
class Undecided:
    """A rule that could not be decided, and the facts that would decide it."""

    id: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class PossibleCause:
    """A cause of a finding that is neither confirmed nor ruled out."""

    symptom: str
    cause: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    facts: dict[str, Any]  # given and derived, canonical values
    derived: dict[str, str]  # derived fact -> id of the rule that derived it
    findings: tuple[Finding, ...]  # causes before consequences, then severity, then id
    undecided: tuple[Undecided, ...]  # finding rules only, by id
    possible_causes: tuple[PossibleCause, ...]
    outcomes: dict[str, bool | None]  # every rule: True fired, False did not, None undecided

    @property
    def problems_found(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)

    def finding(self, rule_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == rule_id), None)
