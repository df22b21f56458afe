"""Where each finding sits in a Result: causes before their consequences, then severity, then id.

Worked out from an evaluation's outcomes when a Result's findings are first
read (see ``result.Result.findings``, which orders the findings itself when no
`causes` link joins two that fired): a batch that only counts fired rules
never pays for it.
"""
from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from ..kb.load import SEVERITY_RANK
from .finding import Finding

if TYPE_CHECKING:  # annotations only
    from ..kb.load import Rule
    from .tables import PlanTables


def causes_first(plan: PlanTables, fired: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings when `causes` links join some of them: causes first, each consequence naming its
    fired causes (a record of this evaluation's, where the knowledge base's own names none)."""
    rules = [plan.by_id[finding.id] for finding in fired]
    fired_ids = {rule.id for rule in rules}
    return tuple(Finding(rule.id, rule.severity, tuple(c for c in plan.caused_by.get(rule.id, ()) if c in fired_ids),
                         rule.links) for rule in _topological(plan, rules))


def _topological(plan: PlanTables, fired: list[Rule]) -> list[Rule]:
    """Topological order over the `causes` links among fired rules; ties by severity, then id."""
    ids = {r.id: r for r in fired}
    waiting = {rid: {c for c in plan.caused_by.get(rid, ()) if c in ids} for rid in ids}
    ready = [(SEVERITY_RANK[r.severity], r.id) for r in fired if not waiting[r.id]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, rid = heapq.heappop(ready)
        ordered.append(ids[rid])
        for effect in plan.causes.get(rid, ()):
            if effect in waiting and rid in waiting[effect]:
                waiting[effect].discard(rid)
                if not waiting[effect]:
                    heapq.heappush(ready, (SEVERITY_RANK[ids[effect].severity], effect))
    # Cause cycles are allowed in links; whatever is left is appended in the usual order.
    placed = {r.id for r in ordered}
    rest = sorted((r for r in fired if r.id not in placed), key=lambda r: (SEVERITY_RANK[r.severity], r.id))
    return ordered + rest
