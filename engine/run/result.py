"""What an evaluation produces: a Result, which builds what is read of it when first read.

A batch run makes thousands of results per second, most never explained, so
a :class:`Result` holds only the evaluation -- its facts and the generated
code's list of every rule's outcome by slot (see :mod:`plan`) -- and makes
the rest when first read, once: the findings in their order, the undecided
rules, the possible causes, and the explanations (``because``, ``needs``);
``outcomes`` is a read-only view over the slots, nothing copied.  Whether a
finding that did not fire is False or undecided is settled here, by its
condition's nodes, when first read (``plan.deferred``).

The records hold plain values and are immutable.  A :class:`Finding` is the
knowledge base's own record of the rule (see :mod:`finding`): the findings
of a Result are picked from those, no object made per finding, and what
made one fire is ``result.because(finding.id)``.  :class:`Undecided` and
:class:`PossibleCause` carry what would decide them (``needs``), computed
when they are first read.  Nothing a Result keeps refers back to it, so
dropping one frees it at once, by reference counting.
"""
from __future__ import annotations

from collections.abc import Mapping
from itertools import compress, repeat
from operator import is_
from typing import TYPE_CHECKING, Callable, Hashable, Iterator, NamedTuple, TypeVar, cast, overload

from . import explain, order
from .finding import Finding

if TYPE_CHECKING:  # annotations only
    from ..kb.catalogue import Value
    from .tables import PlanTables

__all__ = ["Finding", "Outcomes", "PossibleCause", "Result", "Undecided"]

T = TypeVar("T")


class Outcomes(Mapping[str, "bool | None"]):
    """Every rule's outcome by id -- True fired, False did not, None undecided -- read from the
    evaluation's own list of outcomes: nothing is copied (a dict of 5,000 rules per evaluation is
    most of what a batch would otherwise pay for a Result it never reads this way).  A deferred
    finding that did not fire (see ``plan.deferred``) is settled by its Result when read."""

    __slots__ = ("_result",)

    # One store: a caller often reads a view for one or two outcomes (``result.outcomes[id]``), so the
    # view is made as cheaply as can be and each read looks up the Result's tables itself.
    def __init__(self, result: Result) -> None:
        self._result = result

    def __getitem__(self, rule_id: str) -> bool | None:
        result = self._result
        plan = result._plan
        slot = plan.index[rule_id]
        value = result._outs[slot]
        if value is False and plan.deferred[slot]:
            return result._settle(slot)
        return value

    @overload
    def get(self, rule_id: str, /) -> bool | None: ...

    @overload
    def get(self, rule_id: str, /, default: bool | None | T) -> bool | None | T: ...

    def get(self, rule_id: str, /, default: object = None) -> object:
        result = self._result
        plan = result._plan
        slot = plan.index.get(rule_id)
        if slot is None:
            return default
        value = result._outs[slot]
        if value is False and plan.deferred[slot]:
            return result._settle(slot)
        return value

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._result._plan.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._result._plan.index)

    def __len__(self) -> int:
        return len(self._result._plan.index)

    def __repr__(self) -> str:
        return f"Outcomes({dict(self)!r})"


class Undecided(NamedTuple):
    """A finding rule that could not be decided, and the facts that would decide it."""

    id: str  # the rule's id
    needs: tuple[str, ...]  # missing facts; a derivable one brings the facts that would derive it


class PossibleCause(NamedTuple):
    """A cause of a finding that is neither confirmed nor ruled out."""

    symptom: str  # the finding
    cause: str  # the rule that may cause it
    needs: tuple[str, ...]  # the facts that would decide the cause


