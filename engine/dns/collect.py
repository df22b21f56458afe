"""From DNS lookups to catalogue facts, with the lookups kept as evidence.

``collect(domain, source, catalogue)`` asks the four questions the rules
need -- the domain's MX and TXT (SPF), ``_autodiscover._tcp.<domain>`` SRV
and ``autodiscover.<domain>`` -- at once, and turns the answers into facts.
A failed lookup sets only its ``*_lookup`` outcome, never the records fact:
"no answer" must not look like "no records" to the rules.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.name

from ..kb.catalogue import Catalogue
from . import dmarc as dmarccheck
from . import spf as spfcheck
from .lookup import Lookup, shown
from ..errors import InputError, Location
from ..inputs.facts import coerce

@dataclass(frozen=True)
class DnsReport:
    domain: str  # Unicode, as shown
    domain_ascii: str  # as queried
    source: str  # "live" or "zone"
    servers: tuple[str, ...]
    facts: dict[str, Any]
    lookups: tuple[Lookup, ...]
    # The follow-up lookups (SPF includes...): kept apart because how they end depends on
    # names outside the domain, which a zone file cannot answer.
    followups: tuple[Lookup, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "domain_ascii": self.domain_ascii, "source": self.source,
                "servers": list(self.servers),
                "lookups": [lookup.to_json() for lookup in self.lookups + self.followups]}


def domain_name(text: str, where: Location | None = None) -> dns.name.Name:
    """A domain as typed (Unicode or ASCII, any case, final dot or not) as an absolute DNS name."""
    where = where or Location("DOMAIN")
    raw = str(text).strip()
    if "@" in raw:  # an e-mail address: its domain is what is meant
        raw = raw.rsplit("@", 1)[1]
    raw = raw.rstrip(".").lower()
    if not raw or "." not in raw or any(c.isspace() or c in "/:\\" for c in raw):
        raise InputError("dns_bad_domain", where, value=text)
    try:
        return dns.name.from_unicode(raw)
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise InputError("dns_bad_domain_detail", where, value=text,
                         problem=str(exc) or type(exc).__name__) from None


# Parsed once: a batch asks for them under thousands of domains.
_SRV_PREFIX = dns.name.from_text("_autodiscover._tcp", None)
_AUTODISCOVER_PREFIX = dns.name.from_text("autodiscover", None)


def questions(name: dns.name.Name) -> tuple[tuple[str, dns.name.Name, str], ...]:
    """(what, name, type) for every lookup the rules need."""
    return (
        ("mx", name, "MX"),
        ("srv", _SRV_PREFIX.concatenate(name), "SRV"),
        ("spf", name, "TXT"),
        ("autodiscover", _AUTODISCOVER_PREFIX.concatenate(name), "A"),
        ("dmarc", dmarccheck.record_name(name), "TXT"),
    )


async def collect(name: dns.name.Name, source: Any, catalogue: Catalogue) -> DnsReport:
    asked = questions(name)
    lookups = await asyncio.gather(*(source.query(qname, rdtype) for _, qname, rdtype in asked))
    by_what = {what: lookup for (what, _, _), lookup in zip(asked, lookups)}
    display, ascii_name = lookups[0].name, name.to_text(omit_final_dot=True)  # the first lookup is the domain's
    raw = facts_from_lookups(name, by_what, source.servers, display=display)
    followups: list[Lookup] = []
    spf_tree, org_dmarc = await asyncio.gather(_spf_tree(raw, ascii_name, source),
                                               _org_dmarc(by_what["dmarc"], ascii_name, source))
    records = raw.get("dns.spf")
    if records is not None:
        raw.update(spfcheck.facts(records, spf_tree))
    if spf_tree is not None:
        followups.extend(spf_tree.evidence)
    if org_dmarc is not None:
        followups.append(org_dmarc)
    if by_what["mx"].outcome != "nxdomain":
        raw.update(dmarccheck.facts(ascii_name, by_what["dmarc"], org_dmarc))
    where = Location(source.description)
    facts = {fact: coerce(catalogue, fact, value, where) for fact, value in raw.items() if fact in catalogue}
    return DnsReport(display, ascii_name, source.kind, tuple(source.servers), facts, tuple(lookups),
                     tuple(followups))


async def _spf_tree(raw: dict[str, Any], domain: str, source: Any) -> spfcheck.Walk | None:
    records = raw.get("dns.spf")
    if not records:
        return None
    # The first record is the one evaluated (with several, SPF fails anyway).
    return await spfcheck.walk(domain, records[0], source)


async def _org_dmarc(own: Lookup, domain: str, source: Any) -> Lookup | None:
    """``_dmarc.<organisational domain>``, asked only when the domain's own lookup found no record."""
    if own.failed or dmarccheck.texts(own):
        return None
    org = dmarccheck.organisational_domain(domain)
    if org == domain.lower():
        return None
    return await source.query(dmarccheck.record_name(dns.name.from_text(org)), "TXT")


def facts_from_lookups(name: dns.name.Name, lookups: dict[str, Lookup], servers,
                       display: str | None = None) -> dict[str, Any]:
    """The facts a set of lookups establishes (plain values; the catalogue coerces them).

    ``display``: the domain as shown, when the caller has it already.
    """
    facts: dict[str, Any] = {"domain": display or shown(name), "dns.domain_ascii": name.to_text(omit_final_dot=True),
                             "dns.servers": list(servers)}
    mx = lookups["mx"]
    domain_missing = mx.outcome == "nxdomain"
    facts["dns.mx_lookup"] = mx.outcome
    if not mx.failed and not domain_missing:
        records = sorted(({"priority": r.preference, "host": r.exchange.to_text()} for r in mx.rdatas),
                         key=lambda r: (r["priority"], r["host"].lower()))
        facts["dns.mx_records"] = records
        facts["dns.mx"] = [r["host"] for r in records]
        facts["dns.mx_cname"] = [target for _, target in mx.cnames]

    srv = lookups["srv"]
    facts["dns.srv_lookup"] = srv.outcome
    if not srv.failed and not domain_missing:
        facts["dns.autodiscover_srv"] = sorted(
            ({"priority": r.priority, "weight": r.weight, "port": r.port, "target": r.target.to_text()}
             for r in srv.rdatas), key=lambda r: (r["priority"], -r["weight"], r["target"].lower()))
        facts["dns.srv_cname"] = [target for _, target in srv.cnames]

    spf = lookups["spf"]
    facts["dns.spf_lookup"] = spf.outcome
    if not spf.failed and not domain_missing:
        facts["dns.spf"] = [t for t in spfcheck.txt_texts(spf) if spfcheck.is_spf(t)]

    auto = lookups["autodiscover"]
    facts["dns.autodiscover_lookup"] = auto.outcome
    if not auto.failed and not domain_missing:
        facts["dns.autodiscover_cname"] = [target for _, target in auto.cnames]
    return facts


def merge(collected: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """What the user gave wins over what the DNS said (as it wins over what rules derive)."""
    return {**collected, **given}
