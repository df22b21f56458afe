"""What a Result reads of its compiled knowledge base: the tables :class:`plan.Plan` builds.

A Protocol, not the Plan class itself: ``plan`` imports ``result`` (its generated code makes
Results), so if ``result`` and ``order`` named ``Plan`` in their annotations the
import graph would have a circle, even if only for the type checker.  ``Plan`` matches this
shape without saying so; the type checker checks it wherever a Plan is passed as one.
"""
from __future__ import annotations

from typing import Callable, Protocol

from .explain import Rules
from .finding import Finding


class PlanTables(Rules, Protocol):
    """Besides what explanations read (``by_id``, ``derived_by``): the orders and indexes."""

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

