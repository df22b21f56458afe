"""Benchmark: `POST /api/v1/check`, `/api/v1/report` and `/api/v1/ask` of `diagnostica serve`, at concurrency 1 and 16.

    python benchmarks/web_api.py [--requests 400]

The real command runs as a subprocess on a free 127.0.0.1 port (one uvicorn worker); the client is
httpx in threads, one connection each.  Printed per endpoint and concurrency: requests per second, the
p50/p99 latency seen by the client (loopback round trip and the client's own work on the same 2 cores
included) and the p50/p99 of the server's own time (its `Server-Timing` header); the verdict compares the
server's p99 with the target of 20 ms.  Bounded: --requests per run, then it stops.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BODIES = {
    "/api/v1/check": (ROOT / "examples" / "mx-foreign.yaml").read_bytes(),
    "/api/v1/report": httpx.Request("POST", "http://x", json={
        "text": (ROOT / "examples" / "incollato.txt").read_text(encoding="utf-8")}).read(),
    # A consultation's step: two answers given, the third question (with its preview of every answer) to plan.
    "/api/v1/ask": httpx.Request("POST", "http://x", json={
        "problem": "invio", "answers": [["account.spam_blocked", False], ["account.locked", False]]}).read(),
}


TARGET_MS = 20.0  # the target for the server's time of one request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(base: str, deadline: float = 30.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))]


def run(base: str, path: str, concurrency: int, requests: int) -> tuple[float, tuple, tuple]:
    body = BODIES[path]
    per_worker = requests // concurrency

    def worker(_: int) -> list[tuple[float, float]]:
        times = []
        with httpx.Client(base_url=base) as client:
            for _ in range(per_worker):
                start = time.perf_counter()
                response = client.post(path, content=body, headers={"content-type": "application/json"})
                spent = time.perf_counter() - start
                assert response.status_code == 200, response.text
                server_ms = float(response.headers["server-timing"].split("dur=")[1])
                times.append((spent * 1000, server_ms))
        return times

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        pairs = [pair for times in pool.map(worker, range(concurrency)) for pair in times]
    elapsed = time.perf_counter() - start
    return (len(pairs) / elapsed, percentiles([c for c, _ in pairs]), percentiles([s for _, s in pairs]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "diagnostica.cli.main", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base)
        for path in BODIES:
            run(base, path, 1, 20)  # warm-up: templates compiled, connections made
            for concurrency in (1, 16):
                rps, (c50, c99), (s50, s99) = run(base, path, concurrency, args.requests)
                verdict = "ok" if s99 < TARGET_MS else "MISS"
                print(f"{path:16} concurrency {concurrency:2}: {rps:7.1f} req/s  client p50 {c50:6.2f} ms "
                      f"p99 {c99:6.2f} ms  server p50 {s50:6.2f} ms p99 {s99:6.2f} ms  {verdict}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
