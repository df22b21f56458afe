"""``diagnostica ovh --collect-dns``: the live DNS checks of the account's domain beside the API's facts.

The domain is the one the API gave for the account (``domain``).  What the API said wins over what the
DNS answers, as a facts file wins over the DNS in ``check --collect-dns``: the panel's diagnosis is the
verdict the customer sees, and the DNS adds what the API does not check (a null MX, SPF in depth, DMARC,
DNSSEC, a lookup that fails).  A failed lookup is "could not check", never a wrong record.

dnspython is imported only when the DNS is asked: ``ovh`` without ``--collect-dns`` does not pay for it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .collect import OvhReport

if TYPE_CHECKING:
    from ..dns.collect import DnsReport
    from ..dns.lookup import Source
    from ..kb.catalogue import Catalogue, Value


def collect_dns(report: OvhReport, source: Source, catalogue: Catalogue,
                checks: frozenset[str] | None = None) -> DnsReport:
    """The DNS report of the account's domain, asked through ``source`` (a live resolver or a zone);
    ``checks`` as ``dns --checks`` (all by default)."""
    from ..dns import gather
    from ..dns.collect import CHECKS

    return gather.collect_for(report.facts, {"domain": "EMAIL"}, source, catalogue,
                              frozenset(CHECKS) if checks is None else checks)


def facts(report: OvhReport, dns_report: DnsReport | None) -> dict[str, Value]:
    """The facts to evaluate: the API's, completed by the DNS's."""
    if dns_report is None:
        return dict(report.facts)
    from ..dns.collect import merge

    return merge(dns_report.facts, report.facts)


def evidence(report: OvhReport, dns_report: DnsReport | None, text: Callable[..., str]) -> dict[str, str]:
    """For every fact, the API call or the DNS lookup that gave it, in words (the call wins, as its fact does)."""
    found: dict[str, str] = {}
    if dns_report is not None:
        from ..dns.gather import fact_evidence

        found = {name: line for name, line in fact_evidence(dns_report, text).items() if name not in report.facts}
    for name in report.evidence:
        call = report.call_of(name)
        if call is not None:
            found[name] = text("ovh.evidence", method=call.method, path=call.path, at=call.at,
                               status=call.status or "-")
    return found
