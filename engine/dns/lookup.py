"""DNS lookups as evidence: one immutable record per query, whatever answered it.

Two sources answer the same ``query(name, rdtype)`` coroutine: the live
DNS through dnspython's asyncio resolver, and a BIND zone export read with
dnspython (offline).  Either way a lookup never raises: a failure is an
outcome (``servfail``, ``timeout``...), because a failed lookup is a fact
about the check, not about the records, and the rules must be able to tell
"no MX" from "could not ask".
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Protocol, cast

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype

from ..errors import InputError, Location

if TYPE_CHECKING:
    import dns.message
    import dns.node
    import dns.rdata
    import dns.rdtypes.ANY.NS
    import dns.resolver
    import dns.rrset

    from ..inputs.facts import JSON

#: What a lookup can end in; the catalogue's dns.*_lookup enums list the same words.
OUTCOMES = ("ok", "nxdomain", "no_answer", "servfail", "timeout", "refused", "not_in_zone", "referral",
            "cname_loop", "cname_too_long", "truncated", "mismatch")
#: Outcomes that say nothing about the records: the check could not be done.
#: ``referral``: the server asked is not authoritative for the name (a lame
#: delegation, or a zone cut): its empty answer says nothing about the records.
#: ``cname_loop``/``cname_too_long``: the aliases never reach a record (a loop, or
#: more than MAX_CNAMES of them), so there is no answer to judge.
#: ``truncated``: the answer did not fit in UDP and the retry over TCP failed.
#: ``mismatch``: what came back answers another query (its id or its question differ): a spoofed
#: packet or a broken server, never records of this name.
FAILED = frozenset({"servfail", "timeout", "refused", "not_in_zone", "referral", "cname_loop", "cname_too_long",
                    "truncated", "mismatch"})
#: Aliases followed before giving up: dnspython's own bound (a chain of this many fails).
MAX_CNAMES = 16
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Lookup:
    """One query and what came of it: the evidence shown beside a finding."""

    name: str  # the name asked, as people write it (Unicode)
    qname: str  # the name on the wire (ASCII, absolute)
    rdtype: str
    server: str  # who answered or was asked: "ip:port", or the zone file
    outcome: str
    answers: tuple[str, ...] = ()  # the final records' data, zone-file syntax
    cnames: tuple[tuple[str, str], ...] = ()  # aliases followed: (alias, target)
    duration_ms: float = 0.0
    detail: str = ""  # why it failed, as the resolver said it
    rdatas: tuple[dns.rdata.Rdata, ...] = ()  # the parsed records, for turning into facts (not shown)
    # SERVFAIL that a retry with the CD bit (checking disabled) answers: the DNSSEC chain is broken.
    dnssec_bogus: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED

    def to_json(self) -> dict[str, JSON]:
        return {
            "query": f"{self.name} {self.rdtype}", "name": self.name, "qname": self.qname, "type": self.rdtype,
            "server": self.server, "outcome": self.outcome, "answers": list(self.answers),
            "cnames": [{"alias": a, "target": t} for a, t in self.cnames],
            "duration_ms": self.duration_ms, "detail": self.detail,
            **({"dnssec_bogus": True} if self.dnssec_bogus else {}),
        }


def shown(name: dns.name.Name) -> str:
    """A name as people read it: Unicode, no final dot (città.it, not xn--citt-3na.it.)."""
    try:
        return name.to_unicode(omit_final_dot=True)
    except dns.exception.DNSException:  # not valid IDNA: show it as it came
        return name.to_text(omit_final_dot=True)


def _elapsed(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


# ------------------------------------------------------------ name servers

@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """``HOST``, ``HOST:PORT``, ``IPv6`` or ``[IPv6]:PORT``; HOST must be an IP address."""
    where = Location("--nameserver")
    raw = text.strip()
    host, port = raw, "53"
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise InputError("dns_bad_nameserver", where, value=text)
        port = rest[1:] or "53"
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise InputError("dns_bad_nameserver", where, value=text) from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("dns_bad_port", where, value=text)
    return Nameserver(str(address), int(port))


# ---------------------------------------------------------------- live DNS

#: The longest wait for one lookup that --timeout accepts (seconds).
MAX_TIMEOUT = 300.0


class LiveSource:
    """Ask name servers through dnspython's asyncio resolver (the system's when none is given)."""

    kind = "live"

    def __init__(self, nameservers: list[Nameserver] | tuple[Nameserver, ...] = (),
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        import dns.asyncresolver
        import dns.nameserver
        import dns.resolver

        # nan compares false with everything: "not (0 < timeout <= MAX)" also refuses it (and inf).
        if not 0 < timeout <= MAX_TIMEOUT:
            raise InputError("dns_bad_timeout", Location("--timeout"), value=timeout, limit=MAX_TIMEOUT)
        try:
            self.resolver = dns.asyncresolver.Resolver(configure=not nameservers)
        except dns.resolver.NoResolverConfiguration:
            raise InputError("dns_no_resolver", Location("--nameserver")) from None
        from .nameserver import StrictDo53Nameserver

        if nameservers:
            self.resolver.nameservers = [StrictDo53Nameserver(ns.address, ns.port) for ns in nameservers]
        else:  # the system's: the same servers, asked the same strict way
            self.resolver.nameservers = [
                StrictDo53Nameserver(str(getattr(ns, "address", ns)), getattr(ns, "port", self.resolver.port))
                for ns in self.resolver.nameservers]
        # One deadline for the whole lookup; half of it per attempt leaves room for one retry.
        self.resolver.lifetime = timeout
        self.resolver.timeout = timeout / 2
        self.resolver.cache = None
        self.timeout = timeout
        self.servers = tuple(_server_text(ns) for ns in self.resolver.nameservers)
        # dnspython names a server "Do53:ip@port" in its errors; we show "ip:port".
        self._names = {str(ns): _server_text(ns) for ns in self.resolver.nameservers}
        self._answered: dict[tuple[str, int], str] = {}  # (address, port) of an answer -> "ip:port"
        self._errors = dns.resolver  # imported here, not at module level: `check` alone never needs it
        # The same servers with checking disabled (CD): asked again only after a SERVFAIL.
        import dns.flags

        self._unchecked = dns.asyncresolver.Resolver(configure=False)
        self._unchecked.nameservers = self.resolver.nameservers
        self._unchecked.lifetime, self._unchecked.timeout = self.resolver.lifetime, self.resolver.timeout
        self._unchecked.cache = None
        self._unchecked.flags = dns.flags.RD | dns.flags.CD

    @property
    def description(self) -> str:
        return ", ".join(self.servers)

    async def query(self, name: dns.name.Name, rdtype: str) -> Lookup:
        # A batch makes thousands of these: every text below is made once per lookup, and the
        # server's name once per server (see benchmarks/dns_batch.py).
        resolver_errors = self._errors
        start = time.perf_counter()
        try:
            answer = await self.resolver.resolve(name, rdtype, search=False, raise_on_no_answer=False)
        except resolver_errors.NXDOMAIN as exc:
            response = next(iter(exc.responses().values()), None)
            return Lookup(shown(name), name.to_text(), rdtype, self.description, "nxdomain",
                          cnames=_cnames(response), duration_ms=_elapsed(start))
        except resolver_errors.NoNameservers as exc:
            fault = _chain_fault(exc.kwargs.get("errors") or [])
            if fault is not None:
                outcome, server, chain = fault
                return Lookup(shown(name), name.to_text(), rdtype, self._names.get(server, server), outcome,
                              cnames=chain, duration_ms=_elapsed(start), detail=_chain_text(chain))
            truncated = _truncation(exc.kwargs.get("errors") or [])
            if truncated is not None:
                server, detail = truncated
                return Lookup(shown(name), name.to_text(), rdtype, self._names.get(server, server), "truncated",
                              duration_ms=_elapsed(start), detail=detail)
            outcome, server, detail = _classify(exc.kwargs.get("errors") or [])
            server = self._names.get(server, server)
            bogus = outcome == "servfail" and await self._answers_unchecked(name, rdtype)
            return Lookup(shown(name), name.to_text(), rdtype, server or self.description, outcome,
                          duration_ms=_elapsed(start), detail=detail, dnssec_bogus=bogus)
        except dns.exception.Timeout:
            return Lookup(shown(name), name.to_text(), rdtype, self.description, "timeout",
                          duration_ms=_elapsed(start), detail=f"{self.timeout:g} s")
        except dns.exception.DNSException as exc:  # e.g. YXDOMAIN: the servers could not answer it
            return Lookup(shown(name), name.to_text(), rdtype, self.description, "servfail",
                          duration_ms=_elapsed(start), detail=str(exc))
        where = (answer.nameserver or "", answer.port or 0)  # always set on an answer dnspython returns
        answered_by = self._answered.get(where)
        if answered_by is None:
            answered_by = self._answered[where] = str(Nameserver(*where))
        records, texts = _ordered(answer.rrset) if answer.rrset is not None else ((), ())
        cnames = answer.chaining_result.cnames
        if not records:
            delegated_to = _referral(answer.response)
            if delegated_to is not None:
                return Lookup(shown(name), name.to_text(), rdtype, answered_by, "referral",
                              cnames=_chain(cnames) if cnames else (), duration_ms=_elapsed(start),
                              detail=delegated_to)
        return Lookup(shown(name), name.to_text(), rdtype, answered_by, "ok" if records else "no_answer", texts,
                      _chain(cnames) if cnames else (), _elapsed(start), "", records)


    async def _answers_unchecked(self, name: dns.name.Name, rdtype: str) -> bool:
        """Whether the SERVFAIL goes away with the CD bit: then validation, not the server, failed."""
        try:
            await self._unchecked.resolve(name, rdtype, search=False, raise_on_no_answer=False)
        except self._errors.NXDOMAIN:
            return True
        except dns.exception.DNSException:
            return False
        return True


def _referral(response: dns.message.Message | None) -> str | None:
    """The name servers a referral or lame answer points to, or None for a real (authoritative) answer.

    A server that is not authoritative for the name (no AA flag) and answers
    with no records but NS records in the authority section is handing the
    question on, not saying "no such records"; a negative answer from a
    recursive resolver carries the zone's SOA instead, so it is not one.
    """
    import dns.flags

    if response is None or response.flags & dns.flags.AA:
        return None
    servers = [rr for rrset in response.authority if rrset.rdtype == dns.rdatatype.NS for rr in rrset]
    if not servers or any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority):
        return None
    return _delegation_text(response.authority[0].name, servers)


def _delegation_text(cut: dns.name.Name, servers: Iterable[dns.rdtypes.ANY.NS.NS]) -> str:
    return f"{shown(cut)} NS " + ", ".join(sorted(shown(rr.target) for rr in servers))


def _ordered(rdataset: Iterable[dns.rdata.Rdata]) -> tuple[tuple[dns.rdata.Rdata, ...], tuple[str, ...]]:
    """Records in the order people read them (by MX preference or SRV priority, then text), and their texts."""
    keyed = sorted((getattr(r, "preference", getattr(r, "priority", 0)), r.to_text(), i, r)
                   for i, r in enumerate(rdataset))
    return tuple(k[3] for k in keyed), tuple(k[1] for k in keyed)


def _server_text(nameserver: object) -> str:
    address, port = getattr(nameserver, "address", str(nameserver)), getattr(nameserver, "port", 53)
    return str(Nameserver(address, port))


def _cnames(response: dns.message.Message | None) -> tuple[tuple[str, str], ...]:
    import dns.message

    if response is None or not response.answer:  # no alias without an answer section (the usual NXDOMAIN)
        return ()
    if not isinstance(response, dns.message.QueryMessage):  # only a query's answer has a chain to read
        return ()
    try:
        chain = response.resolve_chaining().cnames
    except Exception:  # noqa: BLE001 - a chain we cannot read is simply not reported
        return ()
    return _chain(chain)


def _chain(rrsets: Iterable[dns.rrset.RRset]) -> tuple[tuple[str, str], ...]:
    return tuple((shown(rrset.name), shown(rrset[0].target)) for rrset in rrsets)


def _chain_fault(errors: list[dns.resolver.ErrorTuple]) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """A CNAME loop or an over-long chain behind dnspython's ChainTooLong: outcome, server, aliases seen.

    dnspython gives up after MAX_CNAMES aliases without saying whether they
    loop; the response it kept tells: a target already seen is a loop.
    """
    import dns.message

    for entry in errors:
        if not isinstance(entry[3], dns.message.ChainTooLong) or entry[4] is None:
            continue
        response = entry[4]
        current = response.question[0].name
        seen = {current}
        chain: list[tuple[str, str]] = []
        while len(chain) < MAX_CNAMES:
            rrset = next((r for r in response.answer if r.rdtype == dns.rdatatype.CNAME and r.name == current), None)
            if rrset is None:
                break
            target = rrset[0].target
            chain.append((shown(current), shown(target)))
            if target in seen:
                return "cname_loop", str(entry[0]), tuple(chain)
            seen.add(target)
            current = target
        return "cname_too_long", str(entry[0]), tuple(chain)
    return None


def _truncation(errors: list[dns.resolver.ErrorTuple]) -> tuple[str, str] | None:
    """Server and why, when a server's answer came truncated over UDP and TCP could not complete it."""
    import dns.message

    for index, entry in enumerate(errors):
        if isinstance(entry[3], dns.message.Truncated):
            after = next((later for later in errors[index + 1:] if later[0] == entry[0]), None)
            why = (str(after[3]) or type(after[3]).__name__) if after is not None else ""
            return str(entry[0]), f"answer truncated (TC), then over TCP: {why}" if why else "answer truncated (TC)"
    return None


