"""How a consultation starts, and the DNS it may look up on the way (``ask``; the web page has its own state).

The given facts (files, a paste, ``--fact``), the complaint checked before anything is looked up, then
with ``--collect-dns`` the domain's lookups (what was given wins), or the offer to look it up once the
domain is known.  :class:`Lookups` makes the lookups a conversation asks for later: the domain when the
offer is accepted, the DKIM records once the selectors are answered (no DNS names them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Union

from ..inputs.facts import FactSet
from ..kb.catalogue import Value
from ..kb.load import KnowledgeBase
from . import planner
from .session import Session

if TYPE_CHECKING:
    from ..dns.collect import DnsReport
    from ..dns.lookup import LiveSource, ZoneSource


@dataclass(frozen=True)
class Lookups:
    """The DNS lookups of a consultation; ``source`` makes the resolver (or zone) each lookup asks, when it is
    made: a consultation that looks nothing up never loads the DNS library."""

    kb: KnowledgeBase
    source: Callable[[], Union["LiveSource", "ZoneSource"]]

    def domain(self, domain: str, given: FactSet | None = None) -> "DnsReport":
        """The DNS report of ``domain`` (an answer), or of the domain ``given`` names, as ``--collect-dns``."""
        from ..dns import gather

        facts, sources = (given.values, given.sources) if given is not None else ({"domain": domain}, {})
        return gather.collect_for(facts, sources, self.source(), self.kb.catalogue)

    def dkim(self, report: "DnsReport", selectors: Value) -> tuple["DnsReport", dict[str, Value]]:
        """The DKIM records of the selectors just answered: the report with them, and the facts they establish."""
        from ..dns import gather

        return gather.dkim_lookup(report, selectors, self.source(), self.kb.catalogue)

    def after_answer(self, report: "DnsReport | None", fact: str,
                     value: Value) -> tuple["DnsReport", dict[str, Value]] | None:
        """What an answer lets the DNS add: the DKIM records once the selectors are answered (no DNS names
        them), when the domain was looked up; None otherwise."""
        if fact != "dkim.selectors" or report is None:
            return None
        return self.dkim(report, value)


def begin(kb: KnowledgeBase, gathered: FactSet, *, problem: str | None = None, thorough: bool = False,
          dns: str | None = "offer", lookups: Lookups | None = None) -> tuple[Session, "DnsReport | None"]:
    """The session of the given facts, and with ``dns="collected"`` the domain's DNS report.

    ``dns``: ``"collected"`` looks the domain up now (its facts join the given ones, which win),
    ``"offer"`` asks the domain early and offers the lookup when the DNS can settle something,
    None never looks anything up."""
    if problem:  # a misspelt problem stops us before any DNS lookup
        planner.problem(kb, problem)
    known: dict[str, Value] = dict(gathered.values)
    report = None
    if dns == "collected" and lookups is not None:
        from ..dns.collect import merge

        report = lookups.domain("", gathered)
        known = merge(report.facts, gathered.values)
    return Session.start(kb, known, problem_name=problem, thorough=thorough, dns=dns), report
