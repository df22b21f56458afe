"""Conditions compiled once into small node objects with three-valued logic.

``evaluate(facts)`` returns True, False or None (unknown: a fact it needs is
missing).  ``needs(facts)`` lists the missing facts that keep an unknown
condition undecided and ``support(facts)`` the facts that made a decided
condition come out as it did; both run only when an explanation is wanted.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Callable, Iterator, TypeAlias, cast

from ..errors import KnowledgeBaseError, Location
from .catalogue import Catalogue, CoercionError, Fact, Record, Value, closest, normalize_host
from .operators import FIELD_OPERATORS, OPERATORS
from .regexes import nested_quantifier

MISSING = object()

#: Where a YAML node is: the mapping or list that holds it, and its key or index there.
Where = Callable[[object, object], Location]
#: The facts a condition is evaluated on: canonical values by name (``MISSING`` is never stored).
Facts = Mapping[str, object]


class FactRef:
    """A value taken from another fact at evaluation time: ``{fact: name}``."""

    __slots__ = ("name", "fact")

    def __init__(self, fact: Fact) -> None:
        self.name = fact.name
        self.fact = fact


#: One value a test compares with: a constant in canonical form, or another fact's value.
Scalar: TypeAlias = Value | FactRef
#: What a test compares a fact with: a scalar, a pattern, or a set of scalars (``in``, ``all_in``...).
Operand: TypeAlias = Scalar | re.Pattern[str] | frozenset[Scalar]
#: One field test of a record pattern: the field, its operator, what it compares with.
FieldTest: TypeAlias = tuple[str, Callable[..., bool], Operand]


class Node:
    __slots__ = ()

    def evaluate(self, facts: Facts) -> bool | None:
        raise NotImplementedError

    def facts(self) -> Iterator[str]:
        raise NotImplementedError

    def needs(self, facts: Facts) -> list[str]:
        """Missing facts that would decide this (unknown) node."""
        return [] if self.evaluate(facts) is not None else list(self._needs(facts))

    def _needs(self, facts: Facts) -> Iterator[str]:
        raise NotImplementedError

    def support(self, facts: Facts) -> list[str]:
        """Known facts that decided this node's value."""
        raise NotImplementedError


class _Junction(Node):
    """`all` and `any`: Kleene conjunction and disjunction, told apart by the value that decides them."""

    __slots__ = ("children",)
    decisive: bool  # False for `all` (one false child decides), True for `any`

    def __init__(self, children: list[Node]) -> None:
        self.children = tuple(children)

    # Pickled as a call of the class (here and below): a cold load stores every rule's tree in the cache,
    # and the default form of a slotted object (a dict of its slots) took a third longer and more room.
    def __reduce__(self) -> tuple[type[_Junction], tuple[tuple[Node, ...]]]:
        return self.__class__, (self.children,)

    def evaluate(self, facts: Facts) -> bool | None:
        result: bool | None = not self.decisive
        for child in self.children:
            value = child.evaluate(facts)
            if value is self.decisive:
                return value
            if value is None:
                result = None
        return result

    def facts(self) -> Iterator[str]:
        for child in self.children:
            yield from child.facts()

    def _needs(self, facts: Facts) -> Iterator[str]:
        for child in self.children:
            if child.evaluate(facts) is None:
                yield from child._needs(facts)

    def support(self, facts: Facts) -> list[str]:
        # Decided by some children (a false one for `all`, a true one for `any`): those are the reason;
        # otherwise every child counted.
        reasons = [c for c in self.children if c.evaluate(facts) is self.decisive] or self.children
        return [name for child in reasons for name in child.support(facts)]


class All(_Junction):
    __slots__ = ()
    decisive = False


class Any_(_Junction):
    __slots__ = ()
    decisive = True


class Not(Node):
    __slots__ = ("child",)

    def __reduce__(self) -> tuple[type[Not], tuple[Node]]:
        return self.__class__, (self.child,)

    def __init__(self, child: Node) -> None:
        self.child = child

    def evaluate(self, facts: Facts) -> bool | None:
        value = self.child.evaluate(facts)
        return None if value is None else not value

    def facts(self) -> Iterator[str]:
        return self.child.facts()

    def _needs(self, facts: Facts) -> Iterator[str]:
        return self.child._needs(facts)

    def support(self, facts: Facts) -> list[str]:
        return self.child.support(facts)


