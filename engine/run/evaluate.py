"""Evaluate facts against a compiled knowledge base.  No I/O happens here.

Rules are stored in dependency order (see ``knowledge._evaluation_order``),
so one pass reaches the fixpoint of forward chaining: when a rule runs,
every rule that could derive a fact it reads has already run.  The pass
itself is generated Python code (see :mod:`plan`); this module turns its
outcomes into a :class:`Result`: the findings now, everything else (undecided
rules, possible causes, explanations, the ``outcomes`` of every rule) when
someone reads it.
"""
from __future__ import annotations

import heapq
from itertools import compress, repeat
from typing import Any, Iterable, Iterator

from ..kb.load import SEVERITY_RANK, KnowledgeBase
from .result import Explainer, Finding, Result


def evaluate(kb: KnowledgeBase, facts: dict[str, Any]) -> Result:
    plan = kb.compiled
    known = dict(facts)
    derived: dict[str, str] = {}
    outs = (plan._run or plan.run)(known, derived)  # the property only until the code is built
    explainer = Explainer(kb, known, derived, outs)
    # The finding rules that fired, in (severity, id) order: an outcome is exactly True, False or None,
    # so compress keeps the rules whose outcome is True.
    picked = plan.severity_pick(outs)
    if plan.linked:  # some rules are linked by `causes`: when such a rule fired, causes come first
        fired = list(compress(plan.severity_rules, picked))
        if not plan.linked.isdisjoint([rule_id for rule_id, _, _ in fired]):
            return Result(known, derived, _linked_findings(kb, fired, explainer), explainer)
    # The records through their named tuple's own `_make`, fed by zip: the cheapest honest way to make
    # thousands of them (a batch of a large knowledge base makes one per finding and per fact set).
    rows = zip(compress(plan.severity_ids, picked), compress(plan.severity_levels, picked), repeat(explainer),
               repeat(()), compress(plan.severity_links, picked))
    return Result(known, derived, tuple(map(Finding._make, rows)), explainer)


def evaluate_many(kb: KnowledgeBase, fact_sets: Iterable[dict[str, Any]]) -> Iterator[Result]:
    """``evaluate`` of each fact set in turn; nothing is kept from one to the next."""
    for facts in fact_sets:
        yield evaluate(kb, facts)


def _linked_findings(kb: KnowledgeBase, fired: list, explainer: Explainer) -> tuple:
    """Findings when `causes` links join some of them: causes first, consequences know their causes."""
    rules = [kb.by_id[rule_id] for rule_id, _, _ in fired]
    fired_ids = {rule.id for rule in rules}
    return tuple(
        Finding(rule.id, rule.severity, explainer, tuple(c for c in kb.caused_by(rule.id) if c in fired_ids),
                rule.links)
        for rule in _causes_first(kb, rules)
    )


def _causes_first(kb: KnowledgeBase, fired: list) -> list:
    """Topological order over the `causes` links among fired rules; ties by severity, then id."""
    ids = {r.id: r for r in fired}
    waiting = {rid: {c for c in kb.caused_by(rid) if c in ids} for rid in ids}
    ready = [(SEVERITY_RANK[r.severity], r.id) for r in fired if not waiting[r.id]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, rid = heapq.heappop(ready)
        ordered.append(ids[rid])
        for effect in kb.causes.get(rid, ()):
            if effect in waiting and rid in waiting[effect]:
                waiting[effect].discard(rid)
                if not waiting[effect]:
                    heapq.heappush(ready, (SEVERITY_RANK[ids[effect].severity], effect))
    # Cause cycles are allowed in links; whatever is left is appended in the usual order.
    placed = {r.id for r in ordered}
    rest = sorted((r for r in fired if r.id not in placed), key=lambda r: (SEVERITY_RANK[r.severity], r.id))
    return ordered + rest
