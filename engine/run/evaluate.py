"""Evaluate facts against a compiled knowledge base.  No I/O happens here.

Rules are stored in dependency order (see ``kb.load._evaluation_order``),
so one pass reaches the fixpoint of forward chaining: when a rule runs,
every rule that could derive a fact it reads has already run.  The pass
itself is generated Python code (see :mod:`plan`), and so is what wraps it:
the generated driver copies the facts and returns the :class:`result.Result`
of the outcomes, which builds nothing else until read -- the findings,
undecided rules, possible causes, explanations and the ``outcomes`` of every
rule.  ``kb.evaluate(facts)`` is that driver, called directly.  Here: the
batch forms, the same driver mapped over an iterable.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Protocol, cast

if TYPE_CHECKING:  # annotations only
    from ..kb.catalogue import Value
    from .result import Result


class Drivers(Protocol):
    """What the batch forms need of a :class:`plan.Plan` (named so, ``plan`` importing this module)."""

    def runner(self, fired: bool) -> Callable[[Mapping[str, Value]], object]: ...


def evaluate_many(plan: Drivers, fact_sets: Iterable[Mapping[str, Value]]) -> Iterator[Result]:
    """The Result of each fact set in turn, lazily: nothing is kept from one to the next."""
    return cast("Iterator[Result]", map(plan.runner(False), fact_sets))  # the full variant's driver


def fired_many(plan: Drivers, fact_sets: Iterable[Mapping[str, Value]]) -> Iterator[tuple[str, ...]]:
    """The fired ids of each fact set in turn, lazily."""
    return cast("Iterator[tuple[str, ...]]", map(plan.runner(True), fact_sets))  # the batch variant's driver
