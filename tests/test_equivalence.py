"""The compiled engine against the plain reference interpreter of the benchmark, on generated rules."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from diagnostica.engine.kb import sources
from diagnostica.engine.run import load as knowledge

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
        assert result.because(finding.id) == because(kb, finding.id, result.facts, result.derived)
    for item in result.undecided:
        assert item.needs == needs(kb, item.id, result.facts)


@pytest.mark.parametrize("rules, seed", [(10, 5), (300, 6)])
def test_batch_generators_give_what_one_call_at_a_time_gives(tmp_path, rules, seed):
    folder = workload.write_kb(tmp_path / "kb", rules, seed)
    kb = knowledge.load(sources.from_directory(folder), cache=False)
    rng = random.Random(seed)
    fact_sets = [_partial(facts, rng) for facts in workload.fact_sets(60, seed)]
    assert list(kb.fired_many(iter(fact_sets))) == [kb.fired(facts) for facts in fact_sets]
    many = list(kb.evaluate_many(iter(fact_sets)))
    for result, facts in zip(many, fact_sets):
        one = kb.evaluate(facts)
        assert (result.facts, result.derived, result.findings, result.undecided, dict(result.outcomes)) == \
               (one.facts, one.derived, one.findings, one.undecided, dict(one.outcomes))


@pytest.mark.parametrize("variant", ["evaluate", "fired"])
def test_a_failing_rule_is_named_in_the_traceback(tmp_path, variant):
    """A value that is not canonical (text for an integer fact) fails inside the generated code: the
    traceback shows the generated line, which names the rule reading that fact (its id in the statement
    or in a comment at the end of the line)."""
    import re
    import traceback

    folder = workload.write_kb(tmp_path / "kb", 40, 7)
    kb = knowledge.load(sources.from_directory(folder), cache=False)
    fact = next(name for rule in kb.rules for test in _tests(rule.condition) if test.op in ("less", "greater")
                for name in [test.fact])
    with pytest.raises(TypeError) as caught:
        getattr(kb, variant)({fact: "not a number"})
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert frame.filename.startswith("<diagnostica " + ("fired" if variant == "fired" else "rules"))
    named = re.search(r"# (\S+)$|out\.append\('([^']+)'\)", frame.line)
    assert named, frame.line
    rule = kb.by_id[named.group(1) or named.group(2)]
    assert fact in rule.reads


def _tests(node):
    children = getattr(node, "children", None) or ([node.child] if hasattr(node, "child") else [])
    return [node] if not children else [t for child in children for t in _tests(child)]


def test_exists_is_written_inline(tmp_path):
    """`exists` needs no call to the node: the bundled knowledge base's rules are inlined too."""
    from diagnostica.engine import load_knowledge_base

    kb = load_knowledge_base(cache=False)
    source = kb.compiled.source()
    leaves = {rule.id: _tests(rule.condition) for rule in kb.rules}
    plain = [rule for rule in kb.rules if all(type(t).__name__ in ("Test", "Exists") and not t.refs
                                              for t in leaves[rule.id])]
    assert any(type(t).__name__ == "Exists" for rule in plain for t in leaves[rule.id])
    for rule in plain:
        assert not any("(known)" in line for line in _rule_lines(source, rule.id)), rule.id


def _rule_lines(source: str, rule_id: str) -> list[str]:
    lines = [line.strip() for line in source.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"# {rule_id} ("))
    return [line for line in lines[start + 1:] if not line.startswith("# ")][:4]


def test_a_knowledge_base_from_the_cache_evaluates_as_a_fresh_one(tmp_path, monkeypatch):
    """Several groups, both variants: the cached code (read on first use) gives the same answers."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = workload.write_kb(tmp_path / "kb", 250, 8)
    fresh = knowledge.load(sources.from_directory(folder), cache=False)
    knowledge.load(sources.from_directory(folder))  # fills the cache
    cached = knowledge.load(sources.from_directory(folder))
    rng = random.Random(8)
    for facts in workload.fact_sets(40, 8):
        given = _partial(facts, rng)
        assert cached.fired(given) == fresh.fired(given)
        one, other = cached.evaluate(given), fresh.evaluate(given)
        assert (one.findings, one.facts, dict(one.outcomes)) == (other.findings, other.facts, dict(other.outcomes))


@pytest.mark.parametrize("method", ["evaluate", "fired", "evaluate_many", "fired_many"])
def test_a_knowledge_base_read_but_not_compiled_says_so(method):
    from diagnostica.engine.kb.load import read
    from diagnostica.engine.kb.sources import bundled

    kb = read(bundled())
    with pytest.raises(RuntimeError, match="not compiled"):
        getattr(kb, method)([{}] if method.endswith("_many") else {})


def test_the_generated_source_is_the_same_whatever_the_hash_seed(tmp_path):
    """The layout breaks ties by the order it meets shared tests in: never a set's order of strings,
    which changes from one process to the next (``PYTHONHASHSEED``), and the code with it."""
    import os
    import subprocess

    folder = workload.write_kb(tmp_path / "kb", 300, 4)
    script = ("import sys\nfrom diagnostica.engine.kb import sources\nfrom diagnostica.engine.run import load\n"
              "kb = load.load(sources.from_directory(sys.argv[1]), cache=False)\n"
              "sys.stdout.write(kb.plan().source() + kb.plan().source(fired=True))\n")
    by_seed = {seed: subprocess.run([sys.executable, "-c", script, str(folder)], check=True, capture_output=True,
                                    text=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert "if (" in by_seed["1"]  # rules share tests: there are ties to break
    assert by_seed["1"] == by_seed["2"]
