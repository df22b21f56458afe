"""A plain reference interpreter: the yardstick the engine is measured and checked against.

It reads the rule files with PyYAML and walks each condition as written,
with the engine's three-valued logic (a missing fact is unknown; ``False and
unknown`` is ``False``), looping over all the rules until no rule derives a
new fact.  No compilation, no ordering, no indexing: what a straightforward
implementation does.
"""
from __future__ import annotations

from pathlib import Path

import yaml

_MISSING = object()

OPS = {
    "equals": lambda a, b: a == b,
    "not_equals": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "less": lambda a, b: a < b,
    "greater": lambda a, b: a > b,
    "less_or_equal": lambda a, b: a <= b,
    "greater_or_equal": lambda a, b: a >= b,
}


def load(directory: Path) -> list[dict]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rules = []
    for path in sorted((directory / "rules").glob("*.yaml")):
        if path.name != "facts.yaml":
            rules += yaml.load(path.read_text(encoding="utf-8"), Loader=loader)["rules"]
    return rules


def condition(cond: dict, facts: dict) -> bool | None:
    if "all" in cond:
        result: bool | None = True
        for child in cond["all"]:
            value = condition(child, facts)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    if "any" in cond:
        result = False
        for child in cond["any"]:
            value = condition(child, facts)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    if "not" in cond:
        value = condition(cond["not"], facts)
        return None if value is None else not value
    actual = facts.get(cond["fact"], _MISSING)
    if actual is _MISSING:
        return None
    for op, expected in cond.items():
        if op != "fact":
            return OPS[op](actual, expected)
    raise ValueError(cond)


def fired(rules: list[dict], facts: dict) -> frozenset[str]:
    """Ids of the rules whose condition holds once nothing new can be derived."""
    known = dict(facts)
    while True:
        changed = False
        result = set()
        for rule in rules:
            if condition(rule["when"], known) is True:
                result.add(rule["id"])
                for name, value in rule.get("derives", {}).items():
                    if name not in known:
                        known[name] = value
                        changed = True
        if not changed:
            return frozenset(result)


def undecided(rules: list[dict], facts: dict) -> frozenset[str]:
    """Ids of the rules whose condition is unknown once nothing new can be derived (not timed: a check)."""
    known = dict(facts)
    changed = True
    while changed:
        changed = False
        for rule in rules:
            if condition(rule["when"], known) is True:
                for name, value in rule.get("derives", {}).items():
                    if name not in known:
                        known[name] = value
                        changed = True
    return frozenset(rule["id"] for rule in rules if condition(rule["when"], known) is None)
