"""Benchmark: `diagnostica ovh --service S --all` against the loopback fake API, 20 ms per answer.

    python benchmarks/ovh_all.py                     # 100 accounts, --concurrency 1 and 8
    python benchmarks/ovh_all.py --accounts 300 --concurrency 16 --delay 0.05

The fake (tests/ovhapi.py) runs in this process, checks every signature and waits --delay seconds before
each answer, a stand-in for the API's round trip; the command runs in-process (``main(argv)``).  Each
account costs two calls of its own (its object, its diagnosis); what the accounts share (the service, the
domain and its DKIM listing) is read once for the batch.  Printed: accounts per second sequentially and with
the concurrency asked, and their ratio.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from diagnostica.cli.main import main  # noqa: E402

import ovhapi  # noqa: E402


def timed(service: str, concurrency: int) -> tuple[float, int]:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        main(["ovh", "--service", service, "--all", "--concurrency", str(concurrency)])
    elapsed = time.perf_counter() - started
    return elapsed, sum(1 for line in out.getvalue().splitlines() if json.loads(line)["status"] != "error")


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.02)
    args = parser.parse_args()
    import ovh.config

    ovh.config.CONFIG_PATH = []  # only the fake's keys, never the machine's ovh.conf
    with ovhapi.FakeOvh() as fake:
        service = "hosted-bench-1"
        emails = [f"utente{n:04d}@bench.it" for n in range(args.accounts)]
        fake.state[("exchange", ovhapi.ORG, service)] = {
            "service": {"domain": service, "offer": "hosted", "hostname": "ex5.mail.ovh.net", "state": "ok"},
            "accounts": {e: (ovhapi.account(e), ovhapi.diagnosis(isSpammer=n % 7 == 0)) for n, e in enumerate(emails)},
            "domains": {"bench.it": ovhapi.domain("bench.it")}}
        os.environ.update(ovhapi.environment(fake.url))
        fake.delay = args.delay
        sequential, ok1 = timed(service, 1)
        parallel, okn = timed(service, args.concurrency)
    print(f"accounts: {args.accounts}, delay per answer: {args.delay * 1000:.0f} ms, lines read: {ok1}/{okn}")
    print(f"--concurrency 1: {sequential:.2f} s, {args.accounts / sequential:.1f} accounts/s")
    print(f"--concurrency {args.concurrency}: {parallel:.2f} s, {args.accounts / parallel:.1f} accounts/s")
    print(f"ratio: {sequential / parallel:.1f}x")


if __name__ == "__main__":
    run()
