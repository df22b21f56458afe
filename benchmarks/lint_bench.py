"""Benchmark (not a test): lint and example tests of a generated knowledge base of 1,000 rules.

    python benchmarks/lint_bench.py [--rules 1000]

Prints seconds for lint and for `rules test` (loading the knowledge base included) on
the generated knowledge base and on the shipped one, each cold (an empty cache folder:
no compiled knowledge base, no compiled templates, nothing kept by an earlier lint) and
warm (the same folder again), the ratios, and a verdict.  Targets: lint under 5 s and test
under 5 s for 1,000 rules, cold, for the whole command; lint of the shipped knowledge base
under 0.25 s of CPU for the library call, reported cold and warm.  Every figure runs in a
fresh process; one of them lints the shipped knowledge base and then a copy of it in another folder in
that same process, without the disk cache (what the in-memory template memo saves a test or a server).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diagnostica.engine.kb import sources
from diagnostica.engine.lint import examples, lint
from diagnostica.engine.run import load as knowledge

HEADER = "# yaml-language-server: $schema=../engine/schemas/{}.schema.json\n"


def generate(root: Path, count: int) -> None:
    """``count`` rules over ``count // 5`` facts: a fifth derive a fact, the rest are findings."""
    rules_dir = root / "rules"
    rules_dir.mkdir(parents=True)
    n_facts = max(count // 5, 4)
    facts = [HEADER.format("facts"), "facts:\n"]
    for i in range(n_facts):
        kind = ("bool", "enum", "integer", "string")[i % 4]
        facts.append(f"  f{i}.value:\n    type: {kind}\n    description: Generated fact {i}.\n")
        facts.append({"bool": "    sample: true\n", "enum": "    values: [red, green, blue]\n    sample: red\n",
                      "integer": "    sample: 10\n", "string": "    sample: text\n"}[kind])
    for i in range(count // 5):
        facts.append(f"  d{i}.flag:\n    type: bool\n    description: Derived flag {i}.\n    sample: true\n")
    (rules_dir / "facts.yaml").write_text("".join(facts), encoding="utf-8")
    for lang in ("it", "en"):
        (root / "locales" / lang / "rules").mkdir(parents=True)
    titles = {"it": ["rules:\n"], "en": ["rules:\n"]}
    labels = {lang: ["facts:\n"] for lang in titles}
    for i in range(n_facts):
        for lang in titles:
            labels[lang].append(f"  f{i}.value: {{label: \"F{i}\", question: \"F{i}?\"}}\n")
    for i in range(count // 5):
        for lang in titles:
            labels[lang].append(f"  d{i}.flag: {{label: \"D{i}\", question: \"D{i}?\"}}\n")
    per_file = 100
    for start in range(0, count, per_file):
        body = [HEADER.format("rules"), "rules:\n"]
        for i in range(start, min(start + per_file, count)):
            body.append(_rule(i, n_facts, count))
            for lang in titles:
                titles[lang].append(f"  r{i}: {{title: \"Rule {i}\"}}\n")
                if i % 5:
                    for part in ("explanation", "remediation"):
                        (root / "locales" / lang / "rules" / f"r{i}.{part}.j2").write_text(
                            f"Rule {i} ({lang}, {part}){{% if facts.f{i % n_facts} is defined %}}: "
                            f"{{{{ facts.f{i % n_facts}.value }}}}{{% endif %}}.\n", encoding="utf-8")
        (rules_dir / f"gen{start // per_file:03d}.yaml").write_text("".join(body), encoding="utf-8")
    for lang in titles:
        (root / "locales" / lang / "messages.yaml").write_text("".join(titles[lang] + labels[lang]), encoding="utf-8")


def _rule(i: int, n_facts: int, count: int) -> str:
    f = i % n_facts
    kind = ("bool", "enum", "integer", "string")[f % 4]
    test, yes, no = {
        "bool": ("equals: true", "true", "false"),
        "enum": ("in: [red, green]", "red", "blue"),
        "integer": ("greater: 5", "10", "1"),
        "string": ("equals: alarm", "alarm", "calm"),
    }[kind]
    if i % 5 == 0:  # a derive rule
        return (f"  - id: r{i}\n    kind: derive\n    when: {{fact: f{f}.value, {test}}}\n"
                f"    derives: {{d{i // 5}.flag: true}}\n    derives_when_false: {{d{i // 5}.flag: false}}\n"
                f"    examples:\n"
                f"      - {{name: positive, facts: {{f{f}.value: {yes}}}, expect: fires}}\n"
                f"      - {{name: negative, facts: {{f{f}.value: {no}}}, expect: does-not-fire}}\n")
    derived = f"d{(i // 5)}.flag"
    source = (i // 5) * 5 % n_facts
    kind = ("bool", "enum", "integer", "string")[source % 4]
    source_yes = {"bool": "true", "enum": "red", "integer": "10", "string": "alarm"}[kind]
    return (f"  - id: r{i}\n    severity: warning\n    when:\n      all:\n        - {{fact: f{f}.value, {test}}}\n"
            f"        - {{fact: {derived}, equals: true}}\n"
            f"    explanation: r{i}.explanation.j2\n    remediation: r{i}.remediation.j2\n"
            f"    examples:\n"
            f"      - name: fires\n        facts: {{f{f}.value: {yes}, f{source}.value: {source_yes}}}\n"
            f"        expect: fires\n        contains: [\"Rule {i}\"]\n"
            f"      - {{name: quiet, facts: {{f{f}.value: {no}, {derived}: true}}, expect: does-not-fire}}\n"
            f"      - {{name: unknown, facts: {{}}, expect: undecided}}\n")


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def cpu_timed(fn):
    """(wall seconds, CPU seconds of this process, value)."""
    cpu = time.process_time()
    wall, value = timed(fn)
    return wall, time.process_time() - cpu, value


def inner(what: str, path: str) -> None:
    """In a fresh process: time the library call only (imports excluded) and print it as JSON."""
    from diagnostica.engine.lint import checks  # noqa: F401 - imported by the first lint that runs the checks
    directory = sources.from_directory(Path(path)) if path != "-" else sources.bundled()
    if what == "copies":  # one process, no disk cache: the shipped KB, then a copy of it elsewhere
        import shutil

        _, first, _ = cpu_timed(lambda: lint(directory))
        with tempfile.TemporaryDirectory() as tmp:
            for part in ("rules", "locales"):
                shutil.copytree(Path(str(getattr(directory, part))), Path(tmp) / part)
            _, copy, _ = cpu_timed(lambda: lint(sources.from_directory(Path(tmp))))
        print(json.dumps({"first": first, "copy": copy}))
    elif what == "lint":
        seconds, cpu, report = cpu_timed(lambda: lint(directory))
        print(json.dumps({"seconds": seconds, "lib_cpu": cpu, "problems": len(report.problems),
                          "rules": report.rules}))
    else:  # `rules test` loads the knowledge base, then runs the examples: both count
        load_seconds, kb = timed(lambda: knowledge.load(directory))
        run_seconds, results = timed(lambda: examples.run(kb))
        print(json.dumps({"seconds": load_seconds + run_seconds, "load": load_seconds, "run": run_seconds,
                          "examples": len(results), "failed": sum(not r.passed for r in results)}))


def library(what: str, path: str, cache: str) -> dict:
    """The library call alone, timed in a fresh process with ``cache`` as XDG_CACHE_HOME."""
    out = subprocess.run([sys.executable, __file__, "--inner", what, path], env=_env(cache), capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def command(what: str, path: str, cache: str) -> tuple[float, float]:
    """Wall time and CPU time of the whole command (interpreter start-up and imports included).

    CPU time (user + system) depends less on what else runs on the machine than wall time.
    """
    argv = [sys.executable, "-c", "import sys; from diagnostica.cli.main import main; sys.exit(main(sys.argv[1:]))",
            "rules", what, "--format", "json"] + ([] if path == "-" else [path])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=_env(cache), capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _env(cache: str) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    env.pop("DIAGNOSTICA_NO_CACHE", None)
    return env


def cold_and_warm(what: str, path: str) -> tuple[dict, dict]:
    """Cold: an empty cache folder of its own (nothing left by another run); warm: the same folder again.

    The library call and the command each get their own folder, so neither warms the other.
    """
    figures = []
    with tempfile.TemporaryDirectory() as lib_cache, tempfile.TemporaryDirectory() as cmd_cache:
        for _ in ("cold", "warm"):
            found = library(what, path, lib_cache)
            found["command"], found["cpu"] = command(what, path, cmd_cache)
            figures.append(found)
    return figures[0], figures[1]


TARGET = 5.0
SHIPPED_TARGET = 0.25  # `rules lint` of the bundled knowledge base, the library call's CPU time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--inner", nargs=2, metavar=("WHAT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(*args.inner)
        return
    shipped = {what: cold_and_warm(what, "-") for what in ("lint", "test")}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.rules)
        generated = {what: cold_and_warm(what, str(root)) for what in ("lint", "test")}
    out = subprocess.run([sys.executable, __file__, "--inner", "copies", "-"],
                         env={**os.environ, "DIAGNOSTICA_NO_CACHE": "1"}, capture_output=True, text=True,
                         check=True).stdout
    copies = json.loads(out)
    lint_cold, lint_warm = generated["lint"]
    test_cold, test_warm = generated["test"]
    print(f"generated KB: {args.rules} rules, {test_cold['examples']} examples "
          f"({lint_cold['problems']} lint problems, {test_cold['failed']} examples failed)")
    print("seconds: cold/warm = the library call in a fresh process; cmd = the whole CLI run's wall time,"
          " start-up included; cpu = that run's CPU time")
    print(f"{'':18s}{'cold':>8s}{'warm':>8s}{'cmd cold':>10s}{'cmd warm':>10s}{'cpu cold':>10s}{'cpu warm':>10s}")
    for label, (cold, warm) in (("generated lint", generated["lint"]), ("generated test", generated["test"]),
                                ("shipped lint", shipped["lint"]), ("shipped test", shipped["test"])):
        print(f"{label:18s}{cold['seconds']:8.2f}{warm['seconds']:8.2f}{cold['command']:10.2f}{warm['command']:10.2f}"
              f"{cold['cpu']:10.2f}{warm['cpu']:10.2f}")
    print(f"  generated test = load {test_cold['load']:.2f} + run {test_cold['run']:.2f} (cold), "
          f"load {test_warm['load']:.2f} + run {test_warm['run']:.2f} (warm)")
    print(f"ratio generated/shipped, cold: lint {lint_cold['seconds'] / shipped['lint'][0]['seconds']:.1f}x, "
          f"test {test_cold['seconds'] / shipped['test'][0]['seconds']:.1f}x")
    lint_shipped_cold, lint_shipped_warm = shipped["lint"]
    print(f"shipped lint, library call CPU: {lint_shipped_cold['lib_cpu']:.3f} s cold (empty cache), "
          f"{lint_shipped_warm['lib_cpu']:.3f} s warm (what the last lint kept, see engine/lint/stored.py)")
    for state, figures in (("cold", lint_shipped_cold), ("warm", lint_shipped_warm)):
        verdict = "meets" if figures["lib_cpu"] < SHIPPED_TARGET else "MISSES"
        print(f"verdict shipped lint, {state}: {verdict} the target (< {SHIPPED_TARGET} s CPU, library call: "
              f"{figures['lib_cpu']:.3f} s; whole command {figures['cpu']:.2f} s CPU)")
    print(f"shipped lint in one process, no disk cache, library CPU: first {copies['first']:.3f} s, "
          f"then a copy of it in another folder {copies['copy']:.3f} s (in-memory template memo)")
    for label, cold in (("lint", lint_cold), ("test", test_cold)):
        verdict = "meets" if cold["command"] < TARGET else "MISSES"
        print(f"verdict {label}: {verdict} the target (< {TARGET:.0f} s for {args.rules} rules, cold, whole command:"
              f" {cold['command']:.2f} s wall, {cold['cpu']:.2f} s CPU; library call {cold['seconds']:.2f} s)")
    if args.rules == 1000:
        print(f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
              "(other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
