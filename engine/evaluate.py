"""Evaluate facts against a compiled knowledge base.  No I/O happens here.

Rules are stored in dependency order (see ``knowledge._evaluation_order``),
so one pass reaches the fixpoint of forward chaining: when a rule runs,
every rule that could derive a fact it reads has already run.
"""
from __future__ import annotations

import heapq
from typing import Any

from .knowledge import SEVERITY_RANK, KnowledgeBase
from .result import Finding, PossibleCause, Result, Undecided


def evaluate(kb: KnowledgeBase, facts: dict[str, Any], explain: bool = False) -> Result:
    known = dict(facts)
    derived: dict[str, str] = {}
    outcomes: dict[str, bool | None] = {}
    for rule in kb.rules:
        value = rule.condition.evaluate(known)
        outcomes[rule.id] = value
        if value is None:
            continue
        for name, fact_value in rule.derives if value else rule.derives_when_false:
            if name not in known:  # what the user said wins over what a rule infers
                known[name] = fact_value
                derived[name] = rule.id

    fired = [r for r in kb.rules if r.is_finding and outcomes[r.id] is True]
    fired_ids = {r.id for r in fired}
    findings = []
    for rule in _causes_first(kb, fired):
        findings.append(Finding(
            id=rule.id,
            severity=rule.severity,
            because=because(kb, rule.id, known, derived),
            consequence_of=tuple(c for c in kb.caused_by(rule.id) if c in fired_ids),
            links=rule.links,
        ))
    undecided = tuple(
        Undecided(r.id, needs(kb, r.id, known))
        for r in sorted(kb.rules, key=lambda r: r.id)
        if r.is_finding and outcomes[r.id] is None
    )
    possible = tuple(
        PossibleCause(f.id, cause, needs(kb, cause, known))
        for f in findings for cause in kb.caused_by(f.id)
        if outcomes.get(cause) is None and kb.by_id[cause].is_finding
    )
    return Result(known, derived, tuple(findings), undecided, possible, outcomes)


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
    rest = sorted((r for r in fired if r not in ordered), key=lambda r: (SEVERITY_RANK[r.severity], r.id))
    return ordered + rest


def because(kb: KnowledgeBase, rule_id: str, known: dict, derived: dict[str, str]) -> dict[str, Any]:
    """The facts that made the rule come out as it did, following derived facts to their sources."""
    seen: dict[str, Any] = {}
    pending = list(kb.by_id[rule_id].condition.support(known))
    while pending:
        name = pending.pop(0)
        if name in seen or name not in known:
            continue
        seen[name] = known[name]
        if name in derived:
            pending.extend(kb.by_id[derived[name]].condition.support(known))
    return seen


def needs(kb: KnowledgeBase, rule_id: str, known: dict) -> tuple[str, ...]:
    """Missing facts that would decide the rule; a derivable fact brings its own needs along."""
    result: list[str] = []
    pending = list(kb.by_id[rule_id].condition.needs(known))
    visited = set()
    while pending:
        name = pending.pop(0)
        if name in visited:
            continue
        visited.add(name)
        result.append(name)
        for source in kb.derived_by.get(name, ()):
            pending.extend(kb.by_id[source].condition.needs(known))
    return tuple(result)
