"""Benchmark: reading zone files with $GENERATE, and refusing a range past the bound, before dnspython expands it.

    python benchmarks/zone_generate.py

Printed, per zone: the records its $GENERATE asks for, what came of it
(read, or refused naming the limit) and the time taken (best of --repeat).
A range past the bound (engine.dns.lookup.MAX_GENERATED) is refused in
the time of a scan of the text, whatever it asks for; a zone at the bound
costs what dnspython takes to parse that many records.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from diagnostica.engine.dns.lookup import MAX_GENERATED, load_zone
from diagnostica.engine.errors import InputError


def zone(count_text: str) -> str:
    return f"$ORIGIN gen.test.\n$TTL 3600\n@ IN MX 1 mx0.mail.ovh.net.\n$GENERATE 1-{count_text} h$ IN A 192.0.2.1\n"


def timed(path: Path, repeat: int) -> tuple[str, float]:
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            source = load_zone(str(path), None)
            outcome = f"read, {len(source.zone.nodes)} names"
        except InputError as exc:
            outcome = f"refused ({exc.code})"
        best = min(best, time.perf_counter() - start)
    return outcome, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = [("1,024", "1024"), ("8,192", "8192"), (f"{MAX_GENERATED:,} (the bound)", str(MAX_GENERATED)),
             (f"{MAX_GENERATED + 1:,}", str(MAX_GENERATED + 1)), ("1,000,000,000", "1000000000"),
             ("a 5,000-digit number", "9" * 5000)]
    with tempfile.TemporaryDirectory() as folder:
        results = []
        for label, count in cases:
            path = Path(folder) / "gen.zone"
            path.write_text(zone(count), encoding="utf-8")
            outcome, seconds = timed(path, args.repeat)
            results.append((label, outcome, seconds))
            print(f"{label:>26}: {outcome:<32} {seconds * 1000:10.1f} ms")
    at_bound = results[2][2]
    refused = max(seconds for label, outcome, seconds in results if outcome.startswith("refused"))
    print(f"slowest refusal / read at the bound: {refused / at_bound:.5f}")


if __name__ == "__main__":
    main()
