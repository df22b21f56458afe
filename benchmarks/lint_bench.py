"""Benchmark (not a test): lint and example tests of a generated knowledge base of 1,000 rules.

    python benchmarks/lint_bench.py [--rules 1000]

Prints seconds for lint and for `rules test` on the generated knowledge base, the
same for the shipped one, and the ratios.  Target: under 5 seconds for 1,000 rules.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from diagnostica.engine import examples, knowledge, sources
from diagnostica.engine.lint import lint

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
    source_yes = {"bool": "true", "enum": "red", "integer": "10", "string": "alarm"}[("bool", "enum", "integer", "string")[source % 4]]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    args = parser.parse_args()
    shipped = sources.bundled()
    shipped_lint, _ = timed(lambda: lint(shipped))
    shipped_kb = knowledge.load(shipped)
    shipped_test, _ = timed(lambda: examples.run(shipped_kb))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.rules)
        directory = sources.from_directory(root)
        gen_lint, report = timed(lambda: lint(directory))
        gen_kb = knowledge.load(directory)
        gen_test, results = timed(lambda: examples.run(gen_kb))
    failed = sum(not r.passed for r in results)
    print(f"shipped KB:   {len(shipped_kb.rules):5d} rules   lint {shipped_lint:6.2f} s   test {shipped_test:6.2f} s")
    print(f"generated KB: {args.rules:5d} rules   lint {gen_lint:6.2f} s   test {gen_test:6.2f} s"
          f"   ({len(report.problems)} lint problems, {len(results)} examples, {failed} failed)")
    print(f"ratio lint generated/shipped: {gen_lint / shipped_lint:6.1f}x")
    print(f"ratio test generated/shipped: {gen_test / shipped_test:6.1f}x")
    print(f"lint + test, generated: {gen_lint + gen_test:.2f} s (target < 5 s for 1,000 rules)")


if __name__ == "__main__":
    main()
