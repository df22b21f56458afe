"""What an evaluation produces: immutable records, built when first read.

A batch run makes thousands of results per second, most never explained, so
a :class:`Result` holds only the evaluation -- its facts and the generated
code's tuple of every rule's outcome, kept by the evaluation's
:class:`Explainer` -- and makes the rest when first read, once: the findings
in their order, the undecided rules, the possible causes, the ``outcomes``
of every rule, and the explanations (``Finding.because``, ``needs``).  Built
by hand (``Finding(..., because={...})``) the records hold plain values.
Findings and the like are named tuples (immutable, ``_asdict()`` and
``_replace()`` included); a Result is a frozen dataclass.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, repeat
from operator import is_
from typing import TYPE_CHECKING, Any, NamedTuple

from . import explain, order

if TYPE_CHECKING:  # annotations only
    from ..kb.load import KnowledgeBase


class Outcomes(Mapping):
    """Every rule's outcome by id -- True fired, False did not, None undecided -- read from the
    evaluation's own tuple of outcomes: nothing is copied (a dict of 5,000 rules per evaluation is
    most of what a batch would otherwise pay for a Result it never reads this way)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, rule_id: str) -> bool | None:
        return self._values[self._index[rule_id]]

    def get(self, rule_id: str, default: Any = None) -> Any:
        position = self._index.get(rule_id)
        return default if position is None else self._values[position]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._index

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Outcomes({dict(self)!r})"


class Explainer:
    """One evaluation, kept to make on demand (once each) what a batch rarely reads."""

    __slots__ = ("kb", "known", "derived", "outs", "_cache")

    def __init__(self, kb: KnowledgeBase, known: dict, derived: dict, outs: tuple) -> None:
        self.kb = kb
        self.known = known
        self.derived = derived
        self.outs = outs  # every rule's outcome, in evaluation order
        self._cache: dict | None = None

    def _cached(self, key: Any, make: Any) -> Any:
        cache = self._cache
        if cache is None:
            cache = self._cache = {}
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def because(self, rule_id: str) -> dict[str, Any]:
        return self._cached(("because", rule_id), lambda: explain.because(self.kb, rule_id, self.known, self.derived))

    def needs(self, rule_id: str) -> tuple[str, ...]:
        return self._cached(("needs", rule_id), lambda: explain.needs(self.kb, rule_id, self.known))

    def outcomes(self) -> Outcomes:
        return Outcomes(self.kb.compiled.index, self.outs)

    def undecided(self) -> tuple[Undecided, ...]:
        plan = self.kb.compiled
        return self._cached("undecided", lambda: tuple(
            Undecided(rule_id, self)
            for rule_id in compress(plan.id_order, map(is_, plan.id_pick(self.outs), repeat(None)))))

    def possible_causes(self, findings: tuple[Finding, ...]) -> tuple[PossibleCause, ...]:
        plan = self.kb.compiled
        if not plan.caused_by:
            return ()
        outs, index, by_id = self.outs, plan.index, self.kb.by_id
        return self._cached("possible", lambda: tuple(
            PossibleCause(f.id, cause, self)
            for f in findings for cause in plan.caused_by.get(f.id, ())
            if outs[index[cause]] is None and by_id[cause].is_finding))


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
        value = _FindingFields.because.__get__(self)
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
        value = _UndecidedFields.needs.__get__(self)
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
        value = _PossibleCauseFields.needs.__get__(self)
        return value.needs(self.cause) if type(value) is Explainer else value

    def __repr__(self) -> str:
        return f"PossibleCause(symptom={self.symptom!r}, cause={self.cause!r}, needs={self.needs!r})"


@dataclass(frozen=True, eq=False, repr=False)
class Result:
    """The outcome of one evaluation.  Equal only to itself (two evaluations are two results)."""

    facts: dict[str, Any]  # given and derived, canonical values
    derived: dict[str, str]  # derived fact -> id of the rule that derived it
    explainer: Explainer  # the evaluation itself, which makes the rest on first read

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """The finding rules that fired: causes before consequences, then severity, then id."""
        explainer = self.explainer
        return tuple(map(Finding._make, order.finding_rows(explainer.kb, explainer.outs, explainer)))

    @property
    def undecided(self) -> tuple[Undecided, ...]:
        """Finding rules that could not be decided, by id."""
        return self.explainer.undecided()

    @property
    def possible_causes(self) -> tuple[PossibleCause, ...]:
        """Causes of a finding that are neither confirmed nor ruled out."""
        return self.explainer.possible_causes(self.findings)

    @property
    def outcomes(self) -> Mapping[str, bool | None]:
        """Every rule: True fired, False did not, None undecided."""
        return self.explainer.outcomes()

    @property
    def problems_found(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)

    def finding(self, rule_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == rule_id), None)

    def __repr__(self) -> str:
        # What one wants to see while debugging: the findings (made now if they were not yet), not the Explainer.
        return f"<Result {len(self.facts)} facts, findings {[f.id for f in self.findings]}>"
