"""``diagnostica ovh --collect-dns``: the live DNS checks of the account's domain beside the API's facts.

The domain is the one the API gave for the account (``domain``).  What the API said wins over what the
DNS answers, as a facts file wins over the DNS in ``check --collect-dns``: the panel's diagnosis is the
verdict the customer sees, and the DNS adds what the API does not check (a null MX, SPF in depth, DMARC,
DNSSEC, a lookup that fails).  A failed lookup is "could not check", never a wrong record.
"""
from __future__ import annotations

from typing import Any, Callable

from ..dns import gather
from ..dns.collect import CHECKS, DnsReport, merge
from ..kb.catalogue import Catalogue
from .collect import OvhReport


def collect_dns(report: OvhReport, source: Any, catalogue: Catalogue,
                checks: frozenset[str] = frozenset(CHECKS)) -> DnsReport:
    """The DNS report of the account's domain, asked through ``source`` (a live resolver or a zone)."""
    return gather.collect_for(report.facts, {"domain": "ACCOUNT_EMAIL"}, source, catalogue, checks)


def facts(report: OvhReport, dns_report: DnsReport | None) -> dict[str, Any]:
    """The facts to evaluate: the API's, completed by the DNS's."""
    return dict(report.facts) if dns_report is None else merge(dns_report.facts, report.facts)


def evidence(report: OvhReport, dns_report: DnsReport | None, text: Callable[..., str]) -> dict[str, str]:
    """For every fact, the API call or the DNS lookup that gave it, in words (the call wins, as its fact does)."""
    found = {} if dns_report is None else {name: line for name, line in gather.fact_evidence(dns_report, text).items()
                                           if name not in report.facts}
    for name in report.evidence:
        call = report.call_of(name)
        if call is not None:
            found[name] = text("ovh.evidence", method=call.method, path=call.path, at=call.at,
                               status=call.status or "-")
    return found
