"""SPF in depth (RFC 7208): the record's syntax, its ``all``, and the tree of DNS lookups it costs.

A receiving server stops evaluating after 10 DNS-querying terms
(include, a, mx, ptr, exists, redirect; RFC 7208 §4.6.4) or 2 "void" ones
(NXDOMAIN or no answer) and then fails SPF with a permerror.  Here the
include/redirect tree is walked through the same DNS source as every other
lookup, with loop detection and a budget of queries, and each term's cost
is kept so the advice can show where the lookups go.  A lookup that fails
inside the tree leaves the count unknown ("could not check"): a count is
reported only when it is complete, or when what was counted already
exceeds the limit.
"""
from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import dns.exception
import dns.name

if TYPE_CHECKING:
    import dns.rdtypes.ANY.TXT

from .lookup import Lookup, Source

SPF_PREFIX = "v=spf1"
MAX_LOOKUPS = 10  # RFC 7208 §4.6.4
MAX_VOID = 2
#: Queries the walk may make in all: enough to show a tree well past the limit, not a DoS.
BUDGET = 40

_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_COSTLY = {"include", "a", "mx", "ptr", "exists"}
_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
_MODIFIER = re.compile(r"^([a-z][a-z0-9_.-]*)=(.*)$", re.I)
_CIDR = re.compile(r"^/(\d{1,3})(?://(\d{1,3}))?$")


def is_spf(text: str) -> bool:
    return text.lower().split(" ", 1)[0] == SPF_PREFIX


def txt_texts(lookup: Lookup) -> list[str]:
    """The TXT records' texts, each one string (a record may come in several 255-byte chunks)."""
    # A TXT lookup's records are TXT rdatas: their class follows from the type asked, which mypy cannot see.
    records = cast("tuple[dns.rdtypes.ANY.TXT.TXT, ...]", lookup.rdatas)
    return ["".join(part.decode("utf-8", "replace") for part in r.strings) for r in records]


@dataclass(frozen=True)
class Term:
    text: str  # as written in the record
    qualifier: str  # pass, fail, softfail, neutral ("" for a modifier)
    name: str  # mechanism or modifier name, lower case
    target: str  # domain-spec for include/a/mx/exists/redirect ("" = the domain itself)


@dataclass(frozen=True)
class Parsed:
    terms: tuple[Term, ...]
    error: str  # the first term that is not valid SPF, "" when none

    @property
    def all_qualifier(self) -> str:
        """``pass``/``fail``/``softfail``/``neutral`` of the ``all`` term, ``redirect``, or ``missing``."""
        for term in self.terms:
            if term.name == "all":
                return term.qualifier
        return "redirect" if any(t.name == "redirect" for t in self.terms) else "missing"


def parse(text: str) -> Parsed:
    """Split a record into terms; the first term that does not parse is named, the others kept."""
    terms: list[Term] = []
    error = ""
    for word in text.split()[1:]:
        term = _term(word)
        if term is None:
            error = error or word
        else:
            terms.append(term)
    return Parsed(tuple(terms), error)


def _term(word: str) -> Term | None:
    modifier = _MODIFIER.match(word)
    if modifier:
        name, value = modifier.group(1).lower(), modifier.group(2)
        # "include=x" is a typo for "include:x", not an unknown modifier to ignore.
        if name in _MECHANISMS or (name in ("redirect", "exp") and not _domain_spec(value)):
            return None
        return Term(word, "", name, value if name == "redirect" else "")
    qualifier = "pass"
    body = word
    if body[:1] in _QUALIFIERS:
        qualifier, body = _QUALIFIERS[body[0]], body[1:]
    name, sep, rest = body.partition(":")
    cidr = ""
    if "/" in name:
        name, slash, cidr = name.partition("/")
        cidr = slash + cidr
    name = name.lower()
    if name not in _MECHANISMS:
        return None
    if name == "all":
        return Term(word, qualifier, name, "") if not sep and not cidr else None
    if name in ("ip4", "ip6"):
        return Term(word, qualifier, name, "") if sep and _address(name, rest) else None
    if name in ("include", "exists"):
        return Term(word, qualifier, name, rest) if sep and _domain_spec(rest) else None
    # a, mx, ptr: optional :domain, a and mx also an optional /cidr after it
    target = rest
    if sep and "/" in rest:
        target, slash, tail = rest.partition("/")
        cidr = slash + tail
    if sep and not _domain_spec(target):
        return None
    if cidr and (name == "ptr" or not _CIDR.match(cidr)):
        return None
    return Term(word, qualifier, name, target)


def _address(kind: str, text: str) -> bool:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return network.version == (4 if kind == "ip4" else 6)


def _domain_spec(text: str) -> bool:
    """A domain, or a macro string (``%{d}``...) we accept as written without expanding it."""
    if not text or any(c.isspace() for c in text):
        return False
    if "%" in text:
        return True
    labels = text.rstrip(".").split(".")
    return len(labels) >= 2 and all(0 < len(label) < 64 for label in labels)


def merged(records: list[str]) -> str:
    """One record that authorises what several did: every term once, a single ``all`` at the end.

    The ``all`` kept is the first record's (the one most likely written on purpose);
    ``~all`` when none had one.  A ``redirect`` is dropped when an ``all`` is kept,
    since the RFC ignores it then.
    """
    seen: dict[str, None] = {}
    final = ""
    for text in records:
        for word in text.split()[1:]:
            term = _term(word)
            if term is not None and term.name == "all":
                final = final or word
            elif word.lower() not in (w.lower() for w in seen):
                seen[word] = None
    words = [w for w in seen if not (final and w.lower().startswith("redirect="))]
    if not final and not any(w.lower().startswith("redirect=") for w in words):
        final = "~all"
    return " ".join([SPF_PREFIX, *words, *([final] if final else [])])


