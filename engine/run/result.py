"""What an evaluation produces: immutable records, built when first read.

A batch run makes thousands of results per second, most never explained, so
a :class:`Result` holds only the evaluation -- its facts and the generated
code's list of every rule's outcome by slot (see :mod:`plan`) -- and makes
the rest when first read, once: the findings in their order, the undecided
rules, the possible causes, and the explanations (``Finding.because``,
``needs``); ``outcomes`` is a read-only view over the slots, nothing copied.
Whether a finding that did not fire is False or undecided is settled here,
by its condition's nodes, when first read (``plan.deferred``).

The records (:class:`Finding`, :class:`Undecided`, :class:`PossibleCause`)
are tuples with named fields (``_fields``, ``_asdict()``, ``_replace()``,
``_make()``, as named tuples have), built straight from their fields' values
by the tuple type itself (``map(Finding, rows)``), one object per record,
made when read and not kept (see :class:`Findings`).  The field that explains
a record holds the Result until read; built by hand (``Finding.make(...)``)
a record holds plain values.  Nothing a Result keeps refers back to it, so
dropping one frees it at once (see :class:`Result`).
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from itertools import compress, repeat
from operator import add, is_
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable, Iterator, Self, TypeVar, cast, overload

from . import explain, order

if TYPE_CHECKING:  # annotations only
    from ..kb.catalogue import Value
    from .tables import PlanTables

T = TypeVar("T")


class Outcomes(Mapping[str, "bool | None"]):
    """Every rule's outcome by id -- True fired, False did not, None undecided -- read from the
    evaluation's own list of outcomes: nothing is copied (a dict of 5,000 rules per evaluation is
    most of what a batch would otherwise pay for a Result it never reads this way).  A deferred
    finding that did not fire (see ``plan.deferred``) is settled by its Result when read."""

    __slots__ = ("_index", "_values", "_deferred", "_result")

    def __init__(self, result: Result) -> None:
        plan = result._plan
        self._index = plan.index
        self._values = result._outs
        self._deferred = plan.deferred
        self._result = result  # which settles a deferred finding (no bound method made per view)

    def __getitem__(self, rule_id: str) -> bool | None:
        slot = self._index[rule_id]
        value = self._values[slot]
        if value is False and self._deferred[slot]:
            return self._result._settle(slot)
        return value

    @overload
    def get(self, rule_id: str, /) -> bool | None: ...

    @overload
    def get(self, rule_id: str, /, default: bool | None | T) -> bool | None | T: ...

    def get(self, rule_id: str, /, default: object = None) -> object:
        slot = self._index.get(rule_id)
        if slot is None:
            return default
        value = self._values[slot]
        if value is False and self._deferred[slot]:
            return self._result._settle(slot)
        return value

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Outcomes({dict(self)!r})"


class Findings(Sequence["Finding"]):
    """A Result's findings, in order: a record is made each time one is read, never kept.

    A Result of a large knowledge base has thousands of findings; kept together, each holding the
    Result that explains it, they would outlive young collections and make the cyclic garbage
    collector scan the whole process again and again.  What the Result keeps is the list of the fired
    rules' prepared rows (shared with the knowledge base); a record is that row plus the Result, and
    this view is made on each read of ``Result.findings`` (kept by the Result, it would hold it in a
    reference cycle).  Reads as the tuple of records would (equality with a tuple included)."""

    __slots__ = ("_result", "_rows")

    def __init__(self, result: Result, rows: list[tuple[object, ...]]) -> None:
        self._result = result
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Finding]:
        return map(Finding, map(add, self._rows, repeat((self._result,))))

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Finding, ...]: ...

    def __getitem__(self, index: int | slice) -> Finding | tuple[Finding, ...]:
        if isinstance(index, slice):
            return tuple(Finding(row + (self._result,)) for row in self._rows[index])
        return Finding(self._rows[index] + (self._result,))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Findings, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # compares by value, like a list of records

    def __repr__(self) -> str:
        return f"Findings({list(self)!r})"


def _getters(**docs: str) -> tuple[Any, ...]:
    """Getters of a tuple's first items, in the order given, with these docs: those of a named tuple
    of these fields -- C-level descriptors, read in a third of the time a property over an
    ``itemgetter`` takes (a record's class keeps the tuple type's own constructor: no Python frame)."""
    fields = namedtuple("_Fields", list(docs))  # type: ignore[misc]  # names given by this module
    getters = tuple(getattr(fields, name) for name in docs)
    for getter, doc in zip(getters, docs.values()):
        getter.__doc__ = doc  # how the collections documentation says to document a field
    return getters


class _Record(tuple[object, ...]):
    """A tuple with named fields, as a named tuple, minus the constructor: ``Record(values)`` is the
    tuple type's own (no Python frame per record), ``Record.make(...)`` takes the fields by name.
    Equality, hashing and iteration are on the values the fields show (an explanation computed)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _lazy: str = ""  # the field that may hold the Result until read

    @classmethod
    def make(cls, *args: object, **kwargs: object) -> Self:
        values = list(args) + [kwargs.pop(name) for name in cls._fields[len(args):] if name in kwargs]
        if kwargs or len(values) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes the fields {', '.join(cls._fields)}")
        return cls(values)

    @classmethod
    def _make(cls, iterable: Iterable[object]) -> Self:
        made = cls(iterable)
        if len(made) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} fields, got {len(made)}")
        return made

    def _asdict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._fields}

    def _replace(self, **changes: object) -> Self:
        return type(self)(changes.pop(name, getattr(self, name)) for name in self._fields)

    def __iter__(self) -> Iterator[object]:
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


