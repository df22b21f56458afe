"""Can a condition ever be true?  A small exhaustive search over compiled nodes.

Each fact a condition tests gets a few candidate values: every value of an
enum, true/false, the integers around each bound, the texts the rule names
plus one it does not.  A test this cannot reason about (regular
expressions, lists, records, comparisons between two facts) becomes a free
yes/no of its own, so the search only ever says "never" when that is certain.
Conditions too large for the search are assumed satisfiable.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator

from ..kb.catalogue import Catalogue
from ..kb.conditions import MISSING, All, Any_, Exists, Node, Not, RecordTest, Test

MAX_CASES = 4096
_SIMPLE_OPS = {"equals", "not_equals", "in", "not_in", "less", "greater", "less_or_equal", "greater_or_equal"}
_OTHER_TEXT = "\x00another value"


def _tests(node: Node) -> Iterator[Test]:
    if isinstance(node, (All, Any_)):
        for child in node.children:
            yield from _tests(child)
    elif isinstance(node, Not):
        yield from _tests(node.child)
    elif isinstance(node, Test):
        yield node


def _reasoned(test: Test, catalogue: Catalogue) -> bool:
    if isinstance(test, RecordTest) or test.refs or test.fact not in catalogue:
        return False
    if isinstance(test, Exists):
        return True
    kind = catalogue[test.fact].type
    return test.op in _SIMPLE_OPS and kind in ("bool", "enum", "integer", "string")


def _candidates(fact: str, tests: list[Test], catalogue: Catalogue) -> list[Any]:
    spec = catalogue[fact]
    constants: list[Any] = []
    for test in tests:
        if isinstance(test, Exists):
            continue
        expected = test.expected
        constants.extend(expected if isinstance(expected, frozenset) else (expected,))
    values: list[Any]
    if spec.type == "bool":
        values = [True, False]
    elif spec.type == "enum":
        values = list(spec.values)
    elif spec.type == "integer":
        values = sorted({c + d for c in constants if isinstance(c, int) for d in (-1, 0, 1)} or {0})
    else:
        values = list(dict.fromkeys(constants)) + [_OTHER_TEXT]
    if any(isinstance(t, Exists) for t in tests):
        values.append(MISSING)
    return values


def can_be_true(condition: Node, catalogue: Catalogue) -> bool:
    tests = list(_tests(condition))
    by_fact: dict[str, list[Test]] = {}
    free: list[Test] = []
    for test in tests:
        if _reasoned(test, catalogue):
            by_fact.setdefault(test.fact, []).append(test)
        else:
            free.append(test)
    if any(not _reasoned(t, catalogue) and t.fact in by_fact for t in free):
        # A fact tested both ways: treat all its tests as free to stay certain.
        for name in {t.fact for t in free} & set(by_fact):
            free.extend(by_fact.pop(name))
    names = sorted(by_fact)
    domains = [_candidates(n, by_fact[n], catalogue) for n in names]
    # One switch per distinct test, not per occurrence: the same test written twice always agrees with
    # itself (``matches: ^a`` and ``not: {matches: ^a}`` cannot both hold), whether or not the compiler
    # gave both places one node.
    switch_of: dict[object, int] = {}
    free_ids = {id(t): switch_of.setdefault(t.key() or id(t), len(switch_of)) for t in free}
    cases = 2 ** len(switch_of)
    for domain in domains:
        cases *= len(domain)
    if cases > MAX_CASES:
        return True
    for values in itertools.product(*domains):
        facts = {n: v for n, v in zip(names, values) if v is not MISSING}
        for switches in itertools.product((True, False), repeat=len(switch_of)):
            if _evaluate(condition, facts, free_ids, switches) is True:
                return True
    return False


def _evaluate(node: Node, facts: dict, free_ids: dict, switches: tuple) -> bool | None:
    if isinstance(node, All):
        results = [_evaluate(c, facts, free_ids, switches) for c in node.children]
        return False if False in results else (None if None in results else True)
    if isinstance(node, Any_):
        results = [_evaluate(c, facts, free_ids, switches) for c in node.children]
        return True if True in results else (None if None in results else False)
    if isinstance(node, Not):
        value = _evaluate(node.child, facts, free_ids, switches)
        return None if value is None else not value
    if id(node) in free_ids:
        return switches[free_ids[id(node)]]
    try:
        return node.evaluate(facts)
    except TypeError:  # comparing the stand-in text with a number: cannot happen for real
        return None


def contradictory_facts(condition: Node) -> list[str]:
    """The facts the condition tests, for the hint."""
    return sorted({t.fact for t in _tests(condition)})
