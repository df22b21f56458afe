"""Why a rule came out as it did (``because``) and what would decide it (``needs``), computed on demand.

An evaluation in a batch is rarely explained, so its records hold the
evaluation's ``result.Result``, which calls these when they are read.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Protocol

if TYPE_CHECKING:  # annotations only: the model imports nothing of run/
    from ..kb.catalogue import Value
    from ..kb.load import Rule


class Rules(Protocol):
    """What explanations read: a knowledge base, or its compiled plan (which a Result holds)."""

    @property
    def by_id(self) -> dict[str, Rule]: ...

    @property
    def derived_by(self) -> dict[str, tuple[str, ...]]: ...


def because(kb: Rules, rule_id: str, known: Mapping[str, Value],
            derived: Mapping[str, str]) -> dict[str, Value]:
    """The facts that made the rule come out as it did, following derived facts to their sources."""
    seen: dict[str, Value] = {}
    pending = list(kb.by_id[rule_id].condition.support(known))
    while pending:
        name = pending.pop(0)
        if name in seen or name not in known:
            continue
        seen[name] = known[name]
        if name in derived:
            pending.extend(kb.by_id[derived[name]].condition.support(known))
    return seen


def needs(kb: Rules, rule_id: str, known: Mapping[str, Value]) -> tuple[str, ...]:
    """Missing facts that would decide the rule; a derivable fact brings its own needs along."""
    result: list[str] = []
    pending = list(kb.by_id[rule_id].condition.needs(known))
    visited: set[str] = set()
    while pending:
        name = pending.pop(0)
        if name in visited:
            continue
        visited.add(name)
        result.append(name)
        for source in kb.derived_by.get(name, ()):
            pending.extend(kb.by_id[source].condition.needs(known))
    return tuple(result)