class Finding(_Record):
    """A rule that fired, the facts behind it and where it sits among the others."""

    __slots__ = ()
    # The explanation last: a fired rule's record is its prepared row (see plan.Plan.severity_rules)
    # plus the Result that explains it.
    _fields = ("id", "severity", "consequence_of", "links", "because")
    id, severity, consequence_of, links = _getters(
        id="the rule's id", severity="error, warning or info",
        consequence_of="the fired findings that cause this one",
        links="(relation, rule id) pairs the rule declares")

    @property
    def because(self) -> dict[str, Value]:
        """The facts that made the rule fire, following derived facts to their sources."""
        value = self[4]
        # built by hand (make), the field holds the plain value
        return value.because(self.id) if type(value) is Result else cast("dict[str, Value]", value)

    def __repr__(self) -> str:
        return f"<Finding {self.id} ({self.severity}) because {sorted(self.because)}>"


class Undecided(_Record):
    """A rule that could not be decided, and the facts that would decide it."""

    __slots__ = ()
    _fields = ("id", "needs")
    (id,) = _getters(id="the rule's id")

    @property
    def needs(self) -> tuple[str, ...]:
        value = self[1]
        return value.needs(self.id) if type(value) is Result else cast("tuple[str, ...]", value)  # see because

    def __repr__(self) -> str:
        return f"Undecided(id={self.id!r}, needs={self.needs!r})"


class PossibleCause(_Record):
    """A cause of a finding that is neither confirmed nor ruled out."""

    __slots__ = ()
    _fields = ("symptom", "cause", "needs")
    symptom, cause = _getters(symptom="the finding", cause="the rule that may cause it")

    @property
    def needs(self) -> tuple[str, ...]:
        value = self[2]
        return value.needs(self.cause) if type(value) is Result else cast("tuple[str, ...]", value)  # see because

    def __repr__(self) -> str:
        return f"PossibleCause(symptom={self.symptom!r}, cause={self.cause!r}, needs={self.needs!r})"


class Result:
    """The outcome of one evaluation.  Equal only to itself (two evaluations are two results).

    Read-only: its fields are properties over the evaluation it keeps."""

    __slots__ = ("_plan", "_facts", "_derived", "_outs", "_rows", "_cache")
    _cache: dict[Hashable, object]  # unset until an explanation is read

    # Made by the generated code (``plan``), once per evaluation: what is read later is made then
    # (``_rows``, ``_cached``), so making one stores little more than what the evaluation gave.
    #
    # Nothing a Result keeps refers back to it (its records and views do, and are made on each read):
    # a Result is freed as soon as its caller drops it, not left as a reference cycle for the cyclic
    # collector to find -- a batch makes thousands per second, each holding a list of every rule.
    def __init__(self, plan: PlanTables, facts: dict[str, Value], derived: dict[str, str],
                 outs: list[bool | None]) -> None:
        self._plan = plan  # the compiled knowledge base: orders, rules by id, what explanations read
        self._facts = facts
        self._derived = derived
        self._outs = outs  # every rule's outcome by slot (plan.slots)
        self._rows: list[tuple[object, ...]] | None = None  # the fired findings' rows, once read

    @property
    def facts(self) -> dict[str, Value]:
        """Given and derived, canonical values."""
        return self._facts

    @property
    def derived(self) -> dict[str, str]:
        """Derived fact -> id of the rule that derived it."""
        return self._derived

    @property
    def findings(self) -> Findings:
        """The finding rules that fired: causes before consequences, then severity, then id."""
        rows = self._rows
        if rows is None:  # the first read
            plan = self._plan
            # The finding rules hold the first slots, in (severity, id) order, and an outcome is exactly
            # True, False or None: compress, which stops at its shorter input, keeps the findings that
            # fired -- one pass over the slots, picking each one's prepared row (no new object per finding).
            rows = list(compress(plan.severity_rules, self._outs))
            if plan.linked and not plan.linked.isdisjoint([row[0] for row in rows]):
                rows = order.linked_rows(plan, rows)  # some fired rules are linked by `causes`: causes first
            self._rows = rows
        return Findings(self, rows)

    @property
    def undecided(self) -> tuple[Undecided, ...]:
        """Finding rules that could not be decided, by id."""
        plan = self._plan
        ids = self._cached("undecided", lambda: tuple(
            compress(plan.id_order, map(is_, plan.id_pick(self._settled()), repeat(None)))))
        return tuple(map(Undecided, zip(ids, repeat(self))))

    @property
    def possible_causes(self) -> tuple[PossibleCause, ...]:
        """Causes of a finding that are neither confirmed nor ruled out."""
        plan = self._plan
        if not plan.caused_by:
            return ()
        outs, index, by_id = self._settled(), plan.index, plan.by_id
        pairs = self._cached("possible", lambda: tuple(
            (f.id, cause) for f in self.findings for cause in plan.caused_by.get(f.id, ())
            if outs[index[cause]] is None and by_id[cause].is_finding))
        return tuple(PossibleCause((symptom, cause, self)) for symptom, cause in pairs)

    @property
    def outcomes(self) -> Mapping[str, bool | None]:
        """Every rule: True fired, False did not, None undecided."""
        return Outcomes(self)

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

    # The explanations, computed when a record's field is read (once each).

    def because(self, rule_id: str) -> dict[str, Value]:
        return self._cached(("because", rule_id),
                            lambda: explain.because(self._plan, rule_id, self._facts, self._derived))

    def needs(self, rule_id: str) -> tuple[str, ...]:
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