def _chain_text(chain: tuple[tuple[str, str], ...]) -> str:
    """The aliases as one line of evidence: a → b → c."""
    return " → ".join([chain[0][0], *(target for _, target in chain)]) if chain else ""


def _classify(errors: list[dns.resolver.ErrorTuple]) -> tuple[str, str, str]:
    """The outcome behind dnspython's NoNameservers: SERVFAIL, REFUSED, silence or no route."""
    outcome, server, detail = "timeout", "", ""
    import dns.query

    rank = {"mismatch": 4, "servfail": 3, "refused": 2, "timeout": 1}
    for entry in errors:
        address, error = entry[0], entry[3]
        if isinstance(error, dns.query.BadResponse):
            found, error = "mismatch", "answer to another query (id or question differ)"
        elif isinstance(error, str):
            found = {"SERVFAIL": "servfail", "REFUSED": "refused"}.get(error, "servfail")
        elif isinstance(error, dns.exception.Timeout):
            found = "timeout"
        else:  # a closed port, no route: nobody answers the DNS there
            found = "refused"
        text = error if isinstance(error, str) else (str(error) or type(error).__name__)
        if rank[found] >= rank.get(outcome, 0) or not server:
            outcome, server, detail = found, str(address), text
    return outcome, server, detail


# --------------------------------------------------------------- zone file

