"""A small authoritative DNS server for the tests and the benchmark: real sockets, real wire format.

It serves zones read with dnspython (BIND text), over UDP and TCP on
127.0.0.1 and a free port, from an asyncio loop in a thread of its own, so
a delay before each answer costs no thread and many queries can wait at
once.  Per name it can also misbehave on purpose: answer SERVFAIL or
REFUSED, never answer at all, act as a validating resolver before a
broken DNSSEC chain ("bogus": SERVFAIL unless the query sets the CD bit),
hand the name on without authority (a referral, as a lame delegation
answers), answer truncated over UDP and hang up over TCP, answer "no such
records" without authority the way a recursive resolver does (SOA, no AA:
not a referral), or answer with another query's id or question (what a
spoofed packet looks like).  Names outside every zone get REFUSED, as a
real authoritative server answers them; names below a zone cut (NS records
under the apex) get a referral to the delegated servers.

    with DnsServer() as server:
        server.add_zone_text(text, "example.test")
        server.behave("broken.test", "servfail")
        ... "--nameserver", server.address ...
"""
from __future__ import annotations

import asyncio
import socket
import struct
import threading
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

BEHAVIOURS = ("answer", "servfail", "refused", "silent", "bogus", "referral", "truncated", "unauthoritative", "wrong_id", "wrong_question")
#: Where a "referral" behaviour hands its names on to.
REFERRAL_SERVERS = ("ns1.elsewhere.example.", "ns2.elsewhere.example.")


class DnsServer:
    def __init__(self, host: str = "127.0.0.1", delay: float = 0.0) -> None:
        self.host = host
        self.delay = delay  # seconds to wait before each answer (a stand-in for a round trip)
        self.zones: dict[dns.name.Name, dns.zone.Zone] = {}
        self.behaviours: dict[dns.name.Name, str] = {}
        self._parent_cache: dict[int, set] = {}
        self.queries = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    # ---------------------------------------------------------------- setup
    @property
    def address(self) -> str:
        """What ``--nameserver`` wants: ``HOST:PORT`` (``[::1]:PORT`` for IPv6)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def add_zone_text(self, text: str, origin: str | None = None) -> dns.zone.Zone:
        zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
        self.zones[zone.origin] = zone
        return zone

    def add_zone_file(self, path: Path | str, origin: str | None = None) -> dns.zone.Zone:
        return self.add_zone_text(Path(path).read_text(encoding="utf-8"), origin)

    def behave(self, name: str, behaviour: str) -> None:
        """``name`` and every name below it answer with ``behaviour`` (see BEHAVIOURS)."""
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviours[dns.name.from_unicode(name)] = behaviour

    def __enter__(self) -> "DnsServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="test-dns-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test DNS server did not start")

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(10)

    # --------------------------------------------------------------- serving
    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        udp_sock, tcp_sock = _bind_pair(self.host)
        self.port = udp_sock.getsockname()[1]
        transport, _ = await self._loop.create_datagram_endpoint(lambda: _Udp(self), sock=udp_sock)
        tcp = await asyncio.start_server(self._tcp_client, sock=tcp_sock)
        self._ready.set()
        await self._stop.wait()
        transport.close()
        tcp.close()
        await tcp.wait_closed()

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                wire = await self.respond(await reader.readexactly(size), max_size=65535)
                if wire == b"":  # hang up without answering
                    break
                if wire is not None:
                    writer.write(struct.pack("!H", len(wire)) + wire)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def respond(self, wire: bytes, max_size: int = 512) -> bytes | None:
        """The answer to one query in wire format, or None to stay silent."""
        self.queries += 1
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - garbage in, no answer out
            return None
        if self.delay:
            await asyncio.sleep(self.delay)
        if query.question and self._behaviour(query.question[0].name) == "truncated":
            if max_size > 512:
                return b""  # over TCP: the connection closes, the full answer never comes
            response = dns.message.make_response(query)
            response.flags |= dns.flags.TC | dns.flags.AA
            return response.to_wire()
        response = self.answer(query)
        if response is None:
            return None
        fault = self._behaviour(query.question[0].name) if query.question else "answer"
        if fault == "wrong_id":
            response.id ^= 0x5A5A
        elif fault == "wrong_question":
            response.question = [dns.rrset.RRset(dns.name.from_text("other.example."), dns.rdataclass.IN,
                                                 query.question[0].rdtype)]
        if query.edns >= 0:
            max_size = max(max_size, query.payload)
        try:
            return response.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            response = dns.message.make_response(query)
            response.flags |= dns.flags.TC | dns.flags.AA
            return response.to_wire()

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        behaviour = self._behaviour(question.name)
        if behaviour == "silent":
            return None
        if behaviour == "bogus" and not query.flags & dns.flags.CD:
            behaviour = "servfail"
        if behaviour == "unauthoritative":  # a recursive resolver's "no records": SOA, no AA
            response.flags &= ~dns.flags.AA
            soa = dns.rrset.from_text(question.name, 300, "IN", "SOA", "ns1.test. hostmaster.test. 1 7200 3600 1209600 300")
            response.authority.append(soa)
            return response
        if behaviour == "referral":
            cut = next(c for c in self.behaviours if question.name.is_subdomain(c))
            _refer(response, cut, [dns.name.from_text(ns) for ns in REFERRAL_SERVERS])
            return response
        if behaviour in ("servfail", "refused"):
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.SERVFAIL if behaviour == "servfail" else dns.rcode.REFUSED)
            return response
        zone = self._zone_for(question.name)
        if zone is None:
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)
            return response
        self._fill(response, question.name, question.rdtype, zone, hops=0)
        return response

    def _behaviour(self, name: dns.name.Name) -> str:
        for candidate, behaviour in self.behaviours.items():
            if name.is_subdomain(candidate):
                return behaviour
        return "answer"

    def _zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        best = None
        for origin, zone in self.zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best.origin)):
                best = zone
        return best

    def _fill(self, response, name, rdtype, zone, hops: int) -> None:
        """Answer from the zone, following CNAMEs into any zone this server holds."""
        cut = _zone_cut(zone, name)
        if cut is not None:  # delegated: not ours to answer, say who is (RFC 1034 4.3.2, step 3b)
            _refer(response, cut, [rr.target for rr in zone.get_rdataset(cut, dns.rdatatype.NS)])
            return
        node = zone.get_node(name)
        if node is None:
            below = name in self._parents(zone)
            # After a CNAME the rcode speaks of the chain's last name, as RFC 6604 says.
            response.set_rcode(dns.rcode.NOERROR if below else dns.rcode.NXDOMAIN)
            self._soa(response, zone)
            return
        cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is not None and rdtype != dns.rdatatype.CNAME:
            response.answer.append(_rrset(name, cname))
            target = cname[0].target
            next_zone = self._zone_for(target)
            if next_zone is not None and hops < 32:  # past dnspython's own bound (16), so the client's limit is what a test meets
                self._fill(response, target, rdtype, next_zone, hops + 1)
            return
        rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
        if rdataset is None:
            self._soa(response, zone)
            return
        response.answer.append(_rrset(name, rdataset))

    def _parents(self, zone) -> set:
        """Names with something below them (empty non-terminals answer NOERROR, not NXDOMAIN)."""
        key = id(zone)
        if key not in self._parent_cache:
            parents = set()
            for name in zone.nodes:
                while len(name) > len(zone.origin):
                    name = name.parent()
                    parents.add(name)
            self._parent_cache[key] = parents
        return self._parent_cache[key]

    @staticmethod
    def _soa(response, zone) -> None:
        soa = zone.get_rdataset(zone.origin, dns.rdatatype.SOA)
        if soa is not None:
            response.authority.append(_rrset(zone.origin, soa))


def _zone_cut(zone, name):
    """The delegated name at or above ``name`` (below the zone's apex), or None."""
    while len(name) > len(zone.origin):
        if zone.get_rdataset(name, dns.rdatatype.NS) is not None:
            return name
        name = name.parent()
    return None


def _refer(response, cut, targets) -> None:
    """Make ``response`` a referral: NOERROR, no AA, the NS records in the authority section (any CNAME kept)."""
    response.flags &= ~dns.flags.AA
    response.set_rcode(dns.rcode.NOERROR)
    rrset = dns.rrset.RRset(cut, dns.rdataclass.IN, dns.rdatatype.NS)
    for target in targets:
        rrset.add(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NS, target.to_text()), ttl=3600)
    response.authority.append(rrset)