def _resolve(value: object, facts: Facts) -> object:
    if isinstance(value, FactRef):
        return facts.get(value.name, MISSING)
    return value


class Test(Node):
    """``{fact: NAME, OP: VALUE}`` -- one comparison on one fact."""

    __slots__ = ("fact", "op", "fn", "expected", "refs")

    def __init__(self, fact: str, op: str, fn: Callable[..., bool] | None, expected: object,
                 refs: tuple[str, ...]) -> None:
        # fn compares (actual, expected); a RecordTest's takes one iterable (all/any/none of the
        # records); an Exists test has none.
        self.fact = fact
        self.op = op
        self.fn = fn
        self.expected = expected
        self.refs = refs

    def __reduce__(self) -> tuple[type[Test], tuple[object, ...]]:
        return self.__class__, (self.fact, self.op, self.fn, self.expected, self.refs)

    def key(self) -> tuple[object, ...] | None:
        """What makes two tests the same test -- its kind, fact, operator, operand with its type (``True``
        is not ``1``) and references -- or None when the operand cannot be hashed.  Operands are values
        the catalogue coerced (bool, int, text, sets and patterns of them; never a float, whose -0.0
        equals 0.0), so tests with equal keys decide alike and are written alike."""
        key = (type(self), self.fact, self.op, type(self.expected), self.expected, self.refs)
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def evaluate(self, facts: Facts) -> bool | None:
        actual = facts.get(self.fact, MISSING)
        if actual is MISSING:
            return None
        expected = self.expected
        if self.refs:
            expected = self._expected(facts)
            if expected is MISSING:
                return None
        assert self.fn is not None  # only Exists, which overrides evaluate, has none
        return self.fn(actual, expected)

    def _expected(self, facts: Facts) -> object:
        expected = self.expected
        if isinstance(expected, FactRef):
            return facts.get(expected.name, MISSING)
        if isinstance(expected, frozenset):  # a set with fact references among its members
            values = []
            for item in expected:
                item = _resolve(item, facts)
                if item is MISSING:
                    return MISSING
                values.append(item)
            return frozenset(values)
        return expected

    def facts(self) -> Iterator[str]:
        yield self.fact
        yield from self.refs

    def _needs(self, facts: Facts) -> Iterator[str]:
        for name in (self.fact, *self.refs):
            if name not in facts:
                yield name

    def support(self, facts: Facts) -> list[str]:
        return [name for name in (self.fact, *self.refs) if name in facts]


class Exists(Test):
    """``exists: true|false`` is always decided: absence is its answer."""

    __slots__ = ()

    def evaluate(self, facts: Facts) -> bool | None:
        return (self.fact in facts) is self.expected

    def support(self, facts: Facts) -> list[str]:
        return [self.fact] if self.fact in facts else []


class RecordTest(Test):
    """``every_record|any_record|no_record: {field: value-or-{op: value}}``."""

    __slots__ = ()
    expected: tuple[FieldTest, ...]  # the record pattern, compiled

    def evaluate(self, facts: Facts) -> bool | None:
        records = facts.get(self.fact, MISSING)
        if records is MISSING:
            return None
        checks = []
        for field_name, fn, operand in self.expected:
            expected = _resolve(operand, facts)
            if expected is MISSING:
                return None
            checks.append((field_name, fn, expected))
        assert self.fn is not None
        # A records fact holds a tuple of records (the catalogue's coercion made it so); the type of a
        # value follows from its fact's declared type, which mypy cannot see.
        found = cast("tuple[Record, ...]", records)
        return self.fn(all(fn(record[name], value) for name, fn, value in checks) for record in found)


# ---------------------------------------------------------------- compiling

