"""From DNS lookups to catalogue facts, with the lookups kept as evidence.

``collect(domain, source, catalogue)`` asks the questions the rules need --
the domain's MX and TXT (SPF), ``_autodiscover._tcp.<domain>`` SRV,
``autodiscover.<domain>``, ``_dmarc``, the DKIM selectors the facts name,
``_mta-sts`` (the domain's DNSKEY when nothing else is asked) -- at once,
then the follow-ups their answers call for (the SPF tree, the organisational
``_dmarc``, the report destinations' consent, ``_smtp._tls`` and the
MTA-STS policy when a policy is announced), and
turns the answers into facts.
A failed lookup sets only its ``*_lookup`` outcome, never the records fact:
"no answer" must not look like "no records" to the rules.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, TypedDict, cast

import dns.exception
import dns.name

from ..errors import InputError, Location
from ..inputs.facts import coerce
from ..kb.catalogue import Catalogue, Value, as_records
from . import dkim as dkimcheck
from . import dmarc as dmarccheck
from . import mtasts
from . import spf as spfcheck
from .lookup import Lookup, Source, shown

if TYPE_CHECKING:
    import dns.rdtypes.ANY.MX
    import dns.rdtypes.IN.SRV

    from ..inputs.facts import JSON
    from .mtasts_fetch import PolicyFetcher


@dataclass(frozen=True)
class DnsReport:
    domain: str  # Unicode, as shown
    domain_ascii: str  # as queried
    source: str  # "live" or "zone"
    servers: tuple[str, ...]
    facts: dict[str, Value]
    lookups: tuple[Lookup, ...]
    # The follow-up lookups (SPF includes...): kept apart because how they end depends on
    # names outside the domain, which a zone file cannot answer.
    followups: tuple[Lookup, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        return {"domain": self.domain, "domain_ascii": self.domain_ascii, "source": self.source,
                "servers": list(self.servers),
                "lookups": [lookup.to_json() for lookup in self.lookups + self.followups]}


def domain_name(text: str, where: Location | None = None) -> dns.name.Name:
    """A domain as typed (Unicode or ASCII, any case, final dot or not) as an absolute DNS name."""
    where = where or Location("DOMINIO")
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
_MTA_STS_PREFIX = dns.name.from_text("_mta-sts", None)
_TLS_RPT_PREFIX = dns.name.from_text("_smtp._tls", None)


#: What ``--checks`` selects; srv includes the autodiscover name, spf the whole include tree, dmarc the
#: report destinations, mta-sts the policy and TLS-RPT; dnssec the CD-bit verdict (and the DNSKEY lookup).
CHECKS = ("mx", "srv", "spf", "dmarc", "dkim", "mta-sts", "dnssec")
_CHECK_OF = {"mx": "mx", "srv": "srv", "autodiscover": "srv", "spf": "spf", "dmarc": "dmarc", "dkim": "dkim",
             "mta-sts": "mta-sts", "dnssec": "dnssec"}


def parse_checks(text: str | None) -> frozenset[str]:
    """``mx,srv,spf,dmarc,dkim,mta-sts,dnssec`` (any subset, any order); None or empty: all of them."""
    from ..kb.catalogue import closest

    if not text or not text.strip():
        return frozenset(CHECKS)
    chosen = [word.strip().lower() for word in text.split(",") if word.strip()]
    for word in chosen:
        if word not in CHECKS:
            raise InputError("dns_bad_check", Location("--checks"), value=word, choices=", ".join(CHECKS),
                             suggestion=closest(word, CHECKS))
    return frozenset(chosen)


def questions(name: dns.name.Name, checks: frozenset[str] = frozenset(CHECKS),
              selectors: tuple[dkimcheck.Selector, ...] = ()) -> tuple[tuple[str, dns.name.Name, str], ...]:
    """(what, name, type) for every lookup the rules need, of the checks chosen."""
    every = (
        ("mx", name, "MX"),
        ("srv", _SRV_PREFIX.concatenate(name), "SRV"),
        ("spf", name, "TXT"),
        ("autodiscover", _AUTODISCOVER_PREFIX.concatenate(name), "A"),
        ("dmarc", dmarccheck.record_name(name), "TXT"),
        ("mta-sts", _MTA_STS_PREFIX.concatenate(name), "TXT"),
        # Asked only when no other lookup of the domain is chosen: its SERVFAIL is what the CD-bit retry judges.
        ("dnssec", name, "DNSKEY"),
    )
    chosen = tuple(q for q in every if _CHECK_OF[q[0]] in checks)
    if "dkim" in checks:  # "dkim:N": the N-th selector of the facts, looked up with the type it should have
        names = ((i, s, dkimcheck.record_name(s.selector, name)) for i, s in enumerate(selectors))
        chosen += tuple((f"dkim:{i}", qname, s.type) for i, s, qname in names if qname is not None)
    if len(chosen) > 1:  # any other name of the zone shows a broken chain already (a SERVFAIL the CD bit clears)
        chosen = tuple(q for q in chosen if q[0] != "dnssec")
    return chosen


async def collect(name: dns.name.Name, source: Source, catalogue: Catalogue,
                  checks: frozenset[str] = frozenset(CHECKS), given: Mapping[str, Value] | None = None,
                  fetcher: PolicyFetcher | None = None) -> DnsReport:
    """The DNS facts of ``name``; ``given``: the facts already known (the DKIM selectors, an MTA-STS
    policy); ``fetcher``: a PolicyFetcher to read the MTA-STS policy over HTTPS (``--fetch-https``)."""
    given = given or {}
    selectors = dkimcheck.selectors(as_records(given.get("dkim.selectors")))
    asked = questions(name, checks, selectors)
    lookups = await asyncio.gather(*(source.query(qname, rdtype) for _, qname, rdtype in asked))
    by_what = {what: lookup for (what, _, _), lookup in zip(asked, lookups)}
    ascii_name = name.to_text(omit_final_dot=True)
    # The domain's own lookup gives its name as shown (after IDNA): MX or TXT, when asked.
    own = by_what.get("mx") or by_what.get("spf")
    display = own.name if own is not None else shown(name)
    raw = facts_from_lookups(name, by_what, source.servers, display=display)
    if "dnssec" not in checks:  # not asked for: undecided, not "the chain validates"
        raw.pop("dns.dnssec_bogus")
    followups: list[Lookup] = []
    dmarc_lookup = by_what.get("dmarc")
    domain_missing = _domain_missing(by_what)
    sts = by_what.get("mta-sts")
    policy = given.get("mta_sts.policy")
    policy_text = policy if isinstance(policy, str) else None  # a string fact: text when given
    announced = sts is not None and not sts.failed and bool(mtasts.texts(sts, "v=STSv1"))
    fetch = fetcher is not None and policy_text is None and announced
    # TLS-RPT only beside a policy: it is where senders report that policy's failures.
    spf_tree, dmarc_followups, fetched, tls_rpt = await asyncio.gather(
        _spf_tree(raw, ascii_name, source),
        _dmarc_followups(dmarc_lookup, ascii_name, source) if dmarc_lookup is not None else _nothing(),
        fetcher.fetch(ascii_name, source) if fetcher is not None and fetch else _nothing(),
        source.query(_TLS_RPT_PREFIX.concatenate(name), "TXT") if announced else _nothing())
    if tls_rpt is not None:
        followups.append(tls_rpt)
    records = raw.get("dns.spf")
    if isinstance(records, list):  # set (a list of texts) when the TXT lookup answered
        raw.update(spfcheck.facts(records, spf_tree))
    if spf_tree is not None:
        followups.extend(spf_tree.evidence)
    org_dmarc, external = dmarc_followups or (None, [])
    if org_dmarc is not None:
        followups.append(org_dmarc)
    followups.extend(lookup for _, lookup in external)
    if dmarc_lookup is not None and not domain_missing:
        raw.update(dmarccheck.facts(ascii_name, dmarc_lookup, org_dmarc))
        if external:
            raw.update(dmarccheck.external_facts(external))
    if not domain_missing:
        checked = [(s, by_what[f"dkim:{i}"]) for i, s in enumerate(selectors) if f"dkim:{i}" in by_what]
        if checked:
            raw.update(dkimcheck.facts(ascii_name, checked))
        if fetched is not None:
            policy_text = fetched.text
        mx_hosts = raw.get("dns.mx")  # a list of host names when the MX lookup answered
        raw.update(mtasts.facts(sts, tls_rpt, policy_text, mx_hosts if isinstance(mx_hosts, list) else None,
                                fetched.facts() if fetched is not None else None))
    where = Location(source.description)
    facts = {fact: coerce(catalogue, fact, value, where) for fact, value in raw.items() if fact in catalogue}
    return DnsReport(display, ascii_name, source.kind, tuple(source.servers), facts, tuple(lookups),
                     tuple(followups))


async def _nothing() -> None:
    return None


def _domain_missing(lookups: dict[str, Lookup]) -> bool:
    """NXDOMAIN on the domain's own name (its MX, else its TXT lookup)."""
    own = lookups.get("mx") or lookups.get("spf")
    return own is not None and own.outcome == "nxdomain"


