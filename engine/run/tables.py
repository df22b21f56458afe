"""What a Result reads of its compiled knowledge base: the tables :class:`plan.Plan` builds once.

A record of its own, not the Plan itself: the Plan holds the generated drivers, and each driver
makes its Results with these tables (``P`` in the generated code).  Were ``P`` the Plan, every
compiled knowledge base would be a reference cycle (plan -> driver -> plan), so one that is dropped
-- a server's old knowledge base after a reload, a benchmark's load -- would wait for a full
collection of the cyclic garbage, and its memory with it; the tables refer to nothing that refers
back, so a dropped knowledge base is freed at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .finding import Finding

if TYPE_CHECKING:  # annotations only
    from ..kb.load import Rule


@dataclass(frozen=True, slots=True)
class PlanTables:
    """The orders and indexes, and what explanations read (``by_id``, ``derived_by``)."""

    by_id: dict[str, Rule]  # the knowledge base's own dicts
    derived_by: dict[str, tuple[str, ...]]
    index: dict[str, int]  # rule id -> its slot in the outcomes
    causes: dict[str, tuple[str, ...]]  # cause -> its consequences
    caused_by: dict[str, tuple[str, ...]]  # consequence -> its causes
    linked: frozenset[str]  # every rule that is a cause or a consequence
    severity_rules: tuple[Finding, ...]  # the finding rules' records, in (severity, id) order
    id_order: tuple[str, ...]  # the finding rules' ids, in id order
    ids: tuple[str, ...]  # every rule, by slot
    deferred: bytes  # by slot: 1 for a finding whose "undecided" the Result settles when read
    deferred_slots: tuple[int, ...]  # those slots
    id_pick: Callable[[list[bool | None]], tuple[bool | None, ...]]  # their outcomes, in that order
