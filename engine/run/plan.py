"""The knowledge base compiled into Python functions: what makes evaluation fast.

The condition nodes (:mod:`kb.conditions`) define what a rule means; this
module derives Python source from them, here and nowhere else, so that one
evaluation is straight-line code instead of a walk over the nodes:

* the rules are cut into levels (a rule one level after those deriving a fact
  it reads), so within a level any order is valid and one pass over the
  levels is the fixpoint of forward chaining;
* in a level, rules whose condition is a conjunction share their tests: the
  test most of them make (same fact, same comparison) becomes one ``if``
  around them, then the next, and so on inside -- a decision tree, so a test
  that fails skips every rule that needed it, and a rule written inside tests
  only what the enclosing ``if`` tests did not (only tests that cannot raise are
  shared: a bad value fails on the line of the rule that reads it);
* every fact is read from ``known`` once, into a local named after it
  (``f_dns_mx_valid``; a missing fact is :data:`MISSING`), by a driver that
  passes each function (at most :data:`GROUP` rules: a small frame, and a
  compiler working function by function) the facts it uses and gets back
  those it derived;
* each rule's own line names it (its id in the statement or a comment, a
  comment with its file and line above): a traceback shows the rule;
* a test is written "certainly true" (Kleene logic, as the nodes evaluate
  it: a missing fact makes a test undecided, ``exists`` is always decided);
  a rule that is not certainly true is undecided only if some fact it tests
  is missing and none of its tests is certainly false -- which the code
  tests for the derivations and the findings it writes on their own; a laid-out
  finding's is left to the Result, which settles it by the rule's nodes when
  its outcome is read (see :func:`deferred`);
* a rule that comes out as its ``derives`` (or ``derives_when_false``) asks
  and whose fact is still unknown stores it in ``known`` and in the fact's
  local, so later levels see it;
* a node the writer does not know (record tests, values taken from other
  facts, node types added later) is called as it is: ``node.evaluate(known)``
  is always a correct leaf, since ``known`` holds every fact derived so far.

Two variants, each a driver ``run(facts)`` that copies the facts (unless
nothing writes them), reads them and returns the answer itself, so one
evaluation is one Python call: the full one records every rule's outcome by
*slot* -- True fired, None undecided, False (the default) not or, for a
deferred finding, not yet settled -- with the
findings first in (severity, id) order, so a Result's findings are the fired
ones among the first slots, in their order, and returns the
:class:`result.Result` of that list; the batch one records the ids of the
rules that fire in a list (``out.append('rule-id')``, a call the
interpreter specialises: a third of the cost of storing the id in a dict),
in the order the code decided them (each rule is decided once), and returns
them as a tuple.  The source is deterministic and compiled on first use; its
code objects can be cached (see :mod:`kb.cache`).
"""
from __future__ import annotations

import linecache
import marshal
import re
import sys
import threading
from collections import Counter
from functools import partial
from itertools import compress, repeat
from operator import itemgetter
from types import CodeType
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, Union, cast

from ..kb.conditions import MISSING, All, Any_, Exists, Node, Not, Test
from . import evaluate as evaluating
from .collector import paused_collector
from .finding import Finding
from .result import Result
from .tables import PlanTables

if TYPE_CHECKING:  # annotations only
    from ..kb.load import Rule

#: The generated drivers: facts -> the full variant's Result, or the batch variant's ids of the rules that
#: fired (see the module's docstring).
Evaluate = Callable[[Mapping[str, object]], Result]
Fire = Callable[[Mapping[str, object]], tuple[str, ...]]
Runner = Union[Evaluate, Fire]

#: Rules per generated function (a group of rules sharing a test is never cut): the locals are the facts
#: only, and a compiler working function by function keeps its memory small.
GROUP = 1000

#: Operators written inline, as Python's own comparison.
_INLINE = {"equals": "==", "not_equals": "!=", "in": "in", "not_in": "not in",
           "less": "<", "greater": ">", "less_or_equal": "<=", "greater_or_equal": ">="}
#: The comparison that is true exactly when the inline one is false (on present values).
_OPPOSITE = {"==": "!=", "!=": "==", "in": "not in", "not in": "in", "<": ">=", ">": "<=", "<=": ">", ">=": "<"}
_LITERALS = (bool, int, str)


def _identifier(prefix: str, name: str, taken: set[str]) -> str:
    base = prefix + re.sub(r"\W", "_", name)
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}_{n}"
    taken.add(ident)
    return ident


class _Expr:
    """One node written three ways: ``plain`` (every fact it tests present; None when the node is not
    inlined), ``true``/``false`` (certainly true / certainly false, any fact possibly missing)."""

    __slots__ = ("plain", "true", "false")

    def __init__(self, plain: str | None, true: str, false: str) -> None:
        self.plain, self.true, self.false = plain, true, false


class _Conjunct(NamedTuple):
    """One test of a rule's conjunction (its whole condition when that is not an `all`)."""

    key: str | None  # the text of a test rules can share under one `if` (None: not shared)
    expr: _Expr
    unknown: tuple[str, ...]  # fact locals whose absence can leave it undecided
    reads: tuple[str, ...]  # every fact local it reads
    simple: bool  # one comparison of one fact: never certainly false while that fact is missing
    derivable: bool  # it reads a fact some rule derives (usually absent: decides an `all` early)