class Source(Protocol):
    """Where lookups are answered (the live DNS, a zone file, or either behind a limit): one Lookup each."""

    @property
    def kind(self) -> str: ...  # "live" or "zone"

    @property
    def servers(self) -> tuple[str, ...]: ...

    @property
    def description(self) -> str: ...

    async def query(self, name: dns.name.Name, rdtype: str) -> Lookup: ...


class Zone(Protocol):
    """What a zone source reads of dnspython's ``Zone``: one read from a file always has its origin."""

    @property
    def origin(self) -> dns.name.Name: ...

    @property
    def nodes(self) -> Mapping[dns.name.Name, dns.node.Node]: ...

    def get_node(self, name: dns.name.Name) -> dns.node.Node | None: ...


class ZoneSource:
    """Answer lookups from a BIND zone export, the way an authoritative server would."""

    kind = "zone"

    def __init__(self, zone: Zone, display: str) -> None:
        self.zone = zone
        self.display = display
        self.servers = (display,)

    @property
    def description(self) -> str:
        return self.display

    async def query(self, name: dns.name.Name, rdtype: str) -> Lookup:
        start = time.perf_counter()
        base = (shown(name), name.to_text(), rdtype, self.display)  # name, qname, rdtype, server
        wanted = dns.rdatatype.from_text(rdtype)
        chain: list[tuple[str, str]] = []
        current, seen = name, {name}
        while True:
            if not current.is_subdomain(self.zone.origin):
                return Lookup(*base, outcome="not_in_zone", cnames=tuple(chain), duration_ms=_elapsed(start),
                              detail=shown(current))
            cut = _zone_cut(self.zone, current)
            if cut is not None:  # delegated away: the zone file holds no answer, only the hand-over
                return Lookup(*base, outcome="referral", cnames=tuple(chain), duration_ms=_elapsed(start),
                              detail=cut)
            node = self.zone.get_node(current)
            if node is None:
                below = any(other.is_subdomain(current) for other in self.zone.nodes)
                return Lookup(*base, outcome="no_answer" if below else "nxdomain", cnames=tuple(chain),
                              duration_ms=_elapsed(start))
            alias = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if alias is not None and wanted != dns.rdatatype.CNAME:
                target = alias[0].target
                chain.append((shown(current), shown(target)))
                if target in seen or len(chain) >= MAX_CNAMES:  # never reaches a record: nothing to judge
                    return Lookup(*base, outcome="cname_loop" if target in seen else "cname_too_long",
                                  cnames=tuple(chain), duration_ms=_elapsed(start), detail=_chain_text(tuple(chain)))
                seen.add(target)
                current = target
                continue
            rdataset = node.get_rdataset(dns.rdataclass.IN, wanted)
            records, texts = _ordered(rdataset) if rdataset is not None else ((), ())
            return Lookup(*base, outcome="ok" if records else "no_answer",
                          answers=texts, cnames=tuple(chain),
                          duration_ms=_elapsed(start), rdatas=records)


