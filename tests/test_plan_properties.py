"""The generated code (shared tests, levels, both variants) against the condition nodes, on any fact set.

The nodes' own ``evaluate`` is the reference semantics (Kleene logic); the generated code must give every
rule the same outcome on whatever hypothesis makes of the facts: present or missing, each value of its type.
The knowledge base mixes what the writer lays out differently: conjunctions sharing tests (and nested ones),
`any`, `not`, `exists`, derivations on true and on false over several levels, and a value taken from another
fact (evaluated by its node).
"""
from __future__ import annotations

import functools
import json

from diagnostica.engine.kb import sources
from diagnostica.engine.run import load as knowledge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FACTS = {
    **{f"x{i}": {"type": "bool"} for i in range(5)},
    "s1": {"type": "enum", "values": ["a", "b", "c"]},
    "s2": {"type": "enum", "values": ["a", "b", "c"]},
    "n1": {"type": "integer"},
    "n2": {"type": "integer"},
    **{f"d{i}": {"type": "bool", "askable": False} for i in range(5)},
    **{f"e{i}": {"type": "bool", "askable": False} for i in range(6)},
}

RULES = [
    ("r-shared-1", {"all": [{"fact": "x0", "equals": True}, {"fact": "x1", "equals": False}]}, None),
    ("r-shared-2", {"all": [{"fact": "x0", "equals": True}, {"fact": "x1", "equals": False},
                            {"fact": "s1", "equals": "a"}]}, None),
    ("r-shared-3", {"all": [{"fact": "x0", "equals": True}, {"fact": "n1", "less": 50}]}, None),
    ("r-shared-4", {"all": [{"fact": "x0", "equals": True}]}, None),
    ("r-shared-5", {"all": [{"fact": "s1", "equals": "a"}, {"fact": "x2", "equals": True},
                            {"fact": "s2", "not_equals": "c"}]}, None),
    ("r-shared-6", {"all": [{"fact": "s1", "equals": "a"}, {"fact": "x2", "equals": True}]}, None),
    ("r-exists", {"all": [{"fact": "s2", "exists": True}, {"fact": "x3", "equals": True}]}, None),
    ("r-absent", {"all": [{"fact": "s2", "exists": False}, {"fact": "x3", "equals": True}]}, None),
    ("r-any", {"any": [{"fact": "x1", "equals": True}, {"fact": "n2", "greater": 70},
                       {"all": [{"fact": "s1", "in": ["b", "c"]}, {"fact": "x4", "equals": False}]}]}, None),
    ("r-not", {"not": {"all": [{"fact": "x3", "equals": True}, {"fact": "s2", "equals": "b"}]}}, None),
    ("r-ref", {"all": [{"fact": "x0", "equals": True}, {"fact": "n1", "less": {"fact": "n2"}}]}, None),
    # derivations: d0 on level 1, d1 from d0, d2 when false, d3 from a node-evaluated test
    ("r-derive-0", {"all": [{"fact": "x0", "equals": True}, {"fact": "x2", "equals": True}]},
     {"derives": {"d0": True}}),
    ("r-derive-0b", {"all": [{"fact": "x0", "equals": True}, {"fact": "s1", "equals": "b"}]},
     {"derives": {"d0": True}}),
    ("r-derive-1", {"all": [{"fact": "d0", "equals": True}, {"fact": "x4", "equals": True}]},
     {"derives": {"d1": True}}),
    ("r-derive-2", {"any": [{"fact": "x1", "equals": True}, {"fact": "n1", "greater": 30}]},
     {"derives": {"d2": False}, "derives_when_false": {"d2": True}}),
    ("r-derive-3", {"all": [{"fact": "n1", "less": {"fact": "n2"}}, {"fact": "x1", "equals": True}]},
     {"derives": {"d3": True}}),
    # a derivation whose "undecided" the code tests only when some given fact is missing (`gaps`, when
    # written): its two tests share nothing with the others (the findings leave theirs to the Result)
    ("r-derive-4", {"all": [{"fact": "n2", "greater": 20}, {"fact": "x3", "equals": False}]},
     {"derives": {"d4": True}}),
    ("r-uses-d0", {"all": [{"fact": "d0", "equals": True}, {"fact": "x1", "equals": False}]}, None),
    ("r-uses-d0-2", {"all": [{"fact": "d0", "equals": True}, {"fact": "x3", "equals": False}]}, None),
    ("r-uses-d1", {"all": [{"fact": "d1", "equals": True}, {"fact": "s2", "equals": "a"}]}, None),
    ("r-uses-d2", {"all": [{"fact": "d2", "equals": True}, {"fact": "x4", "equals": True}]}, None),
    ("r-uses-d2-false", {"all": [{"fact": "d2", "equals": False}, {"fact": "x4", "equals": True}]}, None),
    ("r-uses-d3", {"any": [{"fact": "d3", "equals": True}, {"fact": "d1", "equals": True}]}, None),
    # enough derived facts for the driver to set them all at once when none is given
    *[(f"r-derive-e{i}", {"fact": f"x{i}", "equals": True}, {"derives": {f"e{i}": i % 2 == 0}}) for i in range(5)],
    ("r-derive-e5", {"fact": "s1", "equals": "c"}, {"derives": {"e5": True}}),
    *[(f"r-uses-e{i}", {"all": [{"fact": f"e{i}", "equals": True}, {"fact": "x4", "equals": i % 2 == 1}]}, None)
      for i in range(6)],
]