class _Item(NamedTuple):
    """A rule on its way into the layout: the conjuncts not yet tested by the `if`s around it."""

    rule: Rule
    slot: int
    conjuncts: tuple[_Conjunct, ...]
    keys: tuple[str, ...]  # the shared tests among them, in the conjuncts' order

    @classmethod
    def of(cls, rule: Rule, slot: int, conjuncts: tuple[_Conjunct, ...]) -> _Item:
        # A tuple, not a set: the layout breaks ties by the order it meets the keys in, and a set's
        # order of strings changes with each process's hash seed (the source would too).
        return cls(rule, slot, conjuncts, tuple(dict.fromkeys(c.key for c in conjuncts if c.key)))

    def without(self, key: str) -> _Item:
        return _Item.of(self.rule, self.slot, tuple(c for c in self.conjuncts if c.key != key))


class _Group(NamedTuple):
    """Rules sharing a test: written under one ``if``, so a failed test skips them all."""

    test: _Conjunct
    members: tuple[_Item, ...]  # the rules, without the shared test
    blocks: tuple[Block, ...]  # their own layout (groups and single rules)


#: A unit of the layout: rules sharing a test, or one rule.
Block = Union[_Group, _Item]
#: What a generated function is written from: blocks, and rules written on their own (a writer call).
Unit = Union[Block, Callable[["_Writer"], list[str]]]

#: Derived facts read below which they are simply looked up (see ``_Writer.reads``).
_FEW = 8

#: Rules from which the full variant tests once whether some given fact is missing (``gaps``; see
#: ``_Writer.leaf``): below, that test costs about what it saves.
_GAPS = 50

#: How deep shared tests nest (each level one indentation of the generated code).
_DEPTH = 6


def _layout(items: list[_Item], depth: int = 0) -> list[Block]:
    """Groups and single rules, in the order they are written.

    Greedy: the test shared by the most rules becomes an ``if`` over them, then the next among the
    rules left, and so on; inside a group the same is done on what its rules have left to test.
    Any order is valid within one level (no rule reads what another of its level derives)."""
    if depth >= _DEPTH or len(items) < 2:
        return list(items)
    counts: Counter[str] = Counter(key for item in items for key in item.keys)
    holders: dict[str, list[int]] = {}  # shared test -> positions of the items making it
    for position, item in enumerate(items):
        for key in item.keys:
            holders.setdefault(key, []).append(position)
    placed = bytearray(len(items))
    blocks: list[Block] = []
    while counts:
        key, count = max(counts.items(), key=itemgetter(1))
        if count < 2:
            break
        taken = [items[position] for position in holders[key] if not placed[position]]
        for position in holders[key]:
            placed[position] = 1
        for item in taken:
            for other in item.keys:
                counts[other] -= 1
                if not counts[other]:
                    del counts[other]
        test = next(c for c in taken[0].conjuncts if c.key == key)
        members = tuple(item.without(key) for item in taken)
        blocks.append(_Group(test, members, tuple(_layout(list(members), depth + 1))))
    remaining = [item for position, item in enumerate(items) if not placed[position]]
    return [*blocks, *remaining]


def inlined(node: Node) -> bool:
    """Whether the writer writes the node as Python (else the generated code calls its ``evaluate``):
    the same cases as ``_Writer.node``."""
    if type(node) is Exists or (type(node) is Test and not node.refs):
        return True
    if isinstance(node, (All, Any_)):
        return bool(node.children) and all(map(inlined, node.children))
    if isinstance(node, Not):
        return inlined(node.child)
    return False


def deferred(rule: Rule) -> bool:
    """Whether the full variant leaves the rule's "undecided" to the Result (see ``result.Result``): a
    finding laid out by the writer (an inlined condition, nothing derived when false).  The code then
    records only that it fired; a finding that did not is settled -- False, or None when undecided --
    by its condition's own ``evaluate`` when its outcome is read (most Results never ask: a batch
    reads what fired).  The derivations keep their "undecided" in the code: their outcomes are read
    in bulk, and no Result reads them by a finding's path."""
    return rule.is_finding and not rule.derives_when_false and inlined(rule.condition)