def _zone_cut(zone: Zone, name: dns.name.Name) -> str | None:
    """The delegation (NS records below the apex) that ``name`` lies at or under, as text; None if none."""
    candidate = name
    while len(candidate) > len(zone.origin):
        node = zone.get_node(candidate)
        servers = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS) if node is not None else None
        if servers is not None:
            return _delegation_text(candidate, servers)
        candidate = candidate.parent()
    return None


def _zone_problem(problem: str) -> dict[str, str]:
    """dnspython's words, and the message key that says them in the reader's language when the locale has it."""
    return {"problem": problem, "problem_key": f"zone_problems.{problem.rstrip('.').lower().replace(' ', '_')}"}


def _offending_line(text: str, origin: dns.name.Name | None, reported: int) -> int:
    """The line to blame: dnspython reports a record short of a field on the line after it.

    If the zone cut just before the reported line (blank and comment lines
    skipped) already fails, the previous record is the broken one.
    """
    import dns.zone

    lines = text.splitlines()
    previous = min(reported, len(lines) + 1) - 1
    while previous >= 1 and (not lines[previous - 1].strip() or lines[previous - 1].lstrip().startswith(";")):
        previous -= 1
    if previous < 1:
        return reported
    try:
        dns.zone.from_text("\n".join(lines[:previous]) + "\n", origin=origin, relativize=False, check_origin=False)
    except dns.exception.SyntaxError:
        return previous
    except dns.exception.DNSException:
        return reported
    return reported