# ------------------------------------------------------------------ the walk

@dataclass(frozen=True)
class Node:
    term: str  # the term as written, or the domain at the root
    cost: int  # DNS lookups this term costs itself
    note: str = ""  # void, loop, no_spf, several_spf, unchecked, macro, budget, syntax
    children: tuple["Node", ...] = ()

    @property
    def looped(self) -> bool:
        return self.note == "loop" or any(child.looped for child in self.children)

    @property
    def total(self) -> int:
        return self.cost + sum(child.total for child in self.children)

    def lines(self, depth: int = 0) -> list[str]:
        """The tree as indented lines: ``term (cost, total below)`` and a note word when there is one."""
        # "· " rather than spaces: list facts are trimmed, and the depth must survive.
        label = f"{'· ' * depth}{self.term} [{self.total}]"
        if self.note:
            label += f" ({self.note})"
        return [label, *(line for child in self.children for line in child.lines(depth + 1))]


@dataclass(frozen=True)
class Walk:
    root: Node
    lookups: int  # DNS-querying terms counted (the RFC's limit applies to this)
    void: int
    unchecked: tuple[str, ...]  # names the walk could not look up
    evidence: tuple[Lookup, ...]

    @property
    def complete(self) -> bool:
        return not self.unchecked


class _Walker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.queries = 0
        self.void = 0
        self.unchecked: list[str] = []
        self.evidence: list[Lookup] = []

    async def query(self, name: str, rdtype: str) -> Lookup | None:
        try:
            qname = dns.name.from_text(name.rstrip(".") + ".")
        except dns.exception.DNSException:
            return None
        self.queries += 1
        lookup = await self.source.query(qname, rdtype)
        self.evidence.append(lookup)
        if lookup.failed:
            self.unchecked.append(lookup.name)
        return lookup

    async def record(self, parsed: Parsed, domain: str, chain: tuple[str, ...]) -> tuple[Node, ...]:
        return tuple(await asyncio.gather(*(self.term(t, domain, chain) for t in parsed.terms
                                            if t.name in _COSTLY or t.name == "redirect")))

    async def term(self, term: Term, domain: str, chain: tuple[str, ...]) -> Node:
        target = (term.target or domain).rstrip(".").lower()
        if "%" in target:  # a macro depends on the sender: it costs a lookup, we cannot follow it
            return Node(term.text, 1, "macro")
        if term.name == "ptr":  # needs the sender's address: costs one, nothing to look up here
            return Node(term.text, 1)
        if self.queries >= BUDGET:
            return Node(term.text, 1, "budget")
        if term.name in ("include", "redirect"):
            if target in chain:
                return Node(term.text, 1, "loop")
            lookup = await self.query(target, "TXT")
            if lookup is None or lookup.failed:
                return Node(term.text, 1, "unchecked")
            records = [t for t in txt_texts(lookup) if is_spf(t)]
            if not records:
                self.void += lookup.outcome in ("nxdomain", "no_answer")
                return Node(term.text, 1, "void" if lookup.outcome != "ok" else "no_spf")
            parsed = parse(records[0])
            children = await self.record(parsed, target, chain + (target,))
            note = "several_spf" if len(records) > 1 else ("syntax" if parsed.error else "")
            return Node(term.text, 1, note, children)
        rdtypes = {"a": ("A", "AAAA"), "mx": ("MX",), "exists": ("A",)}[term.name]
        found = await asyncio.gather(*(self.query(target, rdtype) for rdtype in rdtypes))
        answered = [lookup for lookup in found if lookup is not None and not lookup.failed]
        if len(answered) < len(found):
            return Node(term.text, 1, "unchecked")
        if all(lookup.outcome in ("nxdomain", "no_answer") for lookup in answered):
            self.void += 1
            return Node(term.text, 1, "void")
        return Node(term.text, 1)


async def walk(domain: str, record: str, source: Source) -> Walk:
    """Every lookup ``record`` (the SPF record of ``domain``) makes a receiver do, as a tree."""
    walker = _Walker(source)
    parsed = parse(record)
    children = await walker.record(parsed, domain.rstrip(".").lower(), (domain.rstrip(".").lower(),))
    root = Node(domain.rstrip("."), 0, "", children)
    return Walk(root, root.total, walker.void, tuple(dict.fromkeys(walker.unchecked)), tuple(walker.evidence))


def facts(records: list[str], tree: Walk | None) -> dict[str, object]:
    """The facts the rules read about the domain's SPF records."""
    out: dict[str, object] = {"dns.spf_count": len(records)}
    if len(records) > 1:
        out["dns.spf_merged"] = merged(records)
    if not records:
        return out
    parsed = parse(records[0])
    out["dns.spf_all"] = parsed.all_qualifier
    if parsed.error:
        out["dns.spf_syntax_error"] = parsed.error
    if tree is not None:
        out["dns.spf_tree"] = tree.root.lines()
        out["dns.spf_unchecked"] = list(tree.unchecked)
        # A receiver follows a loop until it runs out of lookups: a permerror whatever the count.
        out["dns.spf_loop"] = tree.root.looped
        # What was counted is a lower bound when something could not be checked:
        # it says "too many" when already over the limit, never "within it".
        if tree.complete or tree.lookups > MAX_LOOKUPS:
            out["dns.spf_lookups"] = tree.lookups
        if tree.complete or tree.void > MAX_VOID:
            out["dns.spf_void_lookups"] = tree.void
    return out