def _write(folder):
    (folder / "rules").mkdir(parents=True)
    facts = ["facts:"] + [f"  {name}: {json.dumps({**spec, 'description': 'test fact'})}" for name, spec in FACTS.items()]
    (folder / "rules" / "facts.yaml").write_text("\n".join(facts) + "\n", encoding="utf-8")
    rules = ["rules:"]
    for number, (rule_id, when, derive) in enumerate(RULES):
        rules.append(f"  - id: {rule_id}")
        if derive:
            rules.append("    kind: derive")
            rules += [f"    {key}: {json.dumps(value)}" for key, value in derive.items()]
        else:
            rules.append(f"    severity: {('error', 'warning', 'info')[number % 3]}")
            rules.append("    explanation: t.j2\n    remediation: t.j2")
        rules.append(f"    when: {json.dumps(when)}")
    (folder / "rules" / "t.yaml").write_text("\n".join(rules) + "\n", encoding="utf-8")
    for lang in ("it", "en"):
        (folder / "locales" / lang / "rules").mkdir(parents=True)
        (folder / "locales" / lang / "messages.yaml").write_text("rules: {}\n", encoding="utf-8")
        (folder / "locales" / lang / "rules" / "t.j2").write_text("{{ rule.id }}\n", encoding="utf-8")
    return folder


@functools.lru_cache(maxsize=1)
def _kb():
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    top = tempfile.mkdtemp(prefix="diagnostica-plan-")
    atexit.register(shutil.rmtree, top, True)  # templates are read when rendered: kept until the run ends
    folder = _write(Path(top) / "kb")
    return knowledge.load(sources.from_directory(folder), cache=False)


@functools.lru_cache(maxsize=1)
def _kb_with_gaps():
    """The same rules, the full variant written with its `gaps` test (which a knowledge base this small
    goes without)."""
    from diagnostica.engine.run import plan

    kb = _kb.__wrapped__()
    saved, plan._GAPS = plan._GAPS, 0
    try:
        kb.evaluate({})  # the code is generated on first use: now
    finally:
        plan._GAPS = saved
    assert "gaps and" in kb.plan().source() and "gaps and" not in _kb().plan().source()
    return kb


def _value(name: str):
    kind = FACTS[name]["type"]
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(FACTS[name]["values"])
    return st.integers(0, 100)


# Any base fact present or missing; derived facts sometimes given too (a given value wins over a derivation).
fact_sets = st.fixed_dictionaries({}, optional={name: _value(name) for name in FACTS})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact_sets)
def test_generated_code_agrees_with_the_nodes(facts):
    for kb in (_kb(), _kb_with_gaps()):
        _agrees(kb, facts)


def _agrees(kb, facts):
    result = kb.evaluate(facts)
    for rule in kb.rules:
        assert result.outcomes[rule.id] is rule.condition.evaluate(result.facts), rule.id
    fired = kb.fired(facts)
    assert len(set(fired)) == len(fired)
    assert set(fired) == {rule_id for rule_id, outcome in result.outcomes.items() if outcome is True}
    assert [f.id for f in result.findings] == [r for r in _severity_order(kb) if result.outcomes[r] is True]
    assert {u.id for u in result.undecided} == {r.id for r in kb.rules if r.is_finding and
                                                result.outcomes[r.id] is None}
    for name, value in result.facts.items():  # nothing but the given facts and what fired rules derived
        if name not in facts:
            rule = kb.by_id[result.derived[name]]
            pairs = rule.derives if result.outcomes[rule.id] is True else rule.derives_when_false
            assert (name, value) in pairs and result.outcomes[rule.id] is not None
    for rule in kb.rules:  # and every derivation that applies was made (one pass is the fixpoint)
        pairs = {True: rule.derives, False: rule.derives_when_false}.get(result.outcomes[rule.id], ())
        for name, _ in pairs:
            assert name in result.facts


