"""Benchmark: secret masking on long one-line pastes, and how its time grows with the length.

    python benchmarks/redact_bench.py            # 2.5, 5, 10, 20 KB per shape
    python benchmarks/redact_bench.py --kb 40    # up to 40 KB

The shapes are the ones that made the former regex backtrack: a run of word
characters, a run of secret words (``pwpw…``), a heading repeated on one line
(``ATTENZIONE: ``×N), a run of ``pw@`` words that look like keys but are not,
and one real ``password:`` at the end of a long line.  Printed per shape: the
time at each length and the ratio of the longest to the shortest time over the
ratio of the lengths (1.0 is linear; the former matching was ~4 for quadratic
and ~8 for cubic growth over the same doubling steps).
"""
from __future__ import annotations

import argparse
import time

from diagnostica.engine import load_knowledge_base
from diagnostica.engine.inputs.redact import redact

SHAPES = {
    "word run (a…)": lambda n: "a" * n,
    "secret words (pwpw…)": lambda n: "pw" * (n // 2),
    "heading (ATTENZIONE: ×N)": lambda n: "ATTENZIONE: " * (n // 12),
    "keys without value (pw@…)": lambda n: "pw@" * (n // 3),
    "one password at the end": lambda n: "x" * (n - 20) + " password: Hunter2",
}


def best_of(text: str, names: tuple[str, ...], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        redact(text, names)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=float, default=20, help="the longest line, in KB (default 20)")
    args = parser.parse_args()
    names = load_knowledge_base().catalogue.secret_names
    sizes = [int(args.kb * 1000 / 2 ** k) for k in (3, 2, 1, 0)]
    print(f"secret names: {len(names)}; line lengths: {', '.join(f'{s:,}' for s in sizes)} characters")
    for shape, make in SHAPES.items():
        times = [best_of(make(size), names) for size in sizes]
        growth = (times[-1] / times[0]) / (sizes[-1] / sizes[0]) if times[0] else float("nan")
        shown = "  ".join(f"{t * 1000:8.2f} ms" for t in times)
        print(f"{shape:28} {shown}   growth/linear {growth:4.2f}")


if __name__ == "__main__":
    main()
