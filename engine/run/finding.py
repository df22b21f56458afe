"""A finding rule's record, the one a Result lists when the rule fires.

It holds what the rule is, not what one evaluation saw: the compiled
knowledge base builds one per finding rule (see ``plan.Plan.severity_rules``)
and every Result in which the rule fires lists that same record, so reading
a Result's findings makes no object per finding.  What made it fire is asked
of the Result (``Result.because(finding.id)``).  Only a finding whose causes
fired with it gets a record of its own evaluation, naming them
(``consequence_of``, see :mod:`order`).
"""
from __future__ import annotations

from dataclasses import dataclass


# Frozen, since every Result shares the record; slots, since a caller reads ``finding.id`` of every
# finding of every result: CPython 3.11 specialises a read of a slot (a named tuple's field goes through
# a generic descriptor call), which halves what reading the ids of 1,650 findings costs (118 -> 62 us).
@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired and where it sits among the others."""

    id: str  # the rule's id
    severity: str  # error, warning or info
    consequence_of: tuple[str, ...]  # the findings that fired with it and cause it
    links: tuple[tuple[str, str], ...]  # (relation, rule id) pairs the rule declares
