"""One account's diagnosis from the OVHcloud API, as ``diagnostica ovh`` and the «Account Exchange» page run it.

The API's facts (with a new diagnostic first when asked), the live DNS of the account's domain when a
source is given (``--collect-dns``: the API wins where both answer), and their evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kb.load import KnowledgeBase
from ..run.result import Result
from . import live_dns
from .api import Api
from .collect import OvhReport, collect
from .diagnose import NewDiagnosis

if TYPE_CHECKING:
    from ..dns.collect import DnsReport
    from ..dns.lookup import LiveSource, ZoneSource


@dataclass(frozen=True)
class Diagnosis:
    report: OvhReport
    dns_report: "DnsReport | None"
    result: Result


def diagnose(kb: KnowledgeBase, client: Api, email: str, *, organization: str | None = None,
             service: str | None = None, product: str | None = None, new: NewDiagnosis | None = None,
             dns_source: "LiveSource | ZoneSource | None" = None) -> Diagnosis:
    """The account's facts from the API (and the DNS through ``dns_source``), evaluated."""
    report = collect(client, email, kb.catalogue, kb.data, organization=organization, service=service,
                     product=product, new=new)
    dns_report = live_dns.collect_dns(report, dns_source, kb.catalogue) if dns_source is not None else None
    return Diagnosis(report, dns_report, kb.evaluate(live_dns.facts(report, dns_report)))