class Compiler:
    """Turns the YAML form of a condition into nodes, checking it against the catalogue."""

    def __init__(self, catalogue: Catalogue, data: Mapping[str, object], file: str, where: Where) -> None:
        self.catalogue = catalogue
        self.data = data
        self.file = file
        self.where = where
        # A file's rules repeat the same tests (``{fact: offer, equals: hosted}``), and a test's node has no
        # position of its own: one node per distinct test, shared by the rules that make it (see _test_key).
        self._tests: dict[tuple[object, ...], Node] = {}

    def error(self, container: object, key: object, code: str, /, check_id: str | None = None,
              **params: object) -> KnowledgeBaseError:
        return KnowledgeBaseError(code, self.where(container, key), check_id=check_id, **params)

    def compile(self, spec: object, parent: object = None, key: object = None) -> Node:
        if not isinstance(spec, dict) or not spec:
            raise self.error(parent, key, "cond_not_mapping", "schema")
        for combinator, node in (("all", All), ("any", Any_)):
            if combinator in spec:
                children = spec[combinator]
                if len(spec) != 1 or not isinstance(children, list) or not children:
                    raise self.error(spec, combinator, "cond_bad_combinator", "schema", combinator=combinator)
                return node([self.compile(c, children, i) for i, c in enumerate(children)])
        if "not" in spec:
            if len(spec) != 1:
                raise self.error(spec, "not", "cond_bad_combinator", "schema", combinator="not")
            return Not(self.compile(spec["not"], spec, "not"))
        if "fact" not in spec:
            first = next(iter(spec))
            raise self.error(spec, first, "cond_unknown_key", "schema", key=first,
                             suggestion=closest(str(first), ["all", "any", "not", "fact"]))
        return self.compile_test(spec)

    def compile_test(self, spec: dict[str, object]) -> Node:
        key = _test_key(spec)
        if key is None:
            return self._compile_test(spec)
        found = self._tests.get(key)
        if found is None:
            found = self._tests[key] = self._compile_test(spec)  # a test that is wrong raises: never kept
        return found

    def _compile_test(self, spec: dict[str, object]) -> Node:
        name = spec.get("fact")
        fact = self.catalogue.facts.get(name) if isinstance(name, str) else None  # a list is no fact name
        if fact is None:
            raise self.error(spec, "fact", "unknown_fact", name=name,
                             suggestion=closest(str(name), self.catalogue.facts))
        name = fact.name  # the same text, typed
        if len(spec) == 2:  # the common case: one operator beside the fact
            first, op = spec
            if op == "fact":
                op = first
        else:
            ops = [k for k in spec if k != "fact"]
            raise self.error(spec, "fact", "cond_one_operator", "schema", name=name, found=", ".join(ops) or "-")
        if op == "exists":
            if not isinstance(spec[op], bool):
                raise self.error(spec, op, "cond_bad_value", "type-mismatch", op=op, expected="true/false")
            return Exists(name, op, None, spec[op], ())
        if op not in OPERATORS:
            raise self.error(spec, op, "unknown_operator", op=op,
                             suggestion=closest(op, [*OPERATORS, "exists"]))
        operator = OPERATORS[op]
        if fact.type not in operator.types:
            raise self.error(spec, op, "cond_op_type", "type-mismatch", op=op, name=name, type=fact.type)
        if operator.operand == "records":
            fields = self.record_pattern(fact, spec, op)
            return RecordTest(name, op, operator.fn, fields, tuple(_ref_names(f[2] for f in fields)))
        expected = self.operand(fact, operator.operand, spec, op)
        # Most operands are plain values: no fact referred to (the generator below is for the rest).
        refs = () if expected.__class__ in _PLAIN else \
            tuple(_ref_names(expected if isinstance(expected, frozenset) else (expected,)))
        return Test(name, op, operator.fn, expected, refs)

    def operand(self, fact: Fact, kind: str, spec: dict[str, object], op: str,
                field_type: str | None = None) -> Operand:
        raw = self.value(spec, op)
        if kind == "bool":
            if not isinstance(raw, bool):
                raise self.error(spec, op, "cond_bad_value", "type-mismatch", op=op, expected="true/false")
            return raw
        if kind == "pattern":
            try:
                compiled = re.compile(str(raw), re.IGNORECASE)
            except re.error as exc:
                raise self.error(spec, op, "cond_bad_regex", "bad-regex", pattern=raw, problem=str(exc)) from None
            if nested_quantifier(str(raw), re.IGNORECASE):  # exponential on a text that almost matches
                raise self.error(spec, op, "cond_nested_quantifier", "bad-regex", pattern=raw)
            return compiled
        if kind == "set":
            items = raw if isinstance(raw, (list, tuple)) else [raw]
            return frozenset(self.scalar(fact, item, spec, op, field_type) for item in items)
        if kind == "item":  # contains: an element of the list, or a substring
            return self.scalar(fact, raw, spec, op, field_type or ("string" if fact.type == "list" else None))
        return self.scalar(fact, raw, spec, op, field_type)

    def value(self, spec: dict[str, object], op: str) -> object:
        raw = spec[op]
        if isinstance(raw, dict) and set(raw) == {"data"}:
            return self.data_value(raw, "data")
        if isinstance(raw, list):
            return [self.data_value(item, "data") if isinstance(item, dict) and set(item) == {"data"}
                    else item for item in raw]
        return raw

    def data_value(self, ref: dict[str, object], key: str) -> object:
        node: object = self.data
        path = str(ref[key])
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                options = list(node) if isinstance(node, dict) else []
                raise self.error(ref, key, "unknown_data", path=path, suggestion=closest(part, options))
            node = node[part]
        return node

    def scalar(self, fact: Fact, raw: object, spec: object, op: str, field_type: str | None = None) -> Scalar:
        if isinstance(raw, dict) and set(raw) == {"fact"}:
            other = raw["fact"]
            if other not in self.catalogue:
                raise self.error(raw, "fact", "unknown_fact", name=other,
                                 suggestion=closest(str(other), self.catalogue.facts))
            return FactRef(self.catalogue[other])
        kind = field_type or fact.type
        try:
            if kind in ("list", "records"):
                kind = "string"
            if kind == "hostname" or (kind == "string" and fact.hostname):
                return normalize_host(_text(raw))
            # The fact itself when it reads the operand as its own type (the common case: building a
            # Fact per operand was a tenth of a 5,000-rule load); else a stand-in of the operand's type.
            probe = fact if kind == fact.type and not fact.hostname else Fact(fact.name, kind, fact.values)
            return probe.coerce(raw)
        except CoercionError as exc:
            raise self.error(spec, op, exc.code, exc.check_id, **{"name": fact.name, **exc.params}) from None

    def record_pattern(self, fact: Fact, spec: dict[str, object], op: str) -> tuple[FieldTest, ...]:
        pattern = spec[op]
        if not isinstance(pattern, dict) or not pattern:
            raise self.error(spec, op, "cond_bad_value", "type-mismatch", op=op, expected="field: value")
        field_types = dict(fact.fields)
        compiled = []
        for field_name, condition in pattern.items():
            if field_name not in field_types:
                raise self.error(pattern, field_name, "unknown_record_field", "unknown-field", field=field_name,
                                 suggestion=closest(field_name, field_types))
            field_type = field_types[field_name]
            if isinstance(condition, dict) and len(condition) == 1 and next(iter(condition)) not in ("fact", "data"):
                field_op = next(iter(condition))
                if field_op not in FIELD_OPERATORS:
                    raise self.error(condition, field_op, "unknown_operator", op=field_op,
                                     suggestion=closest(str(field_op), FIELD_OPERATORS))
            else:
                condition = {"equals": condition}
            field_op = next(iter(condition))
            operator = OPERATORS[field_op]
            expected = self.operand(fact, operator.operand, condition, field_op, field_type)
            compiled.append((field_name, operator.fn, expected))
        return tuple(compiled)


