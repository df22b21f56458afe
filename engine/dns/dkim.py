"""DKIM (RFC 6376): are the selectors OVHcloud signs with published in the domain's zone?

Nothing in the DNS lists a domain's selectors: they come from the facts
(``dkim.selectors``), as the OVHcloud API's DKIM objects describe them -- the
selector's name, the type of record the customer must publish (CNAME or
TXT) and its value (the CNAME's target, or the TXT key).  Each selector is
looked up at ``<selector>._domainkey.<domain>`` with the type it should
have, and compared with what it should hold.  A failed lookup leaves that
selector unchecked: only a record found missing or different counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, cast

import dns.exception
import dns.name

from ..errors import InputError, Location
from ..kb.catalogue import normalize_host
from .lookup import Lookup

if TYPE_CHECKING:
    import dns.rdtypes.ANY.CNAME

_DOMAINKEY = dns.name.from_text("_domainkey", None)
#: Labels of letters, digits, "-" and "_" (RFC 6376 §3.1 allows dotted selectors).
_SELECTOR = re.compile(r"^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*$", re.I | re.A)
TYPES = ("CNAME", "TXT")
#: One lookup each: a platform signs with one or two, a facts file must not order thousands of queries.
MAX_SELECTORS = 16


@dataclass(frozen=True)
class Selector:
    selector: str
    type: str  # CNAME or TXT
    value: str  # the CNAME's target, or the TXT record's text (v=DKIM1; k=rsa; p=...)


def selectors(given: Iterable[Mapping[str, object]] | None) -> tuple[Selector, ...]:
    """The selectors of the facts, those we can look up (a name DNS accepts, a known record type)."""
    given = tuple(given or ())
    if len(given) > MAX_SELECTORS:
        raise InputError("dkim_too_many_selectors", Location("dkim.selectors"), count=len(given),
                         limit=MAX_SELECTORS)
    out = []
    for item in given:
        kind = str(item.get("type", "")).strip().upper()
        name = str(item.get("selector", "")).strip().rstrip(".")
        if kind in TYPES and _SELECTOR.match(name) and record_name(name, dns.name.root) is not None:
            out.append(Selector(name, kind, str(item.get("value", "")).strip()))
    return tuple(out)


def record_name(selector: str, domain: dns.name.Name) -> dns.name.Name | None:
    try:
        return dns.name.from_text(selector, None).concatenate(_DOMAINKEY).concatenate(domain)
    except (dns.exception.DNSException, ValueError):
        return None


def _key(text: str) -> str:
    """The public key of a DKIM TXT record (``p=``), without the spaces records are split with."""
    found = re.search(r"(?:^|;)\s*p\s*=\s*([^;]*)", text, re.I)
    return re.sub(r"\s+", "", found.group(1)) if found else ""


def _found(selector: Selector, lookup: Lookup) -> str:
    """What the selector's name holds now, as a zone file writes it ("" when nothing)."""
    if selector.type == "CNAME":
        return _aliases(lookup)[0].target.to_text() if lookup.rdatas else ""
    from .spf import txt_texts

    return " ".join(txt_texts(lookup))


def _aliases(lookup: Lookup) -> tuple[dns.rdtypes.ANY.CNAME.CNAME, ...]:
    # A CNAME lookup's records are CNAME rdatas: their class follows from the type asked, which mypy cannot see.
    return cast("tuple[dns.rdtypes.ANY.CNAME.CNAME, ...]", lookup.rdatas)


def matches(selector: Selector, lookup: Lookup) -> bool:
    if selector.type == "CNAME":
        return any(normalize_host(r.target.to_text()) == normalize_host(selector.value) for r in _aliases(lookup))
    from .spf import txt_texts

    wanted = _key(selector.value)
    return any(_key(text) == wanted and wanted for text in txt_texts(lookup))


def facts(domain: str, checked: list[tuple[Selector, Lookup]]) -> dict[str, object]:
    """``dns.dkim_wrong`` (the selectors with no record or another one) and how many, when that is known."""
    wrong: list[dict[str, str]] = []
    unchecked: list[str] = []
    for selector, lookup in checked:
        if lookup.failed:
            unchecked.append(lookup.name)
        elif not matches(selector, lookup):
            wrong.append({"selector": selector.selector, "name": f"{selector.selector}._domainkey.{domain}",
                          "type": selector.type, "expected": selector.value, "found": _found(selector, lookup)})
    out: dict[str, object] = {"dns.dkim_unchecked": unchecked, "dns.dkim_wrong": wrong}
    # Like SPF's count: complete, or already conclusive (one wrong is wrong whatever the others say).
    if not unchecked or wrong:
        out["dns.dkim_wrong_count"] = len(wrong)
    return out
