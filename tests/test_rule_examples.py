"""Every example shipped in the rule files is a test case of its own."""
from __future__ import annotations

import pytest
from diagnostica.engine import load_knowledge_base
from diagnostica.engine.lint import examples

KB = load_knowledge_base()
CASES = list(examples.iter_examples(KB))


@pytest.mark.parametrize(("rule", "example"), CASES, ids=[f"{r.id}::{e.name}" for r, e in CASES])
def test_shipped_example(rule, example):
    result = examples.run_one(KB, rule, example, {})
    assert result.problem is None, f"{example.location}: {result.problem}"
    assert result.got == example.expect, f"{example.location}: expected {example.expect}, got {result.got}"
    assert not result.missing, f"{example.location}: text lacks {result.missing}"


def test_every_shipped_rule_fires_and_does_not_fire_somewhere():
    for rule in KB.rules:
        outcomes = {e.expect for e in rule.examples}
        assert {"fires", "does-not-fire"} <= outcomes, rule.id


def test_a_wrong_expectation_fails_with_its_own_line():
    rule = KB.by_id["mx-invalid"]
    example = rule.examples[0]
    wrong = type(example)(example.name, example.facts, "does-not-fire", ("not in the text",), "it", example.location)
    result = examples.run_one(KB, rule, wrong, {})
    assert not result.passed
    assert (result.expected, result.got, result.missing) == ("does-not-fire", "fires", ("not in the text",))
    assert result.location.file == "rules/dns.yaml" and result.location.line == example.location.line