def _text(raw: object) -> str:
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise CoercionError("fact_bad_type", expected="string", got=type(raw).__name__)
    return str(raw)


_PLAIN = frozenset({bool, int, float, str, type(None)})


def _test_key(spec: dict[str, object]) -> tuple[object, ...] | None:
    """What a test's node depends on, when that is only plain values: its fact, its operator and its value,
    each value with its exact type (``true`` is not ``1``, nor a YAML 1.1 word like ``on`` plain text);
    None for anything else (a float, a reference to data or to another fact, a record pattern), compiled
    each time."""
    if len(spec) != 2:
        return None
    first, second = spec
    op = second if first == "fact" else first
    name, value = spec.get("fact"), spec.get(op)
    if type(name) is not str or type(op) is not str:
        return None
    if type(value) in _KEYED:
        return (name, op, type(value), value)
    if isinstance(value, list) and all(type(item) in _KEYED for item in value):
        return (name, op, list, tuple((type(item), item) for item in value))
    return None


#: The values a test's key may hold: those equal only when they compile alike.  Not a float: -0.0 == 0.0,
#: yet a text fact reads them as "-0.0" and "0.0".
_KEYED = frozenset({bool, int, str, type(None)})


def _ref_names(values: Iterable[object]) -> Iterator[str]:
    for value in values:
        if isinstance(value, FactRef):
            yield value.name
        elif isinstance(value, frozenset):
            yield from _ref_names(value)
