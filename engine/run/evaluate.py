"""Evaluate facts against a compiled knowledge base.  No I/O happens here.

Rules are stored in dependency order (see ``knowledge._evaluation_order``),
so one pass reaches the fixpoint of forward chaining: when a rule runs,
every rule that could derive a fact it reads has already run.  The pass
itself is generated Python code (see :mod:`plan`); this module wraps its
outcomes in a :class:`Result` and builds nothing else: the findings,
undecided rules, possible causes, explanations and the ``outcomes`` of every
rule are made from those outcomes when someone reads them.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from ..kb.catalogue import Value
from ..kb.load import KnowledgeBase
from .result import Result


def evaluate(kb: KnowledgeBase, facts: Mapping[str, Value]) -> Result:
    plan = kb.compiled
    known = dict(facts)
    derived: dict[str, str] = {}
    outs = (plan._run or plan.run)(known, derived)  # the property only until the code is built
    return Result(kb, known, derived, outs)


def evaluate_many(kb: KnowledgeBase, fact_sets: Iterable[Mapping[str, Value]]) -> Iterator[Result]:
    """``evaluate`` of each fact set in turn; nothing is kept from one to the next."""
    for facts in fact_sets:
        yield evaluate(kb, facts)