async def _spf_tree(raw: dict[str, object], domain: str, source: Source) -> spfcheck.Walk | None:
    records = raw.get("dns.spf")
    if not isinstance(records, list) or not records:  # a list of texts, when the TXT lookup answered
        return None
    # The first record is the one evaluated (with several, SPF fails anyway).
    return await spfcheck.walk(domain, records[0], source)


async def _dmarc_followups(own: Lookup, domain: str,
                           source: Source) -> tuple[Lookup | None, list[tuple[str, Lookup]]]:
    """The organisational ``_dmarc`` when needed, then the consent of each external report destination."""
    org = await _org_dmarc(own, domain, source)
    records = dmarccheck.texts(own) if not own.failed else []
    where = domain
    if not records and org is not None and not org.failed:
        records, where = dmarccheck.texts(org), dmarccheck.organisational_domain(domain)
    if len(records) != 1:
        return org, []
    asked = [(dest, dmarccheck.authorisation_name(where, dest))
             for dest in dmarccheck.external_destinations(records[0], where)]
    named = [(dest, qname) for dest, qname in asked if qname is not None]
    found = await asyncio.gather(*(source.query(qname, "TXT") for _, qname in named))
    return org, [(dest, lookup) for (dest, _), lookup in zip(named, found)]


async def _org_dmarc(own: Lookup, domain: str, source: Source) -> Lookup | None:
    """``_dmarc.<organisational domain>``, asked only when the domain's own lookup found no record."""
    if own.failed or dmarccheck.texts(own):
        return None
    org = dmarccheck.organisational_domain(domain)
    if org == domain.lower():
        return None
    return await source.query(dmarccheck.record_name(dns.name.from_text(org)), "TXT")