def _levels(rules: tuple[Rule, ...]) -> list[list[Rule]]:
    """The rules by level: a rule one level after every rule deriving a fact it reads."""
    derivers: dict[str, list[int]] = {}
    level: dict[int, int] = {}
    for number, rule in enumerate(rules):  # evaluation order: derivers come first
        level[number] = max((level[d] + 1 for name in rule.reads for d in derivers.get(name, ())), default=0)
        for name, _ in (*rule.derives, *rule.derives_when_false):
            derivers.setdefault(name, []).append(number)
    by_level: list[list[Rule]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for number, rule in enumerate(rules):
        by_level[level[number]].append(rule)
    return by_level


class _Writer:
    """Writes the source of the functions; holds the names shared by all of them."""

    def __init__(self, fired: bool, pure: bool = False) -> None:
        self.fired = fired  # the batch variant: `out` is the list of the fired ids; else the list of slots
        # Every condition inlined: nothing reads `known` after the driver, so the batch variant does
        # not write derived facts into it (and `fired` need not copy the caller's facts).
        self.pure = pure
        # The full variant of a large knowledge base: `gaps` (some fact no rule derives is missing) is
        # worked out once, and a rule that reads only such facts is not checked for undecided without it.
        self.gaps = False
        self.gaps_used = False  # by the function being written
        self.constants: dict[str, object] = {}  # name in the functions' globals -> value
        self._constant_names: dict[int | tuple[int, object], str] = {}  # identity key -> name: one per object
        self.fact_names: dict[str, str] = {}  # fact -> local name (the same in every function)
        self._taken: set[str] = {"known", "derived", "out", "get", "M"}
        self._rule_names: set[str] = set()
        self.read: set[str] = set()  # fact locals the function being written uses
        self.derivable: set[str] = set()  # locals of the facts some rule derives
        self.derived_here: set[str] = set()  # facts the rules of the function being written derive
        self._conjuncts: dict[tuple[object, ...], _Conjunct] = {}  # a test's conjunct, by what it tests (see conjunct)
        self.passed: list[str] = []  # fact locals the last function written takes as arguments
        self.returned: list[str] = []  # and those it gives back (the facts it derives)

    def constant(self, value: object) -> str:
        if type(value) in _LITERALS or value is None:
            return repr(value)
        if type(value) is frozenset and all(type(v) in _LITERALS for v in value):
            # a set display after `in` compiles to a frozenset constant of the code object
            return "{" + ", ".join(repr(v) for v in sorted(value, key=repr)) + "}" if value else "frozenset()"
        if type(value) is tuple and all(type(v) is tuple and all(type(w) is str for w in v) for v in value):
            return repr(value)
        # A bound method is a new object at each access: the same method of the same node is one constant.
        key = (id(value.__self__), value.__func__) if hasattr(value, "__self__") and hasattr(value, "__func__") \
            else id(value)
        name = self._constant_names.get(key)
        if name is None:
            name = self._constant_names[key] = f"k{len(self.constants)}"
            self.constants[name] = value
        return name

    def reads(self, locals_: list[str], by_local: dict[str, str]) -> list[str]:
        """The statements reading facts into their locals.  Derived facts are seldom given: when none of
        them is (one test over the given facts), they are all set to MISSING at once instead of being
        looked up -- hundreds of them in a large knowledge base."""
        derivable = [var for var in locals_ if var in self.derivable]
        if len(derivable) < _FEW:
            derivable = []
        base = [var for var in locals_ if var not in derivable]
        lines = self._lookup(base, by_local, "    ")
        if derivable:
            name = f"k{len(self.constants)}"
            self.constants[name] = frozenset(by_local[var] for var in derivable)
            lines += [f"    if {name}.isdisjoint(known):", f"        {' = '.join(derivable)} = M", "    else:"]
            lines += self._lookup(derivable, by_local, "        ")
        return lines

    def _lookup(self, locals_: list[str], by_local: dict[str, str], pad: str) -> list[str]:
        # One `get` each: unpacking a `map` of them over the names was slower.
        return [f"{pad}{var} = get({by_local[var]!r}, M)" for var in locals_]

    def fact(self, name: str) -> str:
        if name not in self.fact_names:
            self.fact_names[name] = _identifier("f_", name, self._taken)
        local = self.fact_names[name]
        self.read.add(local)
        return local

    # ------------------------------------------------------------------ nodes

    def node(self, node: Node, tested: set[str]) -> _Expr | None:
        """The node's expressions, adding to ``tested`` the locals whose absence the plain form cannot take;
        None when some part is not inlined (the rule is then evaluated by its nodes)."""
        if type(node) is Exists:
            var = self.fact(node.fact)
            present = f"({var} is not M)"
            absent = f"({var} is M)"
            true, false = (present, absent) if node.expected else (absent, present)
            return _Expr(true, true, false)
        if type(node) is Test and not node.refs:
            return self.test(node, tested)
        if isinstance(node, (All, Any_)) and node.children:
            seen: list[set[str]] = [set() for _ in node.children]
            written = [self.node(child, reads) for child, reads in zip(node.children, seen)]
            parts = [part for part in written if part is not None]
            if len(parts) != len(written):
                return None
            for reads in seen:
                tested |= reads
            # A derived fact is usually absent (its rule did not fire): a test on one decides an `all` at
            # once and an `any` seldom, so it goes first in an `all` and last in an `any` (the order of
            # the parts changes nothing else: they are pure tests).
            first = isinstance(node, All)
            order = sorted(range(len(parts)), key=lambda i: (bool(seen[i] & self.derivable)) is not first)
            parts = [parts[i] for i in order]
            conj, disj = " and ", " or "
            join, other = (conj, disj) if first else (disj, conj)
            return _Expr("(" + join.join(str(p.plain) for p in parts) + ")",
                         "(" + join.join(p.true for p in parts) + ")",
                         "(" + other.join(p.false for p in parts) + ")")
        if isinstance(node, Not):
            child = self.node(node.child, tested)
            if child is None:
                return None
            return _Expr(f"(not {child.plain})", child.false, child.true)
        return None

    def test(self, node: Test, tested: set[str]) -> _Expr:
        var = self.fact(node.fact)
        tested.add(var)
        guard = f"{var} is not M and "
        expected = node.expected
        if node.op == "equals" and type(expected) is bool:
            # A bool fact holds True or False (the catalogue's coercion), so identity is equality;
            # and MISSING is neither, so no guard is needed either way.
            return _Expr(f"({var} is {expected})", f"({var} is {expected})", f"({var} is {not expected})")
        if node.op in _INLINE:
            op = _INLINE[node.op]
            value = self.constant(expected)
            plain, opposite = f"({var} {op} {value})", f"({var} {_OPPOSITE[op]} {value})"
            # MISSING equals nothing and is in no set: `==` and `in` need no guard to be "certainly true".
            true = plain if op in ("==", "in") else f"({guard}{plain[1:-1]})"
            false = opposite if op in ("!=", "not in") else f"({guard}{opposite[1:-1]})"
            return _Expr(plain, true, false)
        call = f"{self.constant(node.fn)}({var}, {self.constant(expected)})"
        return _Expr(call, f"({guard}{call})", f"({guard}not {call})")

    def conjunct(self, node: Node) -> _Conjunct | None:
        if type(node) is Test and not node.refs:  # most conjuncts: one comparison of one fact, said directly
            # The same test recurs across rules (a workload of 5,000 rules makes 12,000 of them out of a
            # few hundred): written once, a tenth of writing the code (see Test.key; an operand that cannot
            # be hashed is written each time).
            key = node.key()
            found = self._conjuncts.get(key) if key is not None else None
            if found is not None:
                return found
            tested: set[str] = set()
            expr = self.test(node, tested)
            (var,) = tested
            # Shared only where the test cannot raise (identity, equality to a literal): a test that fails
            # on a bad value stays on its rule's own line, which the traceback then shows.
            shared = node.op == "equals" and (type(node.expected) in _LITERALS or node.expected is None)
            made = _Conjunct(expr.true if shared else None, expr, (var,), (var,), True, var in self.derivable)
            if key is not None:
                self._conjuncts[key] = made
            return made
        if type(node) is Exists:  # always decided, always shared
            written = self.node(node, set())
            var = self.fact(node.fact)
            if written is not None:  # (an `exists` is always written)
                return _Conjunct(written.true, written, (), (var,), False, var in self.derivable)
        # Any other inlined node (an `any`, a `not`): never shared, and not one comparison.
        tested = set()
        written = self.node(node, tested)
        if written is None:
            return None
        reads = tuple(sorted({self.fact(name) for name in node.facts()}))
        return _Conjunct(None, written, tuple(sorted(tested)), reads, False, bool(set(reads) & self.derivable))

    # ------------------------------------------------------------------ rules

    def item(self, rule: Rule, slot: int) -> _Item | None:
        """The rule as conjuncts to lay out, or None when it is written on its own (not an inlined
        conjunction, or it derives something when false)."""
        if rule.derives_when_false:
            return None
        node = rule.condition
        children = node.children if type(node) is All else (node,)
        if not children:
            return None
        conjuncts = [self.conjunct(child) for child in children]
        if any(c is None for c in conjuncts):
            return None
        # a test on a derived fact first: it is usually absent, which decides the conjunction at once
        ordered = sorted((c for c in conjuncts if c is not None), key=lambda c: not c.derivable)
        return _Item.of(rule, slot, tuple(ordered))

    def mark(self, item: _Item, value: str) -> str:
        """The statement recording a rule's outcome (True fired, None undecided): it names the rule."""
        rule = item.rule
        if self.fired:
            return f"out.append({rule.id!r})"  # only what fired is recorded (value is True)
        return f"out[{item.slot}] = {value}  # {rule.id}"

    def derive(self, rule: Rule, pairs: tuple[tuple[str, object], ...], pad: str) -> list[str]:
        lines = []
        for name, value in pairs:
            var = self.fact(name)
            lines.append(f"{pad}if {var} is M:")
            if self.fired and self.pure:
                lines.append(f"{pad}    {var} = {self.constant(value)}")
            else:
                lines.append(f"{pad}    {var} = known[{name!r}] = {self.constant(value)}")
            if not self.fired:
                lines.append(f"{pad}    derived[{name!r}] = {rule.id!r}")
        return lines

    def fires(self, item: _Item, pad: str) -> list[str]:
        """The lines of a rule that certainly fired."""
        return [pad + self.mark(item, "True")] + self.derive(item.rule, item.rule.derives, pad)

    def leaf(self, item: _Item, pad: str) -> list[str]:
        """A laid-out rule: its remaining conjuncts, all certainly true for it to fire."""
        rule = item.rule
        lines = [f"{pad}# {rule.id} ({rule.location})"]
        for conjunct in item.conjuncts:
            self.read.update(conjunct.reads)
        if not item.conjuncts:  # every test of the rule is one of the `if`s around it
            return lines + self.fires(item, pad)
        true = " and ".join(c.expr.true for c in item.conjuncts)
        body = self.fires(item, pad + "    ")
        if len(body) == 1:
            lines.append(f"{pad}if {true}: {body[0].strip()}")
        else:
            lines += [f"{pad}if {true}:  # {rule.id}"] + body
        if self.fired or rule.is_finding:  # only what fired; a finding's undecided is deferred (see deferred)
            return lines
        unknown = sorted({var for c in item.conjuncts for var in c.unknown})
        if len(item.conjuncts) == 1 and item.conjuncts[0].simple:
            # one comparison, not certainly true: undecided exactly when its fact is missing
            lines.append(f"{pad}elif {unknown[0]} is M: {self.mark(item, 'None')}")
        elif unknown:
            # Not certainly true: undecided unless a test is certainly false.  That test comes first, not
            # a check for a missing fact: with every fact present it stops at the test that failed.  And
            # when every fact the rule may miss is one no rule derives, it can only be undecided with a
            # gap in the given facts -- most evaluations have none, and skip the tests with one look.
            false = " or ".join(c.expr.false for c in item.conjuncts)
            guard = ""
            if self.gaps and self.derivable.isdisjoint(unknown):
                guard, self.gaps_used = "gaps and ", True
            lines.append(f"{pad}elif {guard}not ({false}): {self.mark(item, 'None')}")
        return lines

    def group(self, group: _Group, pad: str) -> list[str]:
        self.read.update(group.test.reads)
        lines = [f"{pad}if {group.test.expr.true}:"]
        for block in group.blocks:
            lines += self.block(block, pad + "    ")
        # The findings of the group are deferred (see deferred): only its derivations are written here.
        eager = [item for item in group.members if not item.rule.is_finding]
        if not self.fired and group.test.unknown and eager:
            # The shared test undecided (its fact missing): each rule of the group is undecided, unless
            # one of its other tests is certainly false.
            lines.append(f"{pad}elif {' or '.join(f'{var} is M' for var in group.test.unknown)}:")
            for item in eager:
                mark = self.mark(item, "None")
                if item.conjuncts:
                    false = " or ".join(c.expr.false for c in item.conjuncts)
                    lines.append(f"{pad}    if not ({false}): {mark}")
                else:
                    lines.append(f"{pad}    {mark}")
        return lines

    def block(self, block: Block, pad: str) -> list[str]:
        return self.group(block, pad) if isinstance(block, _Group) else self.leaf(block, pad)

    def alone(self, rule: Rule, slot: int, pad: str) -> list[str]:
        """A rule written on its own: any condition, derivations when true and when false."""
        item = _Item.of(rule, slot, ())
        lines = [f"{pad}# {rule.id} ({rule.location})"]
        tested: set[str] = set()
        expr = self.node(rule.condition, tested)
        inner = pad + "    "
        if expr is None:  # evaluated by its nodes: the local names the rule in a traceback
            local = _identifier("r_", rule.id, self._rule_names)
            lines.append(f"{pad}{local} = {self.constant(rule.condition.evaluate)}(known)")
            lines.append(f"{pad}if {local} is True:")
            lines += self.fires(item, inner)
            if rule.derives_when_false:
                lines.append(f"{pad}elif {local} is False:")
                lines += self.derive(rule, rule.derives_when_false, inner)
            if not self.fired:
                lines.append(f"{pad}elif {local} is None: {self.mark(item, 'None')}")
            return lines
        lines.append(f"{pad}if {expr.true}:  # {rule.id}")
        lines += self.fires(item, inner)
        if rule.derives_when_false:
            lines.append(f"{pad}elif {expr.false}:")
            lines += self.derive(rule, rule.derives_when_false, inner)
            if not self.fired and tested:  # neither certainly true nor certainly false
                lines.append(f"{pad}else: {self.mark(item, 'None')}")
        elif not self.fired and tested:
            absent = " or ".join(f"{var} is M" for var in sorted(tested))
            lines.append(f"{pad}elif ({absent}) and not {expr.false}: {self.mark(item, 'None')}")
        return lines

    def shared(self) -> list[str]:
        """What every function of the variant works on: the facts known so far, what it records."""
        return ["known", "out"] if self.fired else ["known", "derived", "out", *(["gaps"] if self.gaps else [])]

    def gaps_line(self, locals_: list[str]) -> str:
        """``gaps``: some fact no rule derives, among those read, is missing."""
        given = [var for var in locals_ if var not in self.derivable]
        return "    gaps = " + (" or ".join(f"{var} is M" for var in given) or "False")

    def start(self) -> list[str]:
        """The driver's first lines: the facts it works on (the caller's own when nothing writes them)."""
        if self.fired:
            return ["    known = facts"] if self.pure else ["    known = dict(facts)"]
        return ["    known = dict(facts)", "    derived = {}"]

    def finish(self) -> str:
        """The driver's answer: the ids that fired, or the Result of the plan ``P`` (see :func:`build`)."""
        return "    return tuple(out)" if self.fired else "    return Result(P, known, derived, out)"

    def function(self, name: str, blocks: list[Unit], first: str, last: str, size: int, alone: bool) -> str:
        """One function over some blocks.  ``alone`` (the only function): it reads its facts from ``known``,
        makes ``out`` and returns it; otherwise the driver passes ``out`` and every fact the function
        uses, and gets back the new values of the facts it derives, so no fact is read from the dict
        twice."""
        self.read = set()
        self.gaps_used = False
        body: list[str] = []
        for block in blocks:
            body += block(self) if callable(block) else self.block(block, "    ")
        by_local = {local: fact for fact, local in self.fact_names.items()}
        used = sorted(self.read)
        doc = f'    """Rules {first} to {last}."""' if first != last else f'    """Rule {first}."""'
        make = "    out = []" if self.fired else f"    out = [False] * {size}"
        if alone:
            head = [f"def {name}(facts, M=M):", doc, *self.start()]
            if used:
                head.append("    get = known.get")
                head += self.reads(used, by_local)
            if self.gaps_used:
                head.append(self.gaps_line(used))
            self.passed, self.returned = [], []
            return "\n".join(head + [make] + body + [self.finish()]) + "\n"
        self.passed = used
        self.returned = sorted(self.fact(n) for n in self.derived_here)
        head = [f"def {name}({', '.join([*self.shared(), *used, 'M=M'])}):", doc]
        tail = [f"    return ({', '.join(self.returned)},)" if self.returned else "    return ()"]
        return "\n".join(head + body + tail) + "\n"


class Source(NamedTuple):
    """The generated source of one variant: its functions and the driver that calls them."""

    groups: tuple[str, ...]
    driver: str


def slots(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules in the order of the full variant's outcomes: findings by (severity, id), then the rest
    by id -- so the findings of a result are the fired ones among the first slots, in their order."""
    from ..kb.load import SEVERITY_RANK

    findings = sorted((r for r in rules if r.is_finding), key=lambda r: (SEVERITY_RANK[r.severity], r.id))
    return (*findings, *sorted((r for r in rules if not r.is_finding), key=lambda r: r.id))


def generate(rules: tuple[Rule, ...], fired: bool = False,
             known: Orders | None = None) -> tuple[Source, dict[str, object]]:
    """The source of ``run(facts)`` for rules in evaluation order -- the full variant, which returns the
    Result of the outcome of every rule by slot (True, False or None), or, with ``fired``, the batch
    variant, which returns the ids of the rules that fired, in the order they were decided -- and the
    constants its globals need (the marker of a missing fact ``M``, ``Result`` and the plan ``P`` are
    added by :func:`build`).  ``known``: the rules' :class:`Orders`, when worked out already (a plan's)."""
    # The slots and whether every condition is inlined, as the plan's orders say (else worked out).
    made = known or orders(rules, {})
    writer = _Writer(fired, made.pure)
    writer.derivable = {writer.fact(name) for rule in rules for name, _ in (*rule.derives, *rule.derives_when_false)}
    writer.gaps = not fired and len(rules) >= _GAPS
    slot = dict(zip(made.ids, range(len(made.ids))))
    # Level by level; in a level, the rules written as conjunctions are laid out to share their tests,
    # the others written one by one.  Units of the functions: (block, its rules).
    units: list[tuple[Unit, tuple[Rule, ...]]] = []
    for level in _levels(rules):
        items: list[_Item] = []
        single: list[Rule] = []
        for rule in level:
            item = writer.item(rule, slot[rule.id])
            (items.append(item) if item is not None else single.append(rule))
        for rule in single:
            units.append((partial(_Writer.alone, rule=rule, slot=slot[rule.id], pad="    "), (rule,)))
        for block in _layout(items):
            units.append((block, tuple(_rules_of(block))))
    prefix = "fired" if fired else "rules"
    # Functions of at most GROUP rules (a group is never cut): small frames, and a compiler working
    # function by function keeps its memory small.
    chunks: list[list[tuple[Unit, tuple[Rule, ...]]]] = [[]]
    count = 0
    for unit in units:
        if count and count + len(unit[1]) > GROUP:
            chunks.append([])
            count = 0
        chunks[-1].append(unit)
        count += len(unit[1])
    size = len(rules)
    if len(chunks) == 1:  # one function: it is the driver, reading its facts itself
        blocks = [block for block, _ in chunks[0]]
        every = [rule for _, of in chunks[0] for rule in of]
        writer.derived_here = set()
        text = writer.function(f"{prefix}_0", blocks, every[0].id if every else "", every[-1].id if every else "",
                               size, True) if every else \
            f"def {prefix}_0(facts, M=M):\n    return ()\n" if fired else \
            f"def {prefix}_0(facts, M=M):\n    return Result(P, dict(facts), {{}}, [])\n"
        return Source((text,), f"run = {prefix}_0\n"), writer.constants
    functions, calls = [], []
    for number, chunk in enumerate(chunks):
        name = f"{prefix}_{number}"
        every = [rule for _, of in chunk for rule in of]
        writer.derived_here = {n for r in every for n, _ in (*r.derives, *r.derives_when_false)}
        functions.append(writer.function(name, [block for block, _ in chunk], every[0].id, every[-1].id, size,
                                         False))
        call = f"{name}({', '.join([*writer.shared(), *writer.passed])})"
        calls.append(f"    {', '.join(writer.returned)}, = {call}" if writer.returned else f"    {call}")
    by_local = {local: fact for fact, local in writer.fact_names.items()}
    # The functions are the driver's defaults, not globals it looks up: ``build`` leaves no function in
    # the namespace they share (a function in its own globals is a reference cycle).
    groups = ", ".join(f"{prefix}_{number}={prefix}_{number}" for number in range(len(chunks)))
    driver = [f"def run(facts, M=M, {groups}):", *writer.start(), "    get = known.get"]
    driver += writer.reads(sorted(by_local), by_local)
    if writer.gaps:
        driver.append(writer.gaps_line(sorted(by_local)))
    driver.append("    out = []" if fired else f"    out = [False] * {size}")
    driver += calls
    driver.append(writer.finish())
    return Source(tuple(functions), "\n".join(driver) + "\n"), writer.constants


def _rules_of(block: Block) -> list[Rule]:
    if isinstance(block, _Group):
        return [item.rule for item in block.members]
    return [block.rule]


def _compile(source: Source, name: str) -> tuple[CodeType, ...]:
    texts = (*source.groups, source.driver)
    return tuple(compile(text, f"<diagnostica {name} {i}>", "exec") for i, text in enumerate(texts))


def build(codes: tuple[CodeType, ...], source: Source | None, constants: dict[str, object],
          tables: PlanTables) -> Runner:
    """``run(facts)`` from the code objects of a variant (its groups, then its driver); ``tables`` are the
    ``P`` its Results refer to (not the plan, which holds the driver: see :mod:`tables`)."""
    # The builtins the drivers call, and nothing else (the source is ours, but a rule id or a value
    # never reaches a name the code could call by accident).
    namespace: dict[str, object] = {"M": MISSING, "P": tables, "Result": Result, "dict": dict, "tuple": tuple,
                                 "__builtins__": {}, **constants}
    texts = (*source.groups, source.driver) if source is not None else ()
    for index, code in enumerate(codes):
        if texts:  # tracebacks show the generated line (as dataclasses' own generated code does)
            lines = texts[index].splitlines(True)
            linecache.cache[code.co_filename] = (len(texts[index]), None, lines, code.co_filename)
        exec(code, namespace)  # noqa: S102 - source generated above from a validated knowledge base
    driver = namespace["run"]  # the driver the generated source defines
    # The functions the code defined leave their namespace (the driver holds the others as defaults):
    # a function kept in its own globals is a reference cycle, and this one would hold the whole
    # knowledge base (through ``P``) until a full collection, long after it was dropped.
    for name in [name for name, value in namespace.items() if getattr(value, "__globals__", None) is namespace]:
        del namespace[name]
    return cast(Runner, driver)


#: What the cache keeps of a variant: its marshalled code (None: made again on use) and its constants.
State = tuple["tuple[bytes, ...] | None", "dict[str, object] | None"]


class _Variant:
    """One generated variant: its source until compiled, its code (or the cache's marshalled bytes of it,
    read on first use: a warm load does not pay for code it may never run)."""

    __slots__ = ("name", "rules", "source", "constants", "codes", "blobs", "function")

    def __init__(self, name: str, rules: tuple[Rule, ...], constants: dict[str, object] | None,
                 blobs: tuple[bytes, ...] | None) -> None:
        self.name, self.rules, self.constants, self.blobs = name, rules, constants, blobs
        self.source: Source | None = None
        self.codes: tuple[CodeType, ...] | None = None
        self.function: Runner | None = None

    def compiled(self, known: Orders | None = None) -> tuple[CodeType, ...]:
        if self.codes is None:
            if self.blobs is not None:
                self.codes = tuple(marshal.loads(blob) for blob in self.blobs)
                self.blobs = None
            else:
                if self.source is None:
                    self.source, self.constants = generate(self.rules, self.name == "fired", known)
                self.codes = _compile(self.source, self.name)
        return self.codes

    def get(self, plan: Plan) -> Runner:
        if self.function is None:
            self.function = build(self.compiled(plan.orders), self.source, self.constants or {}, plan.tables)
        return self.function

    def state(self) -> State:
        """What the cache keeps: the code when compiled, else nothing (made again on use)."""
        if self.blobs is not None:
            return self.blobs, self.constants
        if self.codes is not None:
            return tuple(marshal.dumps(code) for code in self.compiled()), self.constants
        return None, None


class Orders(NamedTuple):
    """What a Result needs besides the outcomes, worked out once per knowledge base (and cached)."""

    ids: tuple[str, ...]  # every rule, in slot order (see :func:`slots`)
    severity_ids: tuple[str, ...]  # the finding rules, in (severity, id) order: the first slots
    severity_levels: tuple[str, ...]
    severity_links: tuple[tuple[tuple[str, str], ...], ...]
    by_id: tuple[int, ...]  # slots of the finding rules, in id order
    id_order: tuple[str, ...]
    caused_by: dict[str, tuple[str, ...]]  # consequence -> its causes
    pure: bool  # every condition inlined (see _Writer.pure)
    deferred: bytes  # by slot: 1 for a finding whose "undecided" the Result settles (see deferred)


def orders(rules: tuple[Rule, ...], causes: dict[str, tuple[str, ...]]) -> Orders:
    every = slots(rules)
    findings = [rule for rule in every if rule.is_finding]
    by_id = sorted(range(len(findings)), key=lambda i: findings[i].id)
    caused_by: dict[str, list[str]] = {}
    for cause, effects in causes.items():
        for effect in effects:
            caused_by.setdefault(effect, []).append(cause)
    return Orders(tuple(rule.id for rule in every), tuple(r.id for r in findings),
                  # One object per severity word (three in all), not one per rule as parsed: reading a
                  # finding's record then touches no string of its own but its id.
                  tuple(sys.intern(r.severity) for r in findings), tuple(r.links for r in findings), tuple(by_id),
                  tuple(findings[i].id for i in by_id), {effect: tuple(c) for effect, c in caused_by.items()},
                  all(inlined(rule.condition) for rule in rules), bytes(map(deferred, every)))


class Plan:
    """A knowledge base ready to evaluate: the generated functions and what results need.

    ``evaluate(facts)`` and ``fired(facts)`` are the generated drivers themselves (the knowledge base's
    methods of the same names read them through a C-level getter): one Python call per evaluation,
    which copies the facts, runs every rule and makes the Result.  Each is built when first read
    (``__getattr__``, while its slot is unset) and then sits in its slot.  Nothing here is a reference
    cycle -- not a method of the plan kept on it, and the drivers' Results hold the plan's
    :class:`tables.PlanTables`, not the plan -- so a plan that is dropped is freed at once.
    """

    __slots__ = ("rules", "orders", "tables", "pure", "evaluate", "fired", "_evaluate", "_fired", "on_compile",
                 "_building")
    evaluate: Evaluate  # unset until first read (see __getattr__)
    fired: Fire

    def __init__(self, rules: tuple[Rule, ...], causes: dict[str, tuple[str, ...]], by_id: dict[str, Rule],
                 derived_by: dict[str, tuple[str, ...]], states: tuple[State, State] | None = None,
                 known_orders: Orders | None = None) -> None:
        self.rules = rules
        variants = []
        for name, state in zip(("rules", "fired"), states or ((None, None), (None, None))):
            blobs, constants = state
            variants.append(_Variant(name, rules, constants, blobs))
        self._evaluate, self._fired = variants
        self.orders = made = known_orders or orders(rules, causes)
        # The batch variant leaves the facts alone when every condition is inlined (see _Writer.pure).
        self.pure = made.pure
        self.tables = PlanTables(
            by_id=by_id, derived_by=derived_by, causes=causes,  # the knowledge base's own dicts
            caused_by=made.caused_by,
            index=dict(zip(made.ids, range(len(made.ids)))),  # rule id -> its slot
            # Each finding rule's record, the one every Result in which it fires lists (see finding.Finding)
            severity_rules=tuple(map(Finding, made.severity_ids, made.severity_levels, repeat(()),
                                     made.severity_links)),
            linked=frozenset(causes) | frozenset(made.caused_by),
            id_order=made.id_order, ids=made.ids,
            id_pick=_picker(made.by_id),  # itemgetter picks outcomes in a given order, in C
            # The findings the Result settles when their outcome is read (see deferred), by slot and as a list.
            deferred=made.deferred, deferred_slots=tuple(compress(range(len(made.deferred)), made.deferred)))
        # Told the plan each time a variant is compiled from its source (``run.load`` stores the code
        # in the cache then, so that a warm load does not compile it again); never pickled.
        self.on_compile: Callable[[Plan], None] | None = None
        # Held while a variant's driver is built and its cache entry stored (see ``runner``); the plan's
        # own, so a first read of another knowledge base never waits for this one's build.
        self._building = threading.RLock()

    def runner(self, fired: bool) -> Runner:
        """The generated driver of a variant, built now if it was not (and ``on_compile`` told)."""
        variant = self._fired if fired else self._evaluate
        if variant.function is not None:  # built already: every batch call (evaluate_many) comes here
            return variant.function
        # One thread builds, others wait for its driver: the first requests of a server arrive together,
        # and each would otherwise write and compile the same code (and store the cache entry again).
        with self._building:
            if variant.function is not None:
                return variant.function
            fresh = variant.codes is None and variant.blobs is None
            with paused_collector():  # the code written and compiled now outlives it, as a load's objects do
                function = variant.get(self)
            if fresh and self.on_compile is not None:  # the cache entry stored: no need to hold gc off for it
                self.on_compile(self)
        return function

    # Called only while a driver's slot is unset: its first read builds it and puts it there, so a
    # caller that keeps what it read (``evaluate = kb.evaluate``, then a loop) holds the driver itself.
    def __getattr__(self, name: str) -> Runner:
        if name == "evaluate":
            self.evaluate = cast(Evaluate, self.runner(False))  # the variant "rules" is the full one
            return self.evaluate
        if name == "fired":
            self.fired = cast(Fire, self.runner(True))  # the variant "fired" is the batch one
            return self.fired
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # See ``KnowledgeBase.evaluate_many`` and ``fired_many``.
    evaluate_many = evaluating.evaluate_many
    fired_many = evaluating.fired_many

    def source(self, fired: bool = False) -> str:
        """The generated Python source of a variant, for reading."""
        variant = self._fired if fired else self._evaluate
        if variant.source is None:
            variant.source, variant.constants = generate(self.rules, fired, self.orders)
        return "\n".join((*variant.source.groups, variant.source.driver))

    def __reduce__(self) -> tuple[type[Plan], tuple[object, ...]]:
        # Functions do not pickle; their code does (marshal), and the rest is rebuilt in microseconds.
        # A variant's code is kept when it was compiled, else made again on first use: a cold load does
        # not compile (``on_compile`` stores the code when the first evaluation compiles it).
        tables = self.tables
        return Plan, (self.rules, tables.causes, tables.by_id, tables.derived_by,
                      (self._evaluate.state(), self._fired.state()), self.orders)


def compile_rules(rules: tuple[Rule, ...], causes: dict[str, tuple[str, ...]], by_id: dict[str, Rule],
                  derived_by: dict[str, tuple[str, ...]]) -> Plan:
    """The rules (in evaluation order) ready for generated functions, written and compiled on first use."""
    return Plan(rules, causes, by_id, derived_by)


def _picker(indexes: tuple[int, ...]) -> Callable[[list[bool | None]], tuple[bool | None, ...]]:
    if not indexes:
        return lambda outs: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda outs: (outs[only],)
    return itemgetter(*indexes)