def _severity_order(kb):
    rank = {"error": 0, "warning": 1, "info": 2}
    return [r.id for r in sorted((r for r in kb.rules if r.is_finding), key=lambda r: (rank[r.severity], r.id))]


def test_shared_tests_are_written_once_around_their_rules():
    """The layout is what makes the code fast: a test several conjunctions make is one `if` around them."""
    source = _kb().compiled.source(fired=True)
    assert source.count("if (f_x0 is True):") == 1
    assert source.count("(f_x0 is True)") == 1
    assert ".isdisjoint(known):" in source  # derived facts set at once when none is given


def test_a_test_is_written_once_per_kind_and_an_unhashable_value_each_time():
    """The writer keeps a test's conjunct by fact, operator and value (the same test recurs across rules);
    a value that cannot be a key (none the compiler makes today) is written afresh, never an error."""
    import operator

    from diagnostica.engine.kb.conditions import Test
    from diagnostica.engine.run.plan import _Writer

    writer = _Writer(fired=True)
    same = [writer.conjunct(Test("x", "equals", operator.eq, 1, ())) for _ in range(2)]
    other_type = writer.conjunct(Test("x", "equals", operator.eq, True, ()))  # True == 1, another test
    unhashable = [writer.conjunct(Test("x", "equals", operator.eq, [1], ())) for _ in range(2)]
    assert same[0] is same[1] and other_type is not same[0] and other_type.expr.true == "(f_x is True)"
    assert unhashable[0] is not unhashable[1] and [c.expr.true for c in unhashable] == ["(f_x == k0)", "(f_x == k1)"]


def test_the_same_test_in_two_rules_is_one_node_and_a_wrong_one_is_told_at_each_place():
    """A test's node holds no position, so rules that make the same test share it; one of another type
    (``1`` for ``true``) or a wrong one is compiled at its own place, each mistake with its own line."""
    from diagnostica.engine.errors import KnowledgeBaseError, Location
    from diagnostica.engine.kb.conditions import Compiler, _test_key
    from diagnostica.engine.kb.yamlload import Text

    kb = knowledge.load(cache=False)
    compiler = Compiler(kb.catalogue, kb.data, "r.yaml", lambda container, key: Location("r.yaml", id(container), 1))
    first, again = ({"fact": "offer", "in": ["hosted", "private"]} for _ in range(2))
    assert compiler.compile(first) is compiler.compile(again)
    assert _test_key({"fact": "x", "equals": 1}) != _test_key({"fact": "x", "equals": True})
    assert _test_key({"fact": "x", "equals": Text("on")}) is None  # a YAML 1.1 word: the linter marks it
    assert _test_key({"fact": "x", "equals": {"data": "a.b"}}) is None
    wrong = [{"fact": "offer", "equals": "shared"} for _ in range(2)]
    places = []
    for spec in wrong:
        try:
            compiler.compile(spec)
        except KnowledgeBaseError as exc:
            places.append(exc.location.line)
    assert places == [id(wrong[0]), id(wrong[1])]


def test_a_signed_zero_is_not_the_same_test_as_zero():
    from diagnostica.engine.kb.conditions import _test_key

    # -0.0 == 0.0 (one hash), yet a text fact reads them as "-0.0" and "0.0": a float is never a key
    assert _test_key({"fact": "x", "equals": -0.0}) is None and _test_key({"fact": "x", "in": [0.0]}) is None


def test_never_fires_sees_the_same_test_twice_as_one_whether_or_not_it_is_one_node():
    """``matches: ^a`` and ``not: {matches: ^a}`` of one fact cannot both hold: the linter's check gives one
    free answer per distinct test, so two nodes (two compilers here) and one shared node read alike."""
    from diagnostica.engine.errors import Location
    from diagnostica.engine.kb.conditions import All, Compiler, Not
    from diagnostica.engine.lint.satisfiable import can_be_true

    kb = knowledge.load(cache=False)

    def compiler():
        return Compiler(kb.catalogue, kb.data, "r.yaml", lambda container, key: Location("r.yaml", 1, 1))

    spec = {"fact": "account.email", "matches": "^a"}
    one = compiler()
    shared, apart = (one.compile(spec), one.compile(dict(spec))), (compiler().compile(spec), compiler().compile(spec))
    assert shared[0] is shared[1] and apart[0] is not apart[1]
    assert [can_be_true(All([a, Not(b)]), kb.catalogue) for a, b in (shared, apart)] == [False, False]
    other = compiler().compile({"fact": "account.email", "matches": "^b"})
    assert can_be_true(All([apart[0], Not(other)]), kb.catalogue)  # two different tests: it can hold
