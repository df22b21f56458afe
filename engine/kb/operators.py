"""Comparison operators: a table of tiny pure functions.

Each takes the fact's value and the expected value (already in canonical
form, see :mod:`catalogue`) and returns a bool.  Three-valued logic is not
their concern: the condition node never calls them on a missing fact.
"""
from __future__ import annotations

import re
from typing import Callable, Container, Iterable, Sized, TypeVar

#: The ordered kinds (``less``, ``greater``...): two integers or two texts, as the catalogue makes them.
Ordered = TypeVar("Ordered", int, str)


def _search(pattern: re.Pattern[str], text: object) -> bool:
    return isinstance(text, str) and pattern.search(text) is not None


def equals(actual: object, expected: object) -> bool:
    return actual == expected


def not_equals(actual: object, expected: object) -> bool:
    return actual != expected


def in_(actual: object, expected: frozenset[object]) -> bool:
    return actual in expected


def not_in(actual: object, expected: frozenset[object]) -> bool:
    return actual not in expected


def contains(actual: Container[object], expected: object) -> bool:
    return expected in actual


def matches(actual: object, expected: re.Pattern[str]) -> bool:
    return _search(expected, actual)


def less(actual: Ordered, expected: Ordered) -> bool:
    return actual < expected


def greater(actual: Ordered, expected: Ordered) -> bool:
    return actual > expected


def less_or_equal(actual: Ordered, expected: Ordered) -> bool:
    return actual <= expected


def greater_or_equal(actual: Ordered, expected: Ordered) -> bool:
    return actual >= expected


def no_record(results: Iterable[object]) -> bool:
    return not any(results)


def empty(actual: Sized, expected: bool) -> bool:
    return (len(actual) == 0) is expected


def all_in(actual: Iterable[object], expected: frozenset[object]) -> bool:
    return all(item in expected for item in actual)


def any_in(actual: Iterable[object], expected: frozenset[object]) -> bool:
    return any(item in expected for item in actual)


def none_in(actual: Iterable[object], expected: frozenset[object]) -> bool:
    return not any(item in expected for item in actual)


def all_match(actual: Iterable[object], expected: re.Pattern[str]) -> bool:
    return all(_search(expected, item) for item in actual)


def any_match(actual: Iterable[object], expected: re.Pattern[str]) -> bool:
    return any(_search(expected, item) for item in actual)


def none_match(actual: Iterable[object], expected: re.Pattern[str]) -> bool:
    return not any(_search(expected, item) for item in actual)


class OperatorSpec:
    """How an operator reads its operand and which fact types it accepts."""

    __slots__ = ("fn", "operand", "types")

    # Most take (value, operand); the record tests take the iterable of per-record results alone.
    def __init__(self, fn: Callable[..., bool], operand: str, types: frozenset[str]) -> None:
        self.fn = fn
        self.operand = operand  # value | set | pattern | bool | records
        self.types = types


_SCALAR = frozenset({"bool", "string", "enum", "integer"})
_ORDERED = frozenset({"integer", "string"})
_LISTS = frozenset({"list", "records"})

OPERATORS: dict[str, OperatorSpec] = {
    "equals": OperatorSpec(equals, "value", _SCALAR),
    "not_equals": OperatorSpec(not_equals, "value", _SCALAR),
    "in": OperatorSpec(in_, "set", _SCALAR),
    "not_in": OperatorSpec(not_in, "set", _SCALAR),
    "contains": OperatorSpec(contains, "item", frozenset({"list", "string"})),
    "matches": OperatorSpec(matches, "pattern", frozenset({"string", "enum"})),
    "less": OperatorSpec(less, "value", _ORDERED),
    "greater": OperatorSpec(greater, "value", _ORDERED),
    "less_or_equal": OperatorSpec(less_or_equal, "value", _ORDERED),
    "greater_or_equal": OperatorSpec(greater_or_equal, "value", _ORDERED),
    "empty": OperatorSpec(empty, "bool", _LISTS | {"string"}),
    "all_in": OperatorSpec(all_in, "set", frozenset({"list"})),
    "any_in": OperatorSpec(any_in, "set", frozenset({"list"})),
    "none_in": OperatorSpec(none_in, "set", frozenset({"list"})),
    "all_match": OperatorSpec(all_match, "pattern", frozenset({"list"})),
    "any_match": OperatorSpec(any_match, "pattern", frozenset({"list"})),
    "none_match": OperatorSpec(none_match, "pattern", frozenset({"list"})),
    # Record tests take a record pattern; see conditions.RecordTest.
    "every_record": OperatorSpec(all, "records", frozenset({"records"})),
    "any_record": OperatorSpec(any, "records", frozenset({"records"})),
    "no_record": OperatorSpec(no_record, "records", frozenset({"records"})),
}

#: Operators usable on one field inside a record pattern.
FIELD_OPERATORS = ("equals", "not_equals", "in", "not_in", "matches", "less", "greater",
                   "less_or_equal", "greater_or_equal")
