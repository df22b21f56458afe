"""Fetch an MTA-STS policy: ``https://mta-sts.<domain>/.well-known/mta-sts.txt``, bounded in size and time.

The host is resolved through the same DNS source as every other lookup
(the name servers given, or the test server), and the connection goes to
that address with the certificate checked for ``mta-sts.<domain>``: never
without verification.  ``ca_file`` replaces the system's trust anchors (a
test's self-signed certificate, a company proxy's CA).  Anything that goes
wrong -- no address, refused, timeout, bad certificate, a status other than
200, a body over the limit -- is a failure with its reason: "could not
check", never a verdict on the policy.
"""
from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dns.name

if TYPE_CHECKING:
    from .lookup import Source

#: RFC 8461 sets no limit; real policies are a few hundred bytes.
MAX_BYTES = 64 * 1024
DEFAULT_TIMEOUT = 10.0
PATH = "/.well-known/mta-sts.txt"


@dataclass(frozen=True)
class Fetched:
    url: str
    text: str | None  # the policy, None when the fetch failed
    detail: str = ""  # why it failed, or the address that answered

    def facts(self) -> dict[str, object]:
        return {"dns.mta_sts_fetch": "ok" if self.text is not None else "failed",
                "dns.mta_sts_fetch_detail": self.detail, "dns.mta_sts_url": self.url}


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a given address, with SNI and the certificate check for the policy host's name."""

    def __init__(self, host: str, address: str, port: int, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address, self.tls = address, context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PolicyFetcher:
    ca_file: str | None = None
    port: int = 443
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = MAX_BYTES

    async def fetch(self, domain: str, source: Source) -> Fetched:
        host = f"mta-sts.{domain.rstrip('.')}"
        url = f"https://{host}{PATH}"
        lookup = await source.query(dns.name.from_text(host + "."), "A")
        addresses = [r.address for r in lookup.rdatas if hasattr(r, "address")]
        if not addresses:
            return Fetched(url, None, f"{host} A: {lookup.outcome}")
        try:
            text = await asyncio.wait_for(asyncio.to_thread(self._get, host, addresses[0]), self.timeout)
        except asyncio.TimeoutError:
            return Fetched(url, None, f"timeout ({self.timeout:g} s)")
        except (OSError, ssl.SSLError, http.client.HTTPException, UnicodeDecodeError, _Refused) as exc:
            return Fetched(url, None, str(exc) or type(exc).__name__)
        return Fetched(url, text, addresses[0])

    def _get(self, host: str, address: str) -> str:
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = _PinnedHTTPS(host, address, self.port, context, self.timeout)
        try:
            connection.request("GET", PATH, headers={"Accept": "text/plain"})
            response = connection.getresponse()
            if response.status != 200:  # RFC 8461 §3.3: no redirects, only a 200 is a policy
                raise _Refused(f"HTTP {response.status}")
            body = response.read(self.max_bytes + 1)
            if len(body) > self.max_bytes:
                raise _Refused(f"> {self.max_bytes} bytes")
            return body.decode("utf-8")
        finally:
            connection.close()


class _Refused(Exception):
    """An answer that is not a policy (status, size): its reason is the message."""
