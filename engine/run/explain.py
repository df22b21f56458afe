"""Why a rule came out as it did (``because``) and what would decide it (``needs``), computed on demand.

An evaluation in a batch is rarely explained, so its records hold an
:class:`Explainer` and ask it when read (see :mod:`result`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the model imports nothing of run/
    from ..kb.load import KnowledgeBase


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


class Explainer:
    """Computes, once each, the explanations of one evaluation on demand."""

    __slots__ = ("kb", "known", "derived", "_because", "_needs")

    def __init__(self, kb: Any, known: dict, derived: dict) -> None:
        self.kb = kb
        self.known = known
        self.derived = derived
        self._because: dict[str, dict] = {}
        self._needs: dict[str, tuple] = {}

    def because(self, rule_id: str) -> dict[str, Any]:
        if rule_id not in self._because:
            self._because[rule_id] = because(self.kb, rule_id, self.known, self.derived)
        return self._because[rule_id]

    def needs(self, rule_id: str) -> tuple[str, ...]:
        if rule_id not in self._needs:
            self._needs[rule_id] = needs(self.kb, rule_id, self.known)
        return self._needs[rule_id]
