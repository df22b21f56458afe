"""The DNS facts of a domain other facts name (``--collect-dns`` of ``check``, ``ask`` and ``ovh``), and the
evidence of each fact in words.

The commands only choose the servers and the timeout; which domain to ask for, and which lookup stands
behind which fact, is decided here once for every command (and the web page).
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from ..errors import InputError, Location
from ..kb.catalogue import Catalogue, Value
from .collect import CHECKS, DnsReport, collect, domain_name
from .lookup import DEFAULT_TIMEOUT, LiveSource, Lookup, Source, parse_nameserver

if TYPE_CHECKING:
    from .mtasts_fetch import PolicyFetcher


def live_source(nameservers: Iterable[str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> LiveSource:
    """The system's resolver, or the ``HOST[:PORT]`` servers given; every lookup bounded by ``timeout``."""
    return LiveSource([parse_nameserver(text) for text in nameservers or ()], timeout)


def collect_for(facts: Mapping[str, Value], sources: Mapping[str, str], source: Source, catalogue: Catalogue,
                checks: frozenset[str] = frozenset(CHECKS), *, option: str = "--collect-dns",
                fetcher: PolicyFetcher | None = None) -> DnsReport:
    """The DNS report of the domain the facts name (``domain``); ``sources`` says where each fact came from,
    to point an error at the file that gave a bad domain.  The other facts go along (the DKIM selectors, an
    MTA-STS policy); ``fetcher`` reads the MTA-STS policy over HTTPS (``--fetch-https``)."""
    if "domain" not in facts:
        raise InputError("dns_collect_no_domain", Location(option))
    name = domain_name(str(facts["domain"]), Location(sources.get("domain", "domain")))
    return asyncio.run(collect(name, source, catalogue, checks, dict(facts), fetcher))


def dkim_lookup(report: DnsReport, selectors: Value, source: Source,
                catalogue: Catalogue) -> tuple[DnsReport, dict[str, Value]]:
    """The DKIM lookups of selectors known only now (an ``ask`` answer): the report with them as evidence,
    and the facts they establish."""
    from dataclasses import replace

    found = asyncio.run(collect(domain_name(report.domain_ascii), source, catalogue, frozenset({"dkim"}),
                                {"dkim.selectors": selectors}))
    facts = {fact: value for fact, value in found.facts.items() if fact.startswith("dns.dkim_")}
    return replace(report, facts={**report.facts, **facts}, lookups=report.lookups + found.lookups), facts


#: Which lookup (by record type, see collect.questions) establishes which DNS fact, by name prefix.
_LOOKUP_OF_FACT = (("dns.mx", "MX"), ("dns.srv", "SRV"), ("dns.autodiscover_srv", "SRV"), ("dns.spf", "TXT"),
                   ("dns.autodiscover", "A"))


def lookup_of(report: DnsReport, fact: str) -> Lookup | None:
    """The lookup that gave ``fact``; None for the facts about the domain as a whole."""
    rdtype = next((rdtype for prefix, rdtype in _LOOKUP_OF_FACT if fact.startswith(prefix)), None)
    return next((lookup for lookup in report.lookups if lookup.rdtype == rdtype), None) if rdtype else None


def fact_evidence(report: DnsReport, text: Callable[..., str]) -> dict[str, str]:
    """For each fact the DNS established, the lookup behind it in words (``text`` is the renderer's)."""
    found = {}
    for name in report.facts:
        lookup = lookup_of(report, name)
        if lookup is None:  # the domain itself, the servers asked
            found[name] = text("ask_dns.evidence_general", servers=", ".join(report.servers))
        else:
            found[name] = text("ask_dns.evidence", query=f"{lookup.name} {lookup.rdtype}", server=lookup.server,
                               outcome=text(f"dns.outcome.{lookup.outcome}"))
    return found
