"""The compiled engine against the plain reference interpreter of the benchmark, on generated rules."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from diagnostica.engine.run import load as knowledge
from diagnostica.engine.kb import sources

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import reference  # noqa: E402
import workload  # noqa: E402


def _partial(facts: dict, rng: random.Random) -> dict:
    """Some facts left out, so unknowns (three-valued logic) are exercised too."""
    return {k: v for k, v in facts.items() if rng.random() < 0.8}


@pytest.mark.parametrize("rules, seed", [(10, 1), (60, 2), (200, 3)])
def test_fast_engine_fires_what_the_reference_fires(tmp_path, rules, seed):
    folder = workload.write_kb(tmp_path / "kb", rules, seed)
    kb = knowledge.load(sources.from_directory(folder), cache=False)
    plain = reference.load(folder)
    rng = random.Random(seed)
    for facts in workload.fact_sets(150, seed):
        for given in (facts, _partial(facts, rng)):
            expected = reference.fired(plain, given)
            assert frozenset(kb.fired(given)) == expected
            result = kb.evaluate(given)
            assert frozenset(r for r, o in result.outcomes.items() if o is True) == expected
            # outcomes agree with the condition nodes, the reference semantics of the engine
            for rule in kb.rules:
                assert result.outcomes[rule.id] is rule.condition.evaluate(result.facts)
            assert {f.id for f in result.findings} == {r for r in expected if kb.by_id[r].is_finding}


def test_fired_does_not_touch_the_facts(tmp_path):
    folder = workload.write_kb(tmp_path / "kb", 100, 4)
    kb = knowledge.load(sources.from_directory(folder), cache=False)
    for facts in workload.fact_sets(50, 4):
        before = dict(facts)
        kb.fired(facts)
        assert facts == before


def test_explanations_on_demand_match_the_functions(kb):
    from diagnostica.engine.run.explain import because, needs

    result = kb.evaluate({"dns.mx_valid": False, "account.suspended": False})
    for finding in result.findings:
        assert finding.because == because(kb, finding.id, result.facts, result.derived)
    for item in result.undecided:
        assert item.needs == needs(kb, item.id, result.facts)
