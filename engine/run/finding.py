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

from typing import NamedTuple


class Finding(NamedTuple):
    """A rule that fired and where it sits among the others."""

    id: str  # the rule's id
    severity: str  # error, warning or info
    consequence_of: tuple[str, ...]  # the findings that fired with it and cause it
    links: tuple[tuple[str, str], ...]  # (relation, rule id) pairs the rule declares