def _rrset(name, rdataset):
    rrset = dns.rrset.RRset(name, rdataset.rdclass, rdataset.rdtype)
    rrset.update(rdataset)
    return rrset


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        asyncio.ensure_future(self._reply(data, addr))

    async def _reply(self, data: bytes, addr) -> None:
        wire = await self.server.respond(data)
        if wire is not None and not self.transport.is_closing():
            self.transport.sendto(wire, addr)


def _bind_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on the same free port (retrying if TCP finds it taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.bind((host, 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(family, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((host, port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(128)
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    raise RuntimeError("no free port for the test DNS server")


ZONES = Path(__file__).parent / "zones"


def make_server(host: str = "127.0.0.1", delay: float = 0.0) -> DnsServer:
    """The server the tests use: every zone in tests/zones, plus names that misbehave."""
    server = DnsServer(host, delay)
    for path in sorted(ZONES.glob("*.zone")):
        server.add_zone_file(path)
    server.behave("servfail.test", "servfail")
    server.behave("silent.test", "silent")
    server.behave("refused.test", "refused")
    server.behave("_dmarc.broken.dmarc.test", "servfail")
    server.behave("bogus.dmarc.test", "bogus")  # a broken DNSSEC chain: answers only with CD set  # the domain answers, its DMARC lookup fails
    server.behave("lame.test", "referral")
    server.behave("truncated.test", "truncated")
    server.behave("recursive-nodata.test", "unauthoritative")
    server.behave("wrong-id.cases.test", "wrong_id")  # else NXDOMAIN: a wrong verdict if accepted
    server.behave("wrong-question.cases.test", "wrong_question")
    return server
