"""DMARC (RFC 7489): the ``_dmarc`` record of the domain, or of its organisational domain.

A receiver looks up ``_dmarc.<domain>`` and, when the domain has none, the
record of the organisational domain (the registered name, found with the
Public Suffix List: ``posta.example.co.uk`` -> ``example.co.uk``).  The
``publicsuffixlist`` package ships the list; it is read once per process.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dns.exception
import dns.name

from .lookup import Lookup

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

DMARC_PREFIX = "v=dmarc1"
POLICIES = ("none", "quarantine", "reject")
_PREFIX = dns.name.from_text("_dmarc", None)
_TAG = re.compile(r"^([a-z]+)\s*=\s*(.*)$", re.I | re.S)
_URI = re.compile(r"^mailto:[^@\s]+@[^@\s!]+(![0-9]+[kmgt]?)?$", re.I)

# What each tag accepts (RFC 7489 §6.3); tags not listed are ignored, as the RFC says.
_CHECKS = {
    "p": lambda v: v.lower() in POLICIES,
    "sp": lambda v: v.lower() in POLICIES,
    "adkim": lambda v: v.lower() in ("r", "s"),
    "aspf": lambda v: v.lower() in ("r", "s"),
    "pct": lambda v: v.isdigit() and 0 <= int(v) <= 100,
    "ri": lambda v: v.isdigit(),
    "fo": lambda v: all(part.strip() in ("0", "1", "d", "s") for part in v.split(":")),
    "rua": lambda v: all(_URI.match(part.strip()) for part in v.split(",")),
    "ruf": lambda v: all(_URI.match(part.strip()) for part in v.split(",")),
}


def record_name(name: dns.name.Name) -> dns.name.Name:
    return _PREFIX.concatenate(name)


@functools.lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registered domain under its public suffix (the domain itself when it is one)."""
    return _suffixes().privatesuffix(domain.rstrip(".").lower()) or domain.rstrip(".").lower()


def is_dmarc(text: str) -> bool:
    return text.replace(" ", "").lower().startswith(DMARC_PREFIX + ";") or \
        text.replace(" ", "").lower() == DMARC_PREFIX


@dataclass(frozen=True)
class Parsed:
    tags: dict[str, str]
    error: str  # the first tag that is wrong or missing, as written; "" when the record is valid

    @property
    def policy(self) -> str:
        return self.tags.get("p", "").lower()


def parse(text: str) -> Parsed:
    parts = [part.strip() for part in text.split(";")]
    tags: dict[str, str] = {}
    error = ""
    for index, part in enumerate(parts):
        if not part:
            continue
        found = _TAG.match(part)
        if not found:
            error = error or part
            continue
        name, value = found.group(1).lower(), found.group(2).strip()
        if index == 0 and (name != "v" or value.upper() != "DMARC1"):
            error = error or part
        if name in tags:  # a tag given twice: which one a receiver uses is anyone's guess
            error = error or part
        tags[name] = value
        check = _CHECKS.get(name)
        if check is not None and not check(value):
            error = error or part
    if not error and "p" not in tags:
        error = "p"
    return Parsed(tags, error)


def texts(lookup: Lookup) -> list[str]:
    from .spf import txt_texts

    return [t for t in txt_texts(lookup) if is_dmarc(t)]


def facts(domain: str, own: Lookup, org: Lookup | None) -> dict[str, object]:
    """Facts from ``_dmarc.<domain>`` and, when asked, ``_dmarc.<organisational domain>``.

    A failed lookup sets no record fact: "could not check" must not read as "no DMARC".
    """
    out: dict[str, object] = {"dns.dmarc_lookup": own.outcome}
    if own.failed:
        return out
    records, where = texts(own), domain
    if not records and org is not None:
        out["dns.dmarc_org_lookup"] = org.outcome
        if org.failed:
            return out
        records, where = texts(org), organisational_domain(domain)
    out["dns.dmarc_count"] = len(records)
    if not records:
        return out
    out["dns.dmarc"] = records[0]
    out["dns.dmarc_domain"] = where
    if len(records) > 1:
        out["dns.dmarc_error"] = "multiple"
        return out
    parsed = parse(records[0])
    if parsed.error:
        out["dns.dmarc_error"] = parsed.error
    elif parsed.policy in POLICIES:
        out["dns.dmarc_policy"] = parsed.policy
    return out


# ------------------------------------------- external report destinations (RFC 7489 §7.1)

_REPORT = dns.name.from_text("_report._dmarc", None)
#: Destinations checked per record: receivers must send to two (RFC 7489 §6.2) and may stop there;
#: a record listing hundreds must not turn into hundreds of queries.
MAX_DESTINATIONS = 10


def report_domains(record: str) -> list[str]:
    """The domains of the ``rua``/``ruf`` mailto: addresses of a valid record, in order, once each."""
    parsed = parse(record)
    if parsed.error:
        return []
    found: dict[str, None] = {}
    for tag in ("rua", "ruf"):
        for uri in parsed.tags.get(tag, "").split(","):
            address = uri.strip().split("!", 1)[0]
            if address.lower().startswith("mailto:") and "@" in address:
                found.setdefault(address.rsplit("@", 1)[1].rstrip(".").lower(), None)
    return list(found)


def external_destinations(record: str, policy_domain: str) -> list[str]:
    """Report domains under another organisational domain: they must consent (a record of their own)."""
    own = organisational_domain(policy_domain)
    return [d for d in report_domains(record) if organisational_domain(d) != own][:MAX_DESTINATIONS]


def authorisation_name(policy_domain: str, destination: str) -> dns.name.Name | None:
    """``<policy domain>._report._dmarc.<destination>``, None when the destination is not a DNS name."""
    try:
        return dns.name.from_text(policy_domain.rstrip("."), None).concatenate(_REPORT).concatenate(
            dns.name.from_text(destination.rstrip(".") + "."))
    except (dns.exception.DNSException, ValueError):
        return None


def external_facts(checked: list[tuple[str, Lookup]]) -> dict[str, object]:
    """Which external destinations lack the authorisation record; the count only when it is known."""
    missing = [dest for dest, lookup in checked if not lookup.failed and not texts(lookup)]
    unchecked = [lookup.name for _, lookup in checked if lookup.failed]
    out: dict[str, object] = {"dns.dmarc_external": [dest for dest, _ in checked],
                              "dns.dmarc_external_missing": missing, "dns.dmarc_external_unchecked": unchecked}
    if not unchecked or missing:
        out["dns.dmarc_external_missing_count"] = len(missing)
    return out
