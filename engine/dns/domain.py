"""One domain's DNS diagnosis, as ``dns`` and ``check --collect-dns`` run it (the web page's «Dominio» too).

Where the records come from (a zone file, or the live DNS), the lookups, and the facts evaluated
with what was given: what the user gave wins over what the DNS answers.
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import dns.name

from ..errors import InputError, Location
from ..inputs.facts import FactSet, coerce
from ..kb.load import KnowledgeBase
from ..run.result import Result
from . import gather
from .collect import CHECKS, DnsReport, collect, domain_name, merge
from .lookup import LiveSource, ZoneSource, load_zone, shown
from .mtasts_fetch import PolicyFetcher

ALL_CHECKS = frozenset(CHECKS)

#: The facts that decide which records are valid, as options (and web form fields) of their own.
OPTION_FACTS = (("offer", "--offer"), ("pop_imap", "--pop-imap"), ("exchange_server", "--exchange-server"),
                ("private_hostname", "--private-hostname"))


def option_facts(kb: KnowledgeBase, options: Mapping[str, Any]) -> dict[str, Any]:
    """The given option values as facts (``--offer hosted``), each checked against the catalogue."""
    return {name: coerce(kb.catalogue, name, options[name], Location(flag))
            for name, flag in OPTION_FACTS if options.get(name) is not None}


def policy_fetcher(fetch_https: bool, ca_file: str | None, timeout: float) -> PolicyFetcher | None:
    """``--fetch-https`` (and its ``--ca-file``) as the fetcher of MTA-STS policies, None without the option."""
    if ca_file is not None and not (os.path.isfile(ca_file) and os.access(ca_file, os.R_OK)):
        raise InputError("dns_bad_ca_file", Location("--ca-file"), value=ca_file)
    return PolicyFetcher(ca_file=ca_file, timeout=timeout) if fetch_https else None


@dataclass(frozen=True)
class Records:
    """Where a domain's records are read: the name, the source, and whether it is offline (a zone file:
    nothing is fetched over HTTPS from it)."""

    name: dns.name.Name
    source: LiveSource | ZoneSource
    offline: bool


def records(domain: str | None, zone_file: str | None, nameservers: Sequence[str] | None, timeout: float,
            limit: int | None = None) -> Records:
    """The records of ``domain``: from ``zone_file`` (whose origin is the domain when none is named, and
    must contain it otherwise), else from the live DNS."""
    name = domain_name(domain) if domain is not None else None
    if zone_file is None:
        if name is None:
            raise InputError("dns_no_domain", Location("DOMINIO"))
        return Records(name, gather.live_source(list(nameservers or ()), timeout), False)
    source = load_zone(zone_file, name, limit)
    if name is None:
        return Records(source.zone.origin, source, True)
    if not name.is_subdomain(source.zone.origin):
        raise InputError("dns_zone_other_domain", Location(zone_file), domain=domain, origin=shown(source.zone.origin))
    return Records(name, source, True)


async def lookup(kb: KnowledgeBase, where: Records, given: Mapping[str, Any], checks: frozenset[str] = ALL_CHECKS,
                 fetcher: PolicyFetcher | None = None) -> tuple[DnsReport, Result]:
    """The lookups of ``where`` and the evaluation of their facts with ``given`` (which wins); for a caller
    already in an event loop (the web page, under its server-wide bound)."""
    report = await collect(where.name, where.source, kb.catalogue, checks, dict(given),
                           None if where.offline else fetcher)
    return report, kb.evaluate(merge(report.facts, dict(given)))


def diagnose(kb: KnowledgeBase, where: Records, given: Mapping[str, Any], checks: frozenset[str] = ALL_CHECKS,
             fetcher: PolicyFetcher | None = None) -> tuple[DnsReport, Result]:
    """:func:`lookup`, run to its end (the command line)."""
    return asyncio.run(lookup(kb, where, given, checks, fetcher))


def diagnose_facts(kb: KnowledgeBase, gathered: FactSet, source: LiveSource | ZoneSource, checks: frozenset[str],
                   fetcher: PolicyFetcher | None = None) -> tuple[DnsReport, Result]:
    """``check --collect-dns``: the domain the facts name, looked up; the facts given win over the DNS."""
    report = gather.collect_for(gathered.values, gathered.sources, source, kb.catalogue, checks, fetcher=fetcher)
    return report, kb.evaluate(merge(report.facts, gathered.values))
