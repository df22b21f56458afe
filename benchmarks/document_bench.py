"""Benchmark: the presentation document, built once, and each reporter laid out from it.

    python benchmarks/document_bench.py [--rounds 300]

For a few fact sets of the bundled knowledge base (one finding, several findings with causes, an
explained run), in Italian and English, it prints the CPU time (best of 5 rounds of --rounds) of
``kb.evaluate``, of ``document.build`` (every text, label, value and the ticket rendered) and of each
``REPORTERS[fmt](document)``.  The reporters only lay out words, so their times are the layout alone:
the build is where the Jinja templates run.  Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

from diagnostica.engine import Renderer, load_knowledge_base
from diagnostica.engine.present.document import build
from diagnostica.engine.present.reporters import REPORTERS

CASES = {
    "one finding": ({"dns.mx_valid": False, "offer": "hosted", "domain": "esempio.it"}, False),
    "causes and symptoms": ({"dns.mx_valid": False, "test_email.received": False, "webmail.auth_ok": False,
                             "account.locked": True, "account.email": "anna@esempio.it"}, False),
    "explained": ({"dns.mx_valid": False, "offer": "hosted", "domain": "esempio.it"}, True),
}


def best(step: Callable[[], object], rounds: int) -> float:
    """CPU seconds of one call: the best of five runs of ``rounds`` calls (the least disturbed by the machine)."""
    times = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(rounds):
            step()
        times.append((time.process_time() - start) / rounds)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    kb = load_knowledge_base()
    print(f"{'case':<22} {'lang':<4} {'evaluate':>9} {'build':>9} " + " ".join(f"{fmt:>9}" for fmt in REPORTERS))
    for name, (facts, explain) in CASES.items():
        for lang in ("it", "en"):
            renderer = Renderer(kb, lang)
            result = kb.evaluate(facts)
            document = build(kb, result, renderer, explain=explain)  # templates compiled before timing
            # best() calls each function at once, in this turn of the loop (B023 warns of a later call)
            evaluate = best(lambda: kb.evaluate(facts), args.rounds)  # noqa: B023
            built = best(lambda: build(kb, kb.evaluate(facts), renderer, explain=explain), args.rounds) - evaluate  # noqa: B023
            shown = [best(lambda fmt=fmt: REPORTERS[fmt](document), args.rounds) for fmt in REPORTERS]  # noqa: B023
            print(f"{name:<22} {lang:<4} {evaluate * 1000:>7.3f}ms {built * 1000:>7.3f}ms "
                  + " ".join(f"{t * 1000:>7.3f}ms" for t in shown))


if __name__ == "__main__":
    main()
