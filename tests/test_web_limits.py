"""DNS checks bounded server-wide: at most N at once, a time limit per request, then "could not check" (503)."""
from __future__ import annotations

import asyncio

import pytest

from dnsserver import make_server

httpx = pytest.importorskip("httpx")


@pytest.fixture(scope="module")
def dns_server():
    # a round trip per answer, so that checks overlap in time (the peak below needs them to); a short
    # one, as each check makes several queries one after the other
    with make_server(delay=0.02) as running:
        yield running


def app_with(kb, dns_server, concurrency: int, timeout: float, lookup_timeout: float = 2.0):
    from diagnostica.cli.web.app import create_app
    from diagnostica.cli.web.limits import DnsGate
    from diagnostica.engine.dns.lookup import LiveSource, parse_nameserver

    gate = DnsGate(concurrency, timeout)
    source = LiveSource([parse_nameserver(dns_server.address)], timeout=lookup_timeout)
    return create_app(kb, source, dns_gate=gate), gate


async def post_all(app, bodies: list[dict], path: str = "/api/v1/dns") -> list:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await asyncio.gather(*(client.post(path, json=body) for body in bodies))


@pytest.mark.parametrize("concurrency, requests", [(1, 4), (3, 9)])
def test_no_more_checks_at_once_than_the_limit(kb, dns_server, concurrency, requests):
    app, gate = app_with(kb, dns_server, concurrency, timeout=60)
    answers = asyncio.run(post_all(app, [{"domain": "hosted-ok.cases.test"}] * requests))
    assert [a.status_code for a in answers] == [200] * requests
    assert gate.peak == concurrency and gate.active == 0  # the limit was reached, never passed, all released


def test_a_check_past_the_time_limit_is_could_not_check(kb, dns_server):
    # silent.test never answers: the gate's limit (short, to keep the wait short) ends the check, not
    # the lookup's own
    app, gate = app_with(kb, dns_server, 4, timeout=0.1, lookup_timeout=5.0)
    [answer] = asyncio.run(post_all(app, [{"domain": "silent.test"}]))
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "web_dns_timeout" and gate.active == 0


@pytest.mark.parametrize("second, outcomes", [
    ("quick", ["web_dns_timeout", "ok"]),              # it waits for the slot, within its own time, and runs
    ("never", ["web_dns_timeout", "web_dns_timeout"]),  # it waits, gets the slot, and runs out of time too
])
def test_a_check_waits_for_a_free_slot_within_its_own_time(second, outcomes):
    from diagnostica.cli.web.limits import DnsGate, DnsUnavailable

    # The second asks at 0.15 s, so its own time ends 0.15 s after the first's (at 0.3 s): a margin
    # wide enough that a busy machine's late timers still end them in that order.
    gate = DnsGate(1, 0.3)

    async def never_ends() -> str:
        await asyncio.Event().wait()
        return "never"

    async def quick() -> str:
        return "ok"

    async def two() -> list[str]:
        first = asyncio.create_task(gate.run(never_ends))
        while gate.active == 0:  # the first holds the slot before the second asks
            await asyncio.sleep(0)
        await asyncio.sleep(0.15)  # so the second's own time ends well after the first's
        second_task = asyncio.create_task(gate.run(quick if second == "quick" else never_ends))
        found = await asyncio.gather(first, second_task, return_exceptions=True)
        return [o.code if isinstance(o, DnsUnavailable) else o for o in found]

    assert asyncio.run(two()) == outcomes
    assert (gate.active, gate.peak) == (0, 1)


def test_no_slot_in_time_is_busy():
    """A slot that does not free in time ends the wait with «busy» (the slot is taken by hand here: the
    gate's own checks give their slot back by their deadline, which comes before any later waiter's)."""
    from diagnostica.cli.web.limits import DnsGate, DnsUnavailable

    gate = DnsGate(1, 0.1)

    async def quick() -> None:
        return None

    async def blocked() -> str:
        slots = gate._semaphore()
        await slots.acquire()
        try:
            with pytest.raises(DnsUnavailable) as caught:
                await gate.run(quick)
        finally:
            slots.release()
        return caught.value.code

    assert asyncio.run(blocked()) == "web_dns_busy"


def test_the_domain_page_says_could_not_check(kb, dns_server):
    app, _ = app_with(kb, dns_server, 1, timeout=0.1, lookup_timeout=5.0)

    async def form() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/dominio", data={"domain": "silent.test"})

    page = asyncio.run(form())
    assert page.status_code == 503 and 'role="alert"' in page.text
    assert "non si sono concluse entro 0.1 secondi" in page.text


@pytest.mark.parametrize("args, message", [
    (("--dns-checks", "0"), "da 1 a 1024"),
    (("--check-timeout", "nan"), "maggiore di 0"),
    (("--check-timeout", "301"), "al massimo 300"),
])
def test_serve_refuses_bad_bounds(cli, args, message):
    run = cli("serve", *args)
    assert run.code == 2 and message in run.err


def test_a_consultation_whose_lookup_runs_out_of_time_goes_on_without_it(kb, dns_server):
    """The page says the lookup could not be made and asks its next question; it used to drop the whole
    consultation and show the empty start form."""
    import json

    app, gate = app_with(kb, dns_server, 4, timeout=0.1, lookup_timeout=5.0)
    state = {"problem": "invio", "facts": {"domain": "silent.test"}, "dns": "collected", "answers": []}

    async def post():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/consultazione", data={"state": json.dumps(state)})

    page = asyncio.run(post())
    assert page.status_code == 200 and gate.active == 0
    assert 'id="question-text"' in page.text and "Inizia" not in page.text  # the question, not the start form
    assert 'role="alert"' in page.text and "Il DNS non è stato verificato: proseguiamo senza" in page.text


@pytest.mark.parametrize("path, module, name, body", [
    ("/api/v1/report", "api", "report_result", {"text": "ATTENZIONE: il record MX del dominio non è valido"}),
    ("/report", "pages", "report_result", None),
    ("/api/v1/check", "api", "check_document", {"dns.mx_valid": False}),
])
def test_a_long_reading_holds_no_other_request(kb, monkeypatch, path, module, name, body):
    """A body that takes seconds to read (a 1 MB paste) is read off the event loop: the server answers
    others meanwhile.  The reading here waits until /healthz has answered (10 s at most)."""
    import importlib
    import threading

    target = importlib.import_module(f"diagnostica.cli.web.{module}")
    real, answered, entered, finished = getattr(target, name), threading.Event(), threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        entered.set()
        answered.wait(10)  # on the event loop this blocks it, and /healthz answers only after
        try:
            return real(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(target, name, slow)
    from diagnostica.cli.web.app import create_app

    async def both() -> tuple[int, bool, int]:
        transport = httpx.ASGITransport(app=create_app(kb))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            if body is None:  # the page's form
                reading = asyncio.create_task(client.post(path, data={"report": "ATTENZIONE: il record MX del dominio non è valido"}))
            else:
                reading = asyncio.create_task(client.post(path, json=body))
            await asyncio.sleep(0.05)  # the reading has begun
            health = await client.get("/healthz")
            still_reading = entered.is_set() and not finished.is_set()
            answered.set()
            return health.status_code, still_reading, (await reading).status_code

    assert asyncio.run(both()) == (200, True, 200)
