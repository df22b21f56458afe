"""Bounds on the DNS checks the server runs for its users, so one slow domain cannot hold it.

Each check (a domain's lookups, several queries) already has a timeout per query; on top of that the
server runs at most ``concurrency`` checks at a time, server-wide, and gives each request ``timeout``
seconds in all, waiting for a free slot included.  Past that the request gets "could not check"
(HTTP 503), never a verdict about the domain.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

from diagnostica.engine.errors import DiagnosticaError, Location

T = TypeVar("T")

#: Checks at a time, server-wide, and seconds per request (waiting included), unless told otherwise.
DEFAULT_CONCURRENCY = 16
DEFAULT_TIMEOUT = 20.0


class DnsUnavailable(DiagnosticaError):
    """The server could not check the domain in time: busy, or the lookups took too long (HTTP 503)."""


class DnsGate:
    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self.active = 0  # checks running now
        self.peak = 0  # the most that ever ran at once (the tests read it)
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; a server has one, a test client may start several.
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.concurrency), loop
        return self._slots

    async def run(self, check: Callable[[], Awaitable[T]]) -> T:
        """``check()`` in a free slot, all within ``timeout`` seconds; else DnsUnavailable."""
        slots = self._semaphore()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            await asyncio.wait_for(slots.acquire(), self.timeout)
        except asyncio.TimeoutError:
            raise DnsUnavailable("web_dns_busy", Location("domain"), limit=self.concurrency,
                                 seconds=_shown(self.timeout)) from None
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            return await asyncio.wait_for(check(), max(deadline - loop.time(), 0.001))
        except asyncio.TimeoutError:
            raise DnsUnavailable("web_dns_timeout", Location("domain"), seconds=_shown(self.timeout)) from None
        finally:
            self.active -= 1
            slots.release()


def _shown(seconds: float) -> str:
    return f"{seconds:g}"
