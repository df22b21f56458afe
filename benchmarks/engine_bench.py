"""Engine benchmark: the generated workload (see workload.py) against a plain reference interpreter.

    python benchmarks/engine_bench.py                  # R = 10, 100, 1000, 5000; 2,000 fact sets
    python benchmarks/engine_bench.py --sizes 10,100 --facts 500
    python benchmarks/engine_bench.py --startup        # only the command's cold start

For each R it prints load time (cold: parse + validate + build, with an
empty cache -- the generated code is compiled by the first evaluation, timed
and printed beside it; warm: from the cache, code included), evaluation latency (median, p90) and
throughput over every fact set -- through ``kb.fired(facts)`` (the batch
path: the ids of the rules that fire, which is what the reference outputs)
and through ``kb.evaluate(facts)`` (a full Result: the findings in order,
undecided rules, possible causes, the ``outcomes`` of every rule and the
explanations are made when first read, which the check of each Result does
after the clock stops) -- peak memory
(tracemalloc, load + 200 fact sets), the same for the reference interpreter,
and the ratios.  Latencies are the thread's CPU time per call (a loaded
machine would otherwise inflate the long calls of the reference far more
than the short ones of the engine), the three take turns in blocks of fact
sets.  Every fired set is compared with the reference's; one difference
stops the run; the batch generators (``fired_many``, ``evaluate_many``) are
timed over every fact set too, and both paths again on the same fact sets
with a quarter of their facts left out (``--missing``), beside the complete
ones (a missing fact leaves rules undecided, which costs nothing until
read; the target is 1.2×).  Then: memory over a stream of fact sets on
the largest knowledge base and over 1,000,000 (``--stream``) through
``evaluate_many`` on the smallest, the warm load of the largest alone and
with 100 MB of objects alive (``--ballast``), and the cold start of
``diagnostica check`` (with a warm and with a cold cache) and of
``diagnostica --help`` beside importing the runtime dependencies eagerly
(wall time; ``--startup`` measures only that, see ``startup_env`` for the
bytecode).  Figures vary with
the machine; the ratios are what the targets are about, and each target is
printed as ``ok`` or ``MISS``, for ``fired()`` and for ``evaluate()``.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402
import workload  # noqa: E402

REPO = HERE.parent
EAGER = "import yaml, jinja2, dns.resolver, jsonschema, typer"
MEMORY_SETS = 200
CHECKED = 500  # fact sets whose every outcome is checked after the clock (see missing_rounds, bench_size)


def engine_fired(kb, result) -> frozenset[str]:
    """The rules that fired, read from a Result; findings must agree with outcomes."""
    fired = frozenset(rule_id for rule_id, outcome in result.outcomes.items() if outcome is True)
    finding_ids = [f.id for f in result.findings]
    expected = {r for r in fired if kb.by_id[r].is_finding}
    if set(finding_ids) != expected or len(finding_ids) != len(expected):
        raise SystemExit("findings and outcomes disagree")
    return fired


def clock_overhead(clock) -> int:
    """What two back-to-back readings of ``clock`` add to every measured call (median, ns)."""
    samples = []
    for _ in range(5000):
        start = clock()
        samples.append(clock() - start)
    return int(statistics.median(samples))


def timed_rounds(candidates: dict, inputs: list, rounds: int = 1, block: int = 50) -> dict:
    """Per-call CPU time (ns) of each candidate on every input, and what ``keep(output)`` gives.

    ``candidates`` maps a name to ``(function, keep)``.  The clock is the thread's CPU time, so a
    busy machine does not count against whoever is running when another process gets the CPU
    (wall time would: a 5 ms call is descheduled almost surely, a 2 µs call almost never).  The
    candidates take turns, ``block`` inputs each, so slow drifts of the machine (frequency, caches
    shared with other processes) reach them alike; with several ``rounds``, an input's latency is
    its least over the rounds (as timeit does), for every candidate alike, and the throughput comes
    from a separate pass timing whole blocks (least of the rounds per block).  Returns, per name,
    (latencies, kept outputs, total CPU ns for the throughput).  Only ``keep(output)`` of
    the first round is retained, after the clock stops, as a batch user would: holding 2,000 full
    Results alive would time the garbage collector, not the engine.
    """
    clock = time.thread_time_ns
    overhead = clock_overhead(clock)
    latencies = {name: [None] * len(inputs) for name in candidates}
    outputs: dict[str, list] = {name: [] for name in candidates}
    blocks = {name: {} for name in candidates}  # first input of a block -> least CPU time of the block
    # The benchmark's own objects (knowledge bases, fact sets, kept outputs) move to the permanent
    # generation: a collection triggered inside a call then scans what the engines allocate, not
    # the whole benchmark (one such call took a millisecond at R=100 and skewed the mean).
    gc.collect()
    gc.freeze()
    for round_ in range(rounds):
        for first in range(0, len(inputs), block):
            for name, (function, keep) in candidates.items():
                lat, out = latencies[name], outputs[name]
                if rounds > 1:
                    # Throughput is timed apart, one clock reading per block: a system call per call
                    # costs the short calls of the engine more than its own duration suggests.
                    chunk = inputs[first:first + block]
                    start = clock()
                    for item in chunk:
                        function(item)
                    took = clock() - start
                    blocks[name][first] = min(blocks[name].get(first, took), took)
                for index in range(first, min(first + block, len(inputs))):
                    item = inputs[index]
                    start = clock()
                    result = function(item)
                    took = max(clock() - start - overhead, 1)
                    if round_ == 0:
                        out.append(keep(result))
                    del result
                    if lat[index] is None or took < lat[index]:
                        lat[index] = took
                # What was kept joins the permanent generation too: otherwise every full collection
                # triggered inside a call scans the growing pile of kept outputs (quadratic, and
                # charged mostly to the reference, whose calls allocate the most).
                gc.freeze()
    gc.unfreeze()
    return {name: (latencies[name], outputs[name], sum(blocks[name].values()) if rounds > 1 else sum(latencies[name]))
            for name in candidates}


def summary(latencies_ns: list[int], total_ns: int) -> tuple[float, float, float]:
    """(median µs, p90 µs, fact sets per second of CPU time)."""
    ordered = sorted(latencies_ns)
    median = statistics.median(ordered) / 1000
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] / 1000
    return median, p90, len(ordered) / (total_ns / 1e9)


def peak_mb(function) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def with_gaps(facts: list[dict], share: float, seed: int) -> list[dict]:
    """The same fact sets with about ``share`` of their facts left out, at random (the same for a seed)."""
    import random

    rng = random.Random(f"diagnostica-bench-missing-{seed}")
    return [{name: value for name, value in given.items() if rng.random() >= share} for given in facts]


def missing_rounds(kb, ref_rules, facts: list[dict], share: float, seed: int, rounds: int) -> dict:
    """``evaluate()`` and ``fired()`` on fact sets with ``share`` of their facts missing beside the same
    sets complete, taking turns block by block (so the ratio is not the machine's drift); the answers of
    the first ``CHECKED`` checked against the reference's (which takes 15 ms a set at R=5000): the fired
    set, from both, and the undecided rules of each Result."""
    gapped = with_gaps(facts, share, seed)
    indexes = list(range(len(facts)))
    def nothing(answer: object) -> None:  # checked after the clock: reading a Result between the timed
        return None                        # calls would leave the next one cold caches

    timed = timed_rounds({
        "evaluate": (lambda i: kb.evaluate(facts[i]), nothing),
        "evaluate missing": (lambda i: kb.evaluate(gapped[i]), nothing),
        "fired": (lambda i: kb.fired(facts[i]), nothing),
        "fired missing": (lambda i: kb.fired(gapped[i]), nothing),
    }, indexes, rounds)
    for index, given in enumerate(gapped[:CHECKED]):
        result, expected = kb.evaluate(given), reference.fired(ref_rules, given)
        undecided = frozenset(rule_id for rule_id, outcome in result.outcomes.items() if outcome is None)
        if engine_fired(kb, result) != expected or frozenset(kb.fired(given)) != expected or \
                undecided != reference.undecided(ref_rules, given):
            raise SystemExit(f"R={len(kb.rules)}, fact set {index} with facts missing: engine and reference disagree")
    return {name: summary(latencies, total) for name, (latencies, _, total) in timed.items()}


def bench_size(rules: int, facts: list[dict], root: Path, seed: int, rounds: int, missing: float = 0.0) -> dict:
    from diagnostica.engine.kb import sources
    from diagnostica.engine.run import load as knowledge

    folder = workload.write_kb(root / f"kb-{rules}", rules, seed)
    directory = sources.from_directory(folder)
    start = time.perf_counter()
    kb = knowledge.load(directory)  # empty cache: parse, validate, build, store (no code yet)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    kb.evaluate(facts[0])  # what the cold load left to the first evaluation: write, compile, store the code
    first = time.perf_counter() - start
    warm_times = []
    for _ in range(3):
        start = time.perf_counter()
        kb = knowledge.load(directory)
        warm_times.append(time.perf_counter() - start)
    if kb.compiled is None:
        raise SystemExit("the warm load did not come from the cache")
    phases = cold_phases(directory)
    start = time.perf_counter()
    ref_rules = reference.load(folder)
    ref_load = time.perf_counter() - start

    kb.evaluate(facts[0])  # nothing lazy left for the timed loops
    derivations = [rule.id for rule in kb.rules if not rule.is_finding]

    def read_fired(result) -> frozenset[str]:
        # What fired, read as a batch caller does (the findings, the derivations' outcomes), between two
        # timed calls: reading every outcome there (settling the findings that did not fire, by their
        # nodes) would leave the next call cold caches.  engine_fired checks all of it after the clock.
        outcomes = result.outcomes
        return frozenset([f.id for f in result.findings] + [r for r in derivations if outcomes[r] is True])

    timed = timed_rounds({
        "fired": (kb.fired, frozenset),
        "evaluate": (kb.evaluate, read_fired),
        "reference": (lambda f: reference.fired(ref_rules, f), frozenset),
    }, facts, rounds)
    (eng_lat, eng_out, eng_ns), (res_lat, res_out, res_ns), (ref_lat, ref_out, ref_ns) = timed.values()
    for index, (fired_ids, result, expected) in enumerate(zip(eng_out, res_out, ref_out)):
        for got in (fired_ids, result):
            if got != expected:
                raise SystemExit(f"R={rules}, fact set {index}: engine and reference disagree: only engine "
                                 f"{sorted(got - expected)[:5]}, only reference {sorted(expected - got)[:5]}")
    for index, given in enumerate(facts[:CHECKED]):  # every outcome, and the findings agreeing with them
        if engine_fired(kb, kb.evaluate(given)) != ref_out[index]:
            raise SystemExit(f"R={rules}, fact set {index}: the outcomes of evaluate() and the reference disagree")
    fired = statistics.mean(len(s) for s in ref_out)
    del eng_out, res_out
    gaps = missing_rounds(kb, ref_rules, facts, missing, seed, rounds) if missing else None
    batch = {name: batch_rate(function, facts) for name, function in
             (("fired_many", kb.fired_many), ("evaluate_many", kb.evaluate_many))}

    sample = facts[:MEMORY_SETS]

    def engine_memory():
        loaded = knowledge.load(directory)
        for f in sample:
            loaded.evaluate(f)
            loaded.fired(f)

    def reference_memory():
        loaded = reference.load(folder)
        for f in sample:
            reference.fired(loaded, f)

    return {
        "rules": rules, "rounds": rounds, "cold": cold, "first": first, "warm": statistics.median(warm_times),
        "ref_load": ref_load,
        "phases": phases,
        "engine": summary(eng_lat, eng_ns), "result": summary(res_lat, res_ns), "reference": summary(ref_lat, ref_ns),
        "fired": fired, "batch": batch, "missing": gaps,
        "engine_mb": peak_mb(engine_memory), "reference_mb": peak_mb(reference_memory),
    }


def cold_phases(directory) -> dict[str, float]:
    """What the cold load and the first calls are made of, each phase timed alone (seconds, the collector
    paused as the load pauses it): reading (parse, validate, build the rules) -- the cold load itself --
    then, on the first ``evaluate()``, writing the source of the full variant and compiling it, and on
    the first ``fired()``, the same for the batch variant (each first call then stores the code in the
    cache, for the warm loads)."""
    from diagnostica.engine.kb import load as kb_load
    from diagnostica.engine.run import plan

    times = {}
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        kb = kb_load.read(directory)
        times["read"] = time.perf_counter() - start
        for name, fired in (("full", False), ("fired", True)):
            start = time.perf_counter()
            source, _ = plan.generate(kb.rules, fired=fired)
            times[f"write {name}"] = time.perf_counter() - start
            start = time.perf_counter()
            plan._compile(source, name)
            times[f"compile {name}"] = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return times


def batch_rate(many, facts: list[dict]) -> float:
    """Fact sets per second of CPU time through a batch generator (``fired_many``, ``evaluate_many``)."""
    gc.collect()
    start = time.thread_time_ns()
    for _ in many(facts):
        pass
    return len(facts) / ((time.thread_time_ns() - start) / 1e9)


def ballast(megabytes: int) -> list:
    """About ``megabytes`` of small live objects (tuples in lists), as a long-running service holds."""
    return [[(i, j, str(j)) for j in range(1000)] for i in range(megabytes * 1_000_000 // 120_000)]


def warm_load_with(rules: int, root: Path, megabytes: int) -> tuple[float, float, float, float]:
    """Median warm load of the largest knowledge base alone and with ``megabytes`` of objects alive, wall
    clock then CPU time of each (on a busy machine the wall figure also counts the time others ran)."""
    from diagnostica.engine.kb import sources
    from diagnostica.engine.run import load as knowledge

    directory = sources.from_directory(root / f"kb-{rules}")

    def median_load() -> tuple[float, float]:
        times, cpu = [], []
        for _ in range(5):
            start, began = time.perf_counter(), time.process_time()
            knowledge.load(directory)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - began)
        return statistics.median(times), statistics.median(cpu)

    alone, alone_cpu = median_load()
    held = ballast(megabytes)
    loaded, loaded_cpu = median_load()
    del held
    gc.collect()
    return alone, loaded, alone_cpu, loaded_cpu


def stream_many(rules: int, facts: list[dict], root: Path, count: int) -> tuple[float, float, float, float]:
    """Resident memory (MB) before and after ``count`` fact sets through ``evaluate_many`` (the fact sets
    cycled, so only the generator's own memory is measured), the most seen, and the sets per second."""
    from itertools import cycle, islice

    from diagnostica.engine.kb import sources
    from diagnostica.engine.run import load as knowledge

    kb = knowledge.load(sources.from_directory(root / f"kb-{rules}"))
    gc.collect()
    start = most = resident_mb()
    began = time.perf_counter()
    for index, _ in enumerate(kb.evaluate_many(islice(cycle(facts), count))):
        if index % 50_000 == 0:
            most = max(most, resident_mb())
    took = time.perf_counter() - began
    gc.collect()
    end = resident_mb()
    return start, end, max(most, end), count / took


def resident_mb() -> float:
    """Resident set size now (Linux /proc), else the peak so far (getrusage)."""
    try:
        with open("/proc/self/statm") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def stream_memory(rules: int, facts: list[dict], root: Path) -> tuple[float, float, float]:
    """Resident memory (MB) after loading and after evaluating every fact set in a row, and the most
    seen in between (sampled every 100 sets); untraced, so the stream runs at full speed."""
    from diagnostica.engine.kb import sources
    from diagnostica.engine.run import load as knowledge

    kb = knowledge.load(sources.from_directory(root / f"kb-{rules}"))
    kb.evaluate(facts[0])
    gc.collect()
    start = most = resident_mb()
    for index, f in enumerate(facts):
        result = kb.evaluate(f)
        if result.findings:
            result.because(result.findings[0].id)  # explanations too, when asked
        if index % 100 == 0:
            most = max(most, resident_mb())
    del result
    gc.collect()
    end = resident_mb()
    return start, end, max(most, end)


def command() -> list[str]:
    script = Path(sys.executable).parent / "diagnostica"
    return [str(script)] if script.exists() else [sys.executable, "-m", "diagnostica.cli.main"]


def startup_env(bytecode: Path) -> dict[str, str]:
    """The environment of the start-up runs: the user's own cache (as in real use) and bytecode that is
    written once and read from then on.

    An installed Diagnostica has its bytecode (pip compiles it), like the libraries of the eager line.
    Under PYTHONDONTWRITEBYTECODE (set on this machine) an editable install has none, so every run of
    ``check`` recompiled each of its own modules (about 40, some 45 ms) while the eager line read the
    libraries' bytecode: the ratio charged ``check`` for work no installed copy does.  Here both sides
    read bytecode from a folder of the benchmark's own (PYTHONPYCACHEPREFIX), filled by a first run of
    each command, so the source tree is left as it is.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def cold_start(runs: int, root: Path) -> dict[str, tuple[float, float]]:
    """Median (wall time, CPU time) of each start-up command: `diagnostica check examples/mx-foreign.yaml`
    with a warm cache (the user's, filled once) and with a cold one (an empty cache folder for every run:
    the knowledge base parsed, validated and compiled, the texts read, the templates compiled),
    `diagnostica --help`, and the eager imports of the runtime dependencies.

    CPU time (user + system of the child) is what the verdicts use: on a machine shared by other work the
    wall time of a 0.2 s process mostly measures who else was running (one run of the same commands gave
    ratios 0.09 apart from the next at a load average of 3.8), its CPU time far less.
    """
    example = str(REPO / "examples" / "mx-foreign.yaml")
    env = startup_env(root / "bytecode")
    commands = {
        "check": ([*command(), "check", example], False),
        "check_cold": ([*command(), "check", example], True),
        "help": ([*command(), "--help"], False),
        "eager": ([sys.executable, "-c", EAGER], False),
    }

    def once(argv: list[str], cold: bool) -> tuple[float, float]:
        run_env = {**env, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="cache-", dir=root)} if cold else env
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=run_env)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()}")
        return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    for argv, cold in commands.values():  # bytecode written, the user's cache filled
        once(argv, cold)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so every command sees the same machine load
        for name, (argv, cold) in commands.items():
            times[name].append(once(argv, cold))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in times.items()}


def print_startup(figures: dict[str, tuple[float, float]]) -> list[tuple[str, bool, str]]:
    """The start-up lines, and their targets (on CPU time, see ``cold_start``)."""
    wall = {name: w for name, (w, _) in figures.items()}
    cpu = {name: c for name, (_, c) in figures.items()}
    print(f"cold start (median of each; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores):")
    print(f"  {'':<66} {'wall':>7} {'ratio':>6} {'CPU':>7} {'ratio':>6}")
    for name, label in (("check", "`diagnostica check examples/mx-foreign.yaml`, warm cache"),
                        ("check_cold", "`diagnostica check examples/mx-foreign.yaml`, cold cache"),
                        ("help", "`diagnostica --help`"), ("eager", f"`python -c \"{EAGER}\"`")):
        print(f"  {label:<66} {wall[name] * 1000:4.0f} ms {wall[name] / wall['eager']:5.2f}× "
              f"{cpu[name] * 1000:4.0f} ms {cpu[name] / cpu['eager']:5.2f}×")
    return [
        ("cold start of check <= 0.6× eager imports (warm cache, CPU)", cpu["check"] / cpu["eager"] <= 0.6,
         f"{cpu['check'] / cpu['eager']:.2f} (wall {wall['check'] / wall['eager']:.2f})"),
        ("cold start of check <= 1.0× eager imports (cold cache, CPU)", cpu["check_cold"] / cpu["eager"] <= 1.0,
         f"{cpu['check_cold'] / cpu['eager']:.2f} (wall {wall['check_cold'] / wall['eager']:.2f})"),
        ("--help no slower than check (warm cache, CPU)", cpu["help"] <= cpu["check"],
         f"{cpu['help'] / cpu['check']:.2f}× check (wall {wall['help'] / wall['check']:.2f}×)"),
    ]


def print_targets(targets: list[tuple[str, bool, str]]) -> None:
    print()
    print("targets:")
    for name, ok, figure in targets:
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {figure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,5000", help="rule counts, comma-separated")
    parser.add_argument("--facts", type=int, default=2000, help="fact sets per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=9, help="cold-start runs of each command")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timing rounds below 1,000 rules (a fact set's latency is its least); one above, "
                             "where a call lasts long enough to average the machine's noise out")
    parser.add_argument("--stream", type=int, default=1_000_000,
                        help="fact sets streamed through evaluate_many() at the smallest R, for memory")
    parser.add_argument("--missing", type=float, default=0.25,
                        help="share of the facts left out of each fact set for the missing-facts line (0: none)")
    parser.add_argument("--ballast", type=int, default=100, help="MB of objects alive during the second warm load")
    parser.add_argument("--startup", action="store_true",
                        help="only the cold start of the command (check with a warm and a cold cache, --help)")
    args = parser.parse_args(argv)
    if args.startup:
        with tempfile.TemporaryDirectory(prefix="diagnostica-bench-") as tmp:
            targets = print_startup(cold_start(args.runs, Path(tmp)))
        print_targets(targets)
        return 0 if all(ok for _, ok, _ in targets) else 1
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory(prefix="diagnostica-bench-") as tmp:
        root = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(root / "cache")  # cold means cold: a cache of our own
        os.environ.pop("DIAGNOSTICA_NO_CACHE", None)
        facts = workload.fact_sets(args.facts, args.seed)
        print(f"workload: 60 facts, {args.facts} fact sets (seed {args.seed}); Python {sys.version.split()[0]}")
        print()
        header = (f"{'R':>5} {'engine':<10} {'load cold':>9} {'warm':>8} {'median':>10} {'p90':>10} "
                  f"{'sets/s':>9} {'peak MB':>8}")
        print(header)
        print("-" * len(header))
        rows = []
        for rules in sizes:
            row = bench_size(rules, facts, root, args.seed, args.rounds if rules < 1000 else 1, args.missing)
            rows.append(row)
            em, ep, et = row["engine"]
            sm, sp, st = row["result"]
            rm, rp, rt = row["reference"]
            print(f"{rules:>5} {'fired()':<10} {row['cold']:>8.3f}s {row['warm']:>7.3f}s {em:>8.1f}µs {ep:>8.1f}µs "
                  f"{et:>9.0f} {row['engine_mb']:>8.1f}")
            print(f"{'':>5} {'evaluate()':<10} {'':>9} {'':>8} {sm:>8.1f}µs {sp:>8.1f}µs {st:>9.0f}")
            print(f"{'':>5} {'reference':<10} {row['ref_load']:>8.3f}s {'-':>8} {rm:>8.1f}µs {rp:>8.1f}µs "
                  f"{rt:>9.0f} {row['reference_mb']:>8.1f}")
            print(f"{'':>5} {'ratio':<10} {'':>9} {'':>8} {rm / em:>9.1f}× {rp / ep:>9.1f}× {et / rt:>8.1f}× "
                  f"{row['engine_mb'] / row['reference_mb']:>7.2f}×  fired() vs reference")
            print(f"{'':>5} {'ratio':<10} {'':>9} {'':>8} {rm / sm:>9.1f}× {rp / sp:>9.1f}× {st / rt:>8.1f}× "
                  f"{'':>8}  evaluate() vs reference")
            print(f"{'':>5} {'batch':<10} fired_many() {row['batch']['fired_many']:,.0f} sets/s, "
                  f"evaluate_many() {row['batch']['evaluate_many']:,.0f} sets/s (generators, CPU time)")
            if row["missing"]:
                gap = row["missing"]
                print(f"{'':>5} {'missing':<10} {args.missing:.0%} of the facts left out: evaluate() "
                      f"{gap['evaluate missing'][0]:.1f}µs against {gap['evaluate'][0]:.1f}µs complete "
                      f"({gap['evaluate missing'][0] / gap['evaluate'][0]:.2f}×), fired() "
                      f"{gap['fired missing'][0]:.1f}µs against {gap['fired'][0]:.1f}µs "
                      f"({gap['fired missing'][0] / gap['fired'][0]:.2f}×) (medians, taking turns; every "
                      f"answer and every undecided rule checked against the reference)")
            phases = row["phases"]
            store = row["cold"] - phases["read"]
            print(f"{'':>5} {'cold load':<10} {row['cold']:.3f}s = read {phases['read']:.3f}s + rest (cache store; "
                  f"imports at the first size) {store:.3f}s; then the first evaluate() {row['first']:.3f}s = write "
                  f"full {phases['write full']:.3f}s + compile it {phases['compile full']:.3f}s + store the code; "
                  f"the first fired(): write {phases['write fired']:.3f}s + compile {phases['compile fired']:.3f}s")
            print(f"{'':>5} {'':<10} cold load and first evaluate() together: {row['cold'] + row['first']:.3f}s")
            print(f"{'':>5} ({row['fired']:.0f} rules fire per fact set on average; "
                  f"all {args.facts} fired sets identical to the reference's, from fired() and from evaluate(); "
                  f"CPU time, least of {row['rounds']} round{'s' if row['rounds'] > 1 else ''})")
        print()
        largest = max(sizes)
        start, end, peak = stream_memory(largest, facts, root)
        print(f"memory (resident), {len(facts)} fact sets in a stream through evaluate() at R={largest}: "
              f"{start:.1f} MB at start, {end:.1f} MB at end (most seen {peak:.1f} MB)")
        smallest = min(sizes)
        m_start, m_end, m_peak, m_rate = stream_many(smallest, facts, root, args.stream)
        print(f"memory (resident), {args.stream:,} fact sets through evaluate_many() at R={smallest}: "
              f"{m_start:.1f} MB at start, {m_end:.1f} MB at end (most seen {m_peak:.1f} MB), {m_rate:,.0f} sets/s")
        alone, loaded, alone_cpu, loaded_cpu = warm_load_with(largest, root, args.ballast)
        print(f"warm load at R={largest}: {alone * 1000:.1f} ms alone, {loaded * 1000:.1f} ms with "
              f"{args.ballast} MB of objects in the process "
              f"(CPU {alone_cpu * 1000:.1f} and {loaded_cpu * 1000:.1f} ms)")
        startup_targets = print_startup(cold_start(args.runs, root))

        targets = []
        for row in rows:
            need = 5 if row["rules"] < 100 else 10
            for key, path in (("engine", "fired(), the batch path"), ("result", "evaluate(), a full Result")):
                ratio = row[key][2] / row["reference"][2]
                targets.append((f"throughput at R={row['rules']} >= {need}× reference, {path}", ratio >= need,
                                f"{ratio:.1f}×"))
            if row["missing"]:
                for key, path in (("evaluate", "evaluate()"), ("fired", "fired()")):
                    ratio = row["missing"][f"{key} missing"][0] / row["missing"][key][0]
                    targets.append((f"R={row['rules']}, {path} with {args.missing:.0%} of the facts missing "
                                    f"<= 1.2× complete", ratio <= 1.2, f"{ratio:.2f}×"))
            if row["rules"] >= 5000:
                targets.append(("warm load of 5,000 rules < 50 ms", row["warm"] < 0.05, f"{row['warm'] * 1000:.1f} ms"))
                targets.append(("cold load of 5,000 rules < 0.6 s", row["cold"] < 0.6, f"{row['cold']:.3f} s"))
        if largest >= 5000:
            targets.append((f"warm load of {largest:,} rules < 50 ms with {args.ballast} MB of objects alive",
                            loaded < 0.05, f"{loaded * 1000:.1f} ms"))
        targets.extend(startup_targets)
        targets.append(("memory flat over the stream (< 1 MB growth)", end - start < 1, f"{end - start:+.2f} MB"))
        targets.append((f"memory flat over {args.stream:,} fact sets through evaluate_many (< 1 MB growth)",
                        m_end - m_start < 1, f"{m_end - m_start:+.2f} MB"))
        print_targets(targets)
        return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