#: Records all the $GENERATE lines of one zone file may create: dnspython expands them one by one,
#: so an 80-byte file could otherwise ask for a billion records.
MAX_GENERATED = 65_536


def _check_generate(text: str, display: str) -> None:
    """Refuse a zone whose $GENERATE ranges add up past MAX_GENERATED, before dnspython expands them."""
    import re

    total = 0
    for number, line in enumerate(text.splitlines(), start=1):
        found = re.match(r"\s*\$GENERATE\s+(\d+)-(\d+)(?:/(\d+))?(?=\s)", line, re.I | re.A)
        if found is None:
            continue  # not a $GENERATE, or one dnspython will reject with its own message
        start, stop, step = (_bounded_int(found.group(i) or "1") for i in (1, 2, 3))
        if step == 0 or stop < start:
            continue
        total += (stop - start) // step + 1
        if total > MAX_GENERATED:
            shown_range = line.split()[1][:40]
            raise InputError("dns_zone_generate_limit", Location(display, number), range=shown_range,
                             limit=MAX_GENERATED)


def _bounded_int(digits: str) -> int:
    """Digits as a number, any run longer than 20 digits as 10**20 (past every bound; no huge int built)."""
    return int(digits) if len(digits) <= 20 else 10**20


def load_zone(path: str, origin: dns.name.Name | None, limit: int | None = None) -> ZoneSource:
    """Read a zone export; any error in it becomes file:line and what is wrong."""
    import re

    import dns.zone
    import dns.zonefile

    from ..inputs.facts import DEFAULT_MAX_SIZE, read_text

    text, display = read_text(path, DEFAULT_MAX_SIZE if limit is None else limit)
    _check_generate(text, display)
    used_origin = None
    try:
        try:  # the file's own $ORIGIN first; the domain asked only for exports without one
            zone = dns.zone.from_text(text, origin=None, relativize=False, check_origin=False, filename=display)
        except (dns.zonefile.UnknownOrigin, dns.zone.UnknownOrigin):
            if origin is None:
                raise
            used_origin = origin
            zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False, filename=display)
    except (dns.zonefile.UnknownOrigin, dns.zone.UnknownOrigin):
        raise InputError("dns_zone_no_origin", Location(display)) from None
    except dns.exception.SyntaxError as exc:
        found = re.match(r"^(.*?):(\d+): (.*)$", str(exc), re.S)
        if found:
            line = _offending_line(text, used_origin, int(found.group(2)))
            raise InputError("dns_zone_syntax", Location(found.group(1), line),
                             **_zone_problem(found.group(3).strip())) from None
        raise InputError("dns_zone_syntax", Location(display), problem=str(exc)) from None
    except dns.exception.DNSException as exc:
        raise InputError("dns_zone_syntax", Location(display), problem=str(exc) or type(exc).__name__) from None
    except ValueError as exc:  # dnspython's own checks, e.g. an SOA away from the origin ("add() has non-origin SOA")
        raise InputError("dns_zone_syntax", Location(display), problem=str(exc) or type(exc).__name__) from None
    if len(zone.nodes) == 0:
        raise InputError("dns_zone_empty", Location(display))
    # from_text either found an origin ($ORIGIN, or the one given) or raised UnknownOrigin above;
    # dnspython types it as optional for zones built by hand.
    return ZoneSource(cast(Zone, zone), display)