class _MxRecord(TypedDict):
    priority: int
    host: str


class _SrvRecord(TypedDict):
    priority: int
    weight: int
    port: int
    target: str


def facts_from_lookups(name: dns.name.Name, lookups: dict[str, Lookup], servers: Iterable[str],
                       display: str | None = None) -> dict[str, object]:
    """The facts a set of lookups establishes (plain values; the catalogue coerces them).

    ``display``: the domain as shown, when the caller has it already.
    """
    facts: dict[str, object] = {"domain": display or shown(name), "dns.domain_ascii": name.to_text(omit_final_dot=True),
                             "dns.servers": list(servers)}
    # Any of the domain's lookups: a broken chain makes every name of the zone SERVFAIL.  "Not broken" needs
    # an answer: when no lookup got one (every server timed out or refused), whether it is stays unknown.
    if any(lookup.dnssec_bogus for lookup in lookups.values()):
        facts["dns.dnssec_bogus"] = True
    elif any(not lookup.failed for lookup in lookups.values()):
        facts["dns.dnssec_bogus"] = False
    domain_missing = _domain_missing(lookups)
    mx = lookups.get("mx")
    if mx is not None:
        facts["dns.mx_lookup"] = mx.outcome
    if mx is not None and not mx.failed and not domain_missing:
        # An MX lookup's records are MX rdatas: their class follows from the type asked, which mypy cannot see.
        null, hosts = _null_mx(cast("tuple[dns.rdtypes.ANY.MX.MX, ...]", mx.rdatas))
        facts["dns.mx_null"] = null
        if hosts or not null:  # a null MX alone names no host: the MX facts stay unset, not "no MX"
            records = sorted((_MxRecord(priority=r.preference, host=r.exchange.to_text()) for r in hosts),
                             key=lambda r: (r["priority"], r["host"].lower()))
            facts["dns.mx_records"] = records
            facts["dns.mx"] = [r["host"] for r in records]
            # Where mail goes first: a foreign host below OVHcloud's is a fallback, not the way in.
            facts["dns.mx_primary"] = [r["host"] for r in records if r["priority"] == records[0]["priority"]] \
                if records else []
        facts["dns.mx_cname"] = [target for _, target in mx.cnames]

    srv = lookups.get("srv")
    if srv is not None:
        facts["dns.srv_lookup"] = srv.outcome
    if srv is not None and not srv.failed and not domain_missing:
        # Likewise an SRV lookup's are SRV rdatas.
        services = cast("tuple[dns.rdtypes.IN.SRV.SRV, ...]", srv.rdatas)
        facts["dns.autodiscover_srv"] = sorted(
            (_SrvRecord(priority=r.priority, weight=r.weight, port=r.port, target=r.target.to_text())
             for r in services), key=lambda r: (r["priority"], -r["weight"], r["target"].lower()))
        facts["dns.srv_cname"] = [target for _, target in srv.cnames]

    spf = lookups.get("spf")
    if spf is not None:
        facts["dns.spf_lookup"] = spf.outcome
    if spf is not None and not spf.failed and not domain_missing:
        facts["dns.spf"] = [t for t in spfcheck.txt_texts(spf) if spfcheck.is_spf(t)]

    auto = lookups.get("autodiscover")
    if auto is not None:
        facts["dns.autodiscover_lookup"] = auto.outcome
    if auto is not None and not auto.failed and not domain_missing:
        facts["dns.autodiscover_cname"] = [target for _, target in auto.cnames]
    return facts


def _null_mx(rdatas: tuple[dns.rdtypes.ANY.MX.MX, ...]) -> tuple[bool, tuple[dns.rdtypes.ANY.MX.MX, ...]]:
    """Whether the MX set holds a null MX (RFC 7505: ``MX 0 .``, "this domain accepts no mail"), and the other records.

    The root name is not a mail host, so it never reaches ``dns.mx``; any
    preference counts, since a sender refuses the domain's mail either way.
    """
    hosts = tuple(r for r in rdatas if r.exchange != dns.name.root)
    return len(hosts) < len(rdatas), hosts


def merge(collected: Mapping[str, Value], given: Mapping[str, Value]) -> dict[str, Value]:
    """What the user gave wins over what the DNS said (as it wins over what rules derive)."""
    return {**collected, **given}
