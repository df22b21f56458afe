"""The benchmark workload, generated deterministically from a seed, in Diagnostica's own rule format.

60 facts: 30 booleans, 15 strings (enums of 3-6 values), 15 integers 0..100.
R rules: each condition a conjunction (70 %), disjunction (20 %) or negated
conjunction (10 %) of 1-4 tests on distinct facts.  10 % of the rules derive
a boolean fact when they fire; about a third of the others test a derived
fact, and derived facts are stratified in three levels so chains reach
depth 3.  Rules are written in shuffled order, so a naive interpreter needs
several passes to reach the fixpoint.

``write_kb(directory, rules, seed)`` writes ``rules/facts.yaml``,
``rules/bench.yaml`` and a minimal ``locales/`` tree, i.e. a folder usable
with ``diagnostica --kb``; ``fact_sets(count, seed)`` yields the inputs.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

BOOLS = [f"bench.b{i:02d}" for i in range(30)]
STRINGS = [f"bench.s{i:02d}" for i in range(15)]
INTS = [f"bench.n{i:02d}" for i in range(15)]
WORDS = ["alfa", "bravo", "charlie", "delta", "echo", "foxtrot"]


def vocabulary(index: int) -> list[str]:
    """String fact ``index`` takes 3 to 6 values, the same for every seed."""
    return WORDS[: 3 + index % 4]


def derived_names(rules: int) -> list[str]:
    count = max(1, rules // 20)
    return [f"bench.d{i:04d}" for i in range(count)]


def _level(index: int) -> int:
    return 1 + index % 3  # levels 1, 2, 3: a level-L fact is derived from level L-1 facts


def _test(rng: random.Random, fact: str) -> dict:
    if fact in BOOLS or fact.startswith("bench.d"):
        return {"fact": fact, "equals": rng.random() < 0.6}
    if fact in STRINGS:
        words = vocabulary(STRINGS.index(fact))
        op = rng.choice(["equals", "equals", "not_equals", "in"])
        if op == "in":
            return {"fact": fact, "in": rng.sample(words, rng.randint(2, len(words) - 1))}
        return {"fact": fact, op: rng.choice(words)}
    op = rng.choice(["less", "greater"])
    return {"fact": fact, op: rng.randint(10, 90)}


def _condition(rng: random.Random, derived_pool: list[str]) -> dict:
    size = rng.randint(1, 4)
    facts = rng.sample(BOOLS + STRINGS + INTS, size)
    if derived_pool:
        facts[rng.randrange(size)] = rng.choice(derived_pool)
    tests = [_test(rng, f) for f in facts]
    shape = rng.random()
    if size == 1 and shape < 0.9:
        return tests[0]
    if shape < 0.7:
        return {"all": tests}
    if shape < 0.9:
        return {"any": tests}
    return {"not": {"all": tests} if size > 1 else tests[0]}


def generate(rules: int, seed: int = 1) -> tuple[dict, dict]:
    """(facts document, rules document) for ``rules`` rules."""
    rng = random.Random(f"diagnostica-bench-{seed}-{rules}")
    derived = derived_names(rules)
    by_level = {level: [d for i, d in enumerate(derived) if _level(i) == level] for level in (1, 2, 3)}
    n_derive = max(1, rules // 10)
    specs = []
    for index in range(rules):
        rule: dict = {"id": f"r-{index:05d}"}
        if index < n_derive:
            target_index = index % len(derived)
            level = _level(target_index)
            pool = by_level.get(level - 1, []) if rng.random() < 0.7 else []
            rule["kind"] = "derive"
            rule["when"] = _condition(rng, pool)
            rule["derives"] = {derived[target_index]: True}
        else:
            pool = derived if rng.random() < 0.35 else []
            rule["severity"] = rng.choice(["error", "warning", "info"])
            rule["when"] = _condition(rng, pool)
            rule["explanation"] = "bench.j2"
            rule["remediation"] = "bench.j2"
        specs.append(rule)
    rng.shuffle(specs)
    facts: dict = {}
    for name in BOOLS:
        facts[name] = {"type": "bool", "description": "generated", "askable": True}
    for i, name in enumerate(STRINGS):
        facts[name] = {"type": "enum", "values": vocabulary(i), "description": "generated"}
    for name in INTS:
        facts[name] = {"type": "integer", "description": "generated"}
    for name in derived:
        facts[name] = {"type": "bool", "description": "derived by rules", "askable": False}
    return {"facts": facts}, {"rules": specs}


def write_kb(directory: Path, rules: int, seed: int = 1) -> Path:
    """Write a knowledge base folder (rules/ + locales/) and return it."""
    facts_doc, rules_doc = generate(rules, seed)
    (directory / "rules").mkdir(parents=True, exist_ok=True)
    # JSON is YAML: the files stay in our format and are written fast.
    (directory / "rules" / "facts.yaml").write_text(_yaml(facts_doc), encoding="utf-8")
    (directory / "rules" / "bench.yaml").write_text(_yaml(rules_doc), encoding="utf-8")
    for lang in ("it", "en"):
        (directory / "locales" / lang / "rules").mkdir(parents=True, exist_ok=True)
        (directory / "locales" / lang / "messages.yaml").write_text("rules: {}\n", encoding="utf-8")
        (directory / "locales" / lang / "rules" / "bench.j2").write_text("{{ rule.id }}\n", encoding="utf-8")
    return directory


def _yaml(document: dict) -> str:
    """Block YAML, one rule per item; flow style for conditions, as the bundled rules write them."""
    lines = []
    for key, value in document.items():
        lines.append(f"{key}:")
        if isinstance(value, list):
            for item in value:
                first = True
                for k, v in item.items():
                    prefix = "  - " if first else "    "
                    lines.append(f"{prefix}{k}: {json.dumps(v, ensure_ascii=False)}")
                    first = False
        else:
            for k, v in value.items():
                lines.append(f"  {k}: {json.dumps(v, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def fact_sets(count: int, seed: int = 1) -> list[dict]:
    """``count`` random fact sets, every base fact present (derived facts never given)."""
    rng = random.Random(f"diagnostica-bench-facts-{seed}")
    sets = []
    for _ in range(count):
        facts: dict = {}
        for name in BOOLS:
            facts[name] = rng.random() < 0.5
        for i, name in enumerate(STRINGS):
            facts[name] = rng.choice(vocabulary(i))
        for name in INTS:
            facts[name] = rng.randint(0, 100)
        sets.append(facts)
    return sets
