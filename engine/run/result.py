"""What an evaluation produces: immutable records, cheap to build.

A batch run builds thousands of findings per second, most never explained,
so ``Finding.because`` and the ``needs`` of undecided rules and possible
causes are computed on first access: the record holds the evaluation's
:class:`Explainer` in their place and asks it when read.  Built by hand
(``Finding(..., because={...})``) they hold plain values, as before.
The records are named tuples (immutable, built by C code, ``_asdict()``
and ``_replace()`` included).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .explain import Explainer


class _Lazy:
    """Behaves as the plain record would: equality, hashing, iteration on the computed values."""

    __slots__ = ()

    def __iter__(self):
        return iter(tuple(getattr(self, name) for name in self._fields))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))


class _FindingFields(NamedTuple):
    id: str
    severity: str
    because: Any  # dict, or the Explainer that computes it
    consequence_of: tuple[str, ...]
    links: tuple[tuple[str, str], ...]


class Finding(_Lazy, _FindingFields):
    """A rule that fired, the facts behind it and where it sits among the others."""

    __slots__ = ()

    @property
    def because(self) -> dict[str, Any]:
        value = tuple.__getitem__(self, 2)
        return value.because(self.id) if type(value) is Explainer else value

    def __repr__(self) -> str:
        return f"<Finding {self.id} ({self.severity}) because {sorted(self.because)}>"


class _UndecidedFields(NamedTuple):
    id: str
    needs: Any  # tuple, or the Explainer that computes it


class Undecided(_Lazy, _UndecidedFields):
    """A rule that could not be decided, and the facts that would decide it."""

    __slots__ = ()

    @property
    def needs(self) -> tuple[str, ...]:
        value = tuple.__getitem__(self, 1)
        return value.needs(self.id) if type(value) is Explainer else value

    def __repr__(self) -> str:
        return f"Undecided(id={self.id!r}, needs={self.needs!r})"


class _PossibleCauseFields(NamedTuple):
    symptom: str
    cause: str
    needs: Any  # tuple, or the Explainer that computes it


class PossibleCause(_Lazy, _PossibleCauseFields):
    """A cause of a finding that is neither confirmed nor ruled out."""

    __slots__ = ()

    @property
    def needs(self) -> tuple[str, ...]:
        value = tuple.__getitem__(self, 2)
        return value.needs(self.cause) if type(value) is Explainer else value

    def __repr__(self) -> str:
        return f"PossibleCause(symptom={self.symptom!r}, cause={self.cause!r}, needs={self.needs!r})"


@dataclass(frozen=True)
class Result:
    facts: dict[str, Any]  # given and derived, canonical values
    derived: dict[str, str]  # derived fact -> id of the rule that derived it
    findings: tuple[Finding, ...]  # causes before consequences, then severity, then id
    undecided: tuple[Undecided, ...]  # finding rules only, by id
    possible_causes: tuple[PossibleCause, ...]
    outcomes: dict[str, bool | None]  # every rule: True fired, False did not, None undecided

    def __getattr__(self, name: str) -> Any:
        # Only for attributes missing from the instance: `outcomes` of an evaluation is built on first
        # read from (rule ids, outcomes) -- a batch that never reads it never pays for a dict of every rule.
        if name == "outcomes":
            pending = self.__dict__.get("_outcomes")
            if pending is not None:
                outcomes = self.__dict__["outcomes"] = dict(zip(*pending))
                return outcomes
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def problems_found(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)

    def finding(self, rule_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == rule_id), None)
