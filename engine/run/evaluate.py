"""Evaluate facts against a compiled knowledge base.  No I/O happens here.

Rules are stored in dependency order (see ``knowledge._evaluation_order``),
so one pass reaches the fixpoint of forward chaining: when a rule runs,
every rule that could derive a fact it reads has already run.  The pass
itself is generated Python code (see :mod:`compiled`); this module turns
its outcomes into a :class:`Result`.  Explanations (``because``, ``needs``)
and the ``outcomes`` dict of every rule are made only when someone reads them.
"""
from __future__ import annotations

import heapq
from itertools import compress, repeat
from operator import is_
from typing import Any

from ..kb.load import SEVERITY_RANK, KnowledgeBase
from .explain import Explainer
from .result import Finding, PossibleCause, Result, Undecided

_new = tuple.__new__
_new_object = object.__new__


def evaluate(kb: KnowledgeBase, facts: dict[str, Any]) -> Result:
    plan = kb.compiled
    known = dict(facts)
    derived: dict[str, str] = {}
    explainer = Explainer(kb, known, derived)
    # The generated code also makes the findings (in (severity, id) order) and the undecided records.
    outs, findings, undecided = plan.run(known, derived, explainer)
    if findings is None:  # from the general body (a given fact is missing): the same records, made here
        # (an outcome is exactly True, False or None, so compress's truth test is `is True`)
        findings = [_new(Finding, (rule_id, severity, explainer, (), links))
                    for rule_id, severity, links in compress(plan.severity_rules, plan.severity_pick(outs))]
        undecided = [_new(Undecided, (rule_id, explainer))
                     for rule_id in compress(plan.id_order, map(is_, plan.id_pick(outs), repeat(None)))]
    if plan.linked and not plan.linked.isdisjoint(f.id for f in findings):
        findings = _linked_findings(kb, plan, [(f.id, f.severity, f.links) for f in findings], explainer)
    else:
        findings = tuple(findings)
    possible = ()
    if plan.caused_by:
        index = plan.index
        possible = tuple(
            _new(PossibleCause, (f.id, cause, explainer))
            for f in findings for cause in kb.caused_by(f.id)
            if outs[index[cause]] is None and kb.by_id[cause].is_finding
        )
    # A frozen dataclass's __init__ sets fields one object.__setattr__ at a time; filling
    # the instance dict directly gives the same object in a fraction of the time.  `outcomes`
    # (every rule, by id) is made from the ids and outcomes when first read (see Result).
    result = _new_object(Result)
    result.__dict__.update(facts=known, derived=derived, findings=findings, undecided=tuple(undecided),
                           possible_causes=possible, _outcomes=(plan.ids, outs))
    return result


def _linked_findings(kb: KnowledgeBase, plan: Any, fired: list, explainer: Explainer) -> tuple:
    """Findings when `causes` links join some of them: causes first, consequences know their causes."""
    rules = [kb.by_id[rule_id] for rule_id, _, _ in fired]
    fired_ids = {rule.id for rule in rules}
    return tuple(
        _new(Finding, (rule.id, rule.severity, explainer,
                       tuple(c for c in kb.caused_by(rule.id) if c in fired_ids), rule.links))
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
