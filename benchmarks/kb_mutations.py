"""The KB-mutation campaign: generated slips in a copy of the shipped knowledge base, each through
``rules lint``, ``rules test`` and ``check`` in this process; prints counts by outcome.

    python benchmarks/kb_mutations.py                    # 1,000 mutations, seed 11, one at a time
    python benchmarks/kb_mutations.py --count 2000 --seed 7 --per-run 4

A crash is an exit 3 or a traceback: the target is none.  Each crash is listed with its mutation
(kind, file:line) and, with ``--debug``, the last frames of its traceback.  The suite runs a sample
(tests/test_kb_mutations.py); the generator is tests/kbmutations.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import kbmutations  # noqa: E402
from tests.conftest import run_cli  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-run", type=int, default=1, help="mutations applied together (distinct files)")
    parser.add_argument("--debug", action="store_true", help="show where each kind of crash happens")
    args = parser.parse_args()
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="kbmut-cache-"))
    selected = kbmutations.mutations(args.count, args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="kbmut-") as folder:
        outcomes = kbmutations.run(selected, Path(folder), run_cli, per_run=args.per_run)
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        counts = kbmutations.summary(outcomes)
        kinds = Counter(o.mutation.kind for o in outcomes)
        print(f"mutations: {len(outcomes)} (seed {args.seed}, {args.per_run} per run)")
        print(f"time: {wall:.1f} s wall, {used:.1f} s CPU, {1000 * used / max(1, len(outcomes)):.0f} ms CPU each")
        print("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        for name in ("lint", "test", "check"):
            row = sorted((k, n) for k, n in counts.items() if k.startswith(name + " "))
            print(f"{name}: " + ", ".join(f"{k.split(' ', 1)[1]} {n}" for k, n in row))
        crashed = [o for o in outcomes if not o.ok]
        print(f"crashed (exit 3 or traceback): {len(crashed)}")
        for outcome in crashed:
            print(f"  {outcome.mutation}: {', '.join(outcome.crashed)}")
        if args.debug and crashed:
            _explain(crashed, Path(folder) / "kb")
    return 1 if crashed else 0


def _explain(crashed, root: Path) -> None:
    """Run each crashed mutation again with DIAGNOSTICA_DEBUG=1 and show the frames it ends in."""
    files = kbmutations.kb_files()
    os.environ["DIAGNOSTICA_DEBUG"] = "1"
    for outcome in crashed:
        mutation = outcome.mutation
        path = root / mutation.file
        path.unlink() if mutation.text is None else path.write_text(mutation.text, encoding="utf-8")
        try:
            for argv in kbmutations.commands(root):
                if " ".join(argv[:2]) not in outcome.crashed:
                    continue
                try:
                    run_cli(*argv)
                except BaseException as exc:  # noqa: BLE001 - what the debug mode lets through
                    frames = traceback.extract_tb(exc.__traceback__)[-3:]
                    print(f"== {mutation} {' '.join(argv[:2])}: {type(exc).__name__}: {exc}")
                    for frame in frames:
                        print(f"     {frame.filename}:{frame.lineno} {frame.line}")
        finally:
            path.write_text(files[mutation.file], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