class Result:
    """The outcome of one evaluation.  Equal only to itself (two evaluations are two results).

    Read-only: its fields are properties over the evaluation it keeps."""

    __slots__ = ("_plan", "_facts", "_derived", "_outs", "_findings", "_cache")
    _cache: dict[Hashable, object]  # unset until an explanation is read

    # Made by the generated code (``plan``), once per evaluation: what is read later is made then
    # (``_findings``, ``_cached``), so making one stores little more than what the evaluation gave.
    #
    # Nothing a Result keeps refers back to it: a Result is freed as soon as its caller drops it, not
    # left as a reference cycle for the cyclic collector to find -- a batch makes thousands per
    # second, each holding a list of every rule.
    def __init__(self, plan: PlanTables, facts: dict[str, Value], derived: dict[str, str],
                 outs: list[bool | None]) -> None:
        self._plan = plan  # the compiled knowledge base: orders, rules by id, what explanations read
        self._facts = facts
        self._derived = derived
        self._outs = outs  # every rule's outcome by slot (plan.slots)
        self._findings: tuple[Finding, ...] | None = None  # once read

    @property
    def facts(self) -> dict[str, Value]:
        """Given and derived, canonical values."""
        return self._facts

    @property
    def derived(self) -> dict[str, str]:
        """Derived fact -> id of the rule that derived it."""
        return self._derived

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The finding rules that fired: causes before consequences, then severity, then id."""
        findings = self._findings
        if findings is None:  # the first read
            plan = self._plan
            # The finding rules hold the first slots, in (severity, id) order, and an outcome is exactly
            # True, False or None: compress, which stops at its shorter input, keeps the findings that
            # fired -- one pass over the slots, picking each one's record (no new object per finding).
            findings = tuple(compress(plan.severity_rules, self._outs))
            if plan.linked and not plan.linked.isdisjoint([finding.id for finding in findings]):
                findings = order.causes_first(plan, findings)  # some fired findings are linked by `causes`
            self._findings = findings
        return findings

    @property
    def undecided(self) -> tuple[Undecided, ...]:
        """Finding rules that could not be decided, by id, with the facts that would decide each."""
        plan = self._plan
        return self._cached("undecided", lambda: tuple(
            Undecided(rule_id, self.needs(rule_id))
            for rule_id in compress(plan.id_order, map(is_, plan.id_pick(self._settled()), repeat(None)))))

    @property
    def possible_causes(self) -> tuple[PossibleCause, ...]:
        """Causes of a fired finding that are neither confirmed nor ruled out."""
        plan = self._plan
        if not plan.caused_by:
            return ()
        outs, index, by_id = self._settled(), plan.index, plan.by_id
        return self._cached("possible", lambda: tuple(
            PossibleCause(f.id, cause, self.needs(cause)) for f in self.findings
            for cause in plan.caused_by.get(f.id, ())
            if outs[index[cause]] is None and by_id[cause].is_finding))

    # The property calls the view's class itself: one Python call per read, not two.
    outcomes = property(Outcomes, doc="Every rule: True fired, False did not, None undecided.")

    @property
    def problems_found(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)

    def finding(self, rule_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == rule_id), None)

    # The deferred findings' "undecided" (see ``plan.deferred``), settled when read.

    def _settle(self, slot: int) -> bool | None:
        """The outcome of a deferred finding that did not fire: False, or None when undecided -- its
        condition evaluated by its own nodes over the facts the evaluation ended with (which hold what
        the rule saw: a fact is never changed once known).  With every fact it reads known, it was
        decided, hence False.  None is kept in the outcomes, a False with some fact missing here."""
        rule = self._plan.by_id[self._plan.ids[slot]]
        facts = self._facts
        if facts.keys() >= rule.reads:
            return False
        settled: dict[int, bool | None] = self._cached("settled", dict)
        if slot not in settled:
            value = settled[slot] = rule.condition.evaluate(facts)
            if value is None:
                self._outs[slot] = None
        return settled[slot]

    def _settled(self) -> list[bool | None]:
        """The outcomes with every deferred finding settled (read by ``undecided``, ``possible_causes``)."""
        self._cached("all settled", self._settle_all)
        return self._outs

    def _settle_all(self) -> bool:
        outs = self._outs
        for slot in self._plan.deferred_slots:
            if outs[slot] is False:
                self._settle(slot)
        return True

    # The explanations, computed when first asked (once each).

    def because(self, rule_id: str) -> dict[str, Value]:
        """The facts that made the rule come out as it did, following derived facts to their sources."""
        return self._cached(("because", rule_id),
                            lambda: explain.because(self._plan, rule_id, self._facts, self._derived))

    def needs(self, rule_id: str) -> tuple[str, ...]:
        """The missing facts that would decide the rule; a derivable one brings its own along."""
        return self._cached(("needs", rule_id), lambda: explain.needs(self._plan, rule_id, self._facts))

    def _cached(self, key: Hashable, make: Callable[[], T]) -> T:
        try:
            cache = self._cache
        except AttributeError:  # the first explanation read
            cache = self._cache = {}
        if key not in cache:
            cache[key] = make()
        return cast(T, cache[key])  # what make() gave for this key: each key has its one maker

    def __repr__(self) -> str:
        # What one wants to see while debugging: the findings (made now if they were not yet).
        return f"<Result {len(self._facts)} facts, findings {[f.id for f in self.findings]}>"
