"""The knowledge base compiled into Python functions: what makes evaluation fast.

The condition nodes (:mod:`kb.conditions`) define what a rule means; this
module derives Python source from them, here and nowhere else, so that one
evaluation is straight-line code instead of a walk over the nodes:

* the rules, in evaluation order (a rule after those deriving what it reads),
  are cut into groups of at most :data:`GROUP` rules, one function each
  (``rules_0``, ``rules_1``...): a small frame fits CPython's data-stack chunk,
  where one function of thousands of locals would map and unmap memory on
  every call, and compiling group by group keeps the compiler's memory small;
* every fact is read from ``known`` once, into a local named after it
  (``f_dns_mx_valid``; a missing fact is :data:`MISSING`), by a driver that
  passes each group the facts it uses and gets back those it derived (one
  group alone reads its facts itself);
* every rule's outcome is a local named after it (``r_mx_invalid``: a
  traceback names the rule and the generated line is shown), written as the
  plain boolean expression when the facts it tests are present -- Python's
  own ``and``/``or`` -- and otherwise in three-valued form: ``True`` when the
  condition is certainly true, ``False`` when certainly false, else ``None``
  (Kleene logic, as the nodes evaluate it; ``exists`` is always decided);
* a rule that comes out as its ``derives`` (or ``derives_when_false``) asks
  and whose fact is still unknown stores it in ``known`` and in the fact's
  local, so later rules see it: one pass is the fixpoint;
* a node the writer does not know (record tests, values taken from other
  facts, node types added later) is called as it is: ``node.evaluate(known)``
  is always a correct leaf, since ``known`` holds every fact derived so far.

``run(known, derived)`` returns every rule's outcome (True, False or None) in
evaluation order.  A second variant, for ``fired()``, only tells "certainly
true" (True) from the rest (False): no three-valued branch, and no guard
where a missing fact cannot make a test true.  The source is deterministic
and compiled on first use; its code objects can be cached (see :mod:`kb.cache`).
"""
from __future__ import annotations

import linecache
import marshal
import re
from itertools import compress
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from ..kb.conditions import MISSING, All, Any_, Exists, Node, Not, Test
from .evaluate import evaluate, evaluate_many

#: A generated function: (known, derived or None) -> every rule's outcome.
Runner = Callable[[dict, Any], tuple]

#: Rules per generated function: a frame of a few hundred locals.
GROUP = 200

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


class _Writer:
    """Writes the source of the groups; holds the names shared by all of them."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}  # name in the functions' globals -> value
        self._constant_names: dict[Any, str] = {}  # identity key -> name: one entry per object
        self.fact_names: dict[str, str] = {}  # fact -> local name (the same in every group)
        self._taken: set[str] = {"known", "derived", "get", "M"}
        self.read: set[str] = set()  # fact locals the group being written uses
        self.passed: list[str] = []  # fact locals the last group written takes as arguments
        self.returned: list[str] = []  # and those it gives back (the facts it derives)
        self.derivable: set[str] = set()  # locals of the facts some rule derives

    def constant(self, value: Any) -> str:
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

    # ------------------------------------------------------------------ rules

    def rule(self, rule: Any, local: str, fired: bool) -> list[str]:
        """The statements of one rule: its outcome in ``local``, then what it derives.

        ``fired``: the batch variant, where an outcome is only "certainly true" or not (True/False)."""
        tested: set[str] = set()
        expr = self.node(rule.condition, tested)
        # How "it came out true" and "it came out false" are tested afterwards, for what the rule derives.
        when_true, when_false = f"{local} is True", f"{local} is False"
        if expr is None:
            call = f"{self.constant(rule.condition.evaluate)}(known)"
            if fired and not rule.derives_when_false:
                lines = [f"    {local} = {call} is True"]
            else:
                lines = [f"    {local} = {call}"]
        elif fired:
            lines = [f"    {local} = {expr.true}"]
            when_true, when_false = local, expr.false  # "certainly false" written only where it is needed
        elif not tested:
            lines = [f"    {local} = {expr.plain}"]  # only `exists`: always decided
        else:
            present = " and ".join(f"{var} is not M" for var in sorted(tested))
            lines = [f"    if {present}:",
                     f"        {local} = {expr.plain}",
                     "    else:",
                     f"        {local} = True if {expr.true} else False if {expr.false} else None"]
        for when, pairs in ((when_true, rule.derives), (when_false, rule.derives_when_false)):
            for name, value in pairs:
                var = self.fact(name)
                lines.append(f"    if {var} is M and {when}:")
                lines.append(f"        {var} = known[{name!r}] = {self.constant(value)}")
                if not fired:
                    lines.append(f"        derived[{name!r}] = {rule.id!r}")
        return lines

    def group(self, name: str, rules: tuple, locals_: list[str], fired: bool, alone: bool) -> str:
        """One group's function.  ``alone`` (the only group): it reads its facts from ``known`` and returns
        the outcomes; otherwise the driver passes in every fact it uses and it returns the outcomes and
        the new values of the facts it derives, so no group reads a fact from the dict again."""
        body: list[str] = []
        self.read = set()
        for rule, local in zip(rules, locals_):
            body.append(f"    # {rule.id} ({rule.location})")
            body += self.rule(rule, local, fired)
        by_local = {local: fact for fact, local in self.fact_names.items()}
        used = sorted(self.read)
        outcomes = f"({', '.join(locals_)},)"
        if alone:
            head = [f"def {name}(known, derived, M=M):", f'    """Rules {rules[0].id} to {rules[-1].id}."""']
            if used:
                head.append("    get = known.get")
                head += [f"    {var} = get({by_local[var]!r}, M)" for var in used]
            self.passed, self.returned = [], []
            return "\n".join(head + body + [f"    return {outcomes}"]) + "\n"
        self.passed = used
        self.returned = sorted({self.fact(n) for r in rules for n, _ in (*r.derives, *r.derives_when_false)})
        head = [f"def {name}({', '.join(['known', 'derived', *used, 'M=M'])}):",
                f'    """Rules {rules[0].id} to {rules[-1].id}."""']
        tail = [f"    return ({', '.join([outcomes, *self.returned])},)"]
        return "\n".join(head + body + tail) + "\n"


class Source(NamedTuple):
    """The generated source of one variant: its groups' functions and the driver that calls them."""

    groups: tuple[str, ...]
    driver: str


def generate(rules: tuple, fired: bool = False) -> tuple[Source, dict[str, Any]]:
    """The source of ``run(known, derived)`` for rules in evaluation order -- or, with ``fired``, of the
    batch variant whose outcomes are only True (fired) or False -- and the constants its globals need
    (the marker of a missing fact, ``M``, is added by :func:`build`)."""
    writer = _Writer()
    writer.derivable = {writer.fact(name) for rule in rules for name, _ in (*rule.derives, *rule.derives_when_false)}
    taken: set[str] = set()
    locals_ = [_identifier("r_", rule.id, taken) for rule in rules]
    prefix = "fired" if fired else "rules"
    starts = range(0, len(rules), GROUP)
    if len(starts) <= 1:  # one group: it is the driver, reading its facts itself
        group = writer.group(f"{prefix}_0", rules, locals_, fired, True) if rules else \
            f"def {prefix}_0(known, derived, M=M):\n    return ()\n"
        return Source((group,), f"run = {prefix}_0\n"), writer.constants
    # Several groups: the driver reads every fact once and passes each group the ones it uses; a group
    # gives back the facts it may have derived, for the groups after it.
    groups, calls = [], []
    for number, start in enumerate(starts):
        name = f"{prefix}_{number}"
        groups.append(writer.group(name, rules[start:start + GROUP], locals_[start:start + GROUP], fired, False))
        targets = ", ".join([f"o{number}", *writer.returned]) + ","
        calls.append(f"    {targets} = {name}({', '.join(['known', 'derived', *writer.passed])})")
    by_local = {local: fact for fact, local in writer.fact_names.items()}
    driver = ["def run(known, derived, M=M):", "    get = known.get"]
    driver += [f"    {var} = get({by_local[var]!r}, M)" for var in sorted(by_local)]
    driver += calls
    driver.append(f"    return ({', '.join(f'*o{number}' for number in range(len(starts)))})")
    return Source(tuple(groups), "\n".join(driver) + "\n"), writer.constants


def _compile(source: Source, name: str) -> tuple:
    texts = (*source.groups, source.driver)
    return tuple(compile(text, f"<diagnostica {name} {i}>", "exec") for i, text in enumerate(texts))


def build(codes: tuple, source: Source | None, constants: dict[str, Any]) -> Runner:
    """``run(known, derived)`` from the code objects of a variant (its groups, then its driver)."""
    namespace: dict[str, Any] = {"M": MISSING, "__builtins__": {}, **constants}
    texts = (*source.groups, source.driver) if source is not None else ()
    for index, code in enumerate(codes):
        if texts:  # tracebacks show the generated line (as dataclasses' own generated code does)
            lines = texts[index].splitlines(True)
            linecache.cache[code.co_filename] = (len(texts[index]), None, lines, code.co_filename)
        exec(code, namespace)  # noqa: S102 - source generated above from a validated knowledge base
    return namespace["run"]


class _Variant:
    """One generated variant: its source until compiled, its code (or the cache's marshalled bytes of it,
    read on first use: a warm load does not pay for code it may never run), its function."""

    __slots__ = ("name", "rules", "source", "constants", "codes", "blobs", "function")

    def __init__(self, name: str, rules: tuple, constants: dict | None, blobs: tuple | None) -> None:
        self.name, self.rules, self.constants, self.blobs = name, rules, constants, blobs
        self.source: Source | None = None
        self.codes: tuple | None = None
        self.function: Runner | None = None

    def compiled(self) -> tuple:
        if self.codes is None:
            if self.blobs is not None:
                self.codes = tuple(marshal.loads(blob) for blob in self.blobs)
                self.blobs = None
            else:
                if self.source is None:
                    self.source, self.constants = generate(self.rules, fired=self.name == "fired")
                self.codes = _compile(self.source, self.name)
        return self.codes

    def get(self) -> Runner:
        if self.function is None:
            self.function = build(self.compiled(), self.source, self.constants or {})
        return self.function

    def state(self, compile_now: bool) -> tuple:
        """What the cache keeps: the code when compiled (or ``compile_now``), else nothing (made again)."""
        if self.blobs is not None:
            return self.blobs, self.constants
        if compile_now or self.codes is not None:
            return tuple(marshal.dumps(code) for code in self.compiled()), self.constants
        return None, None


class Orders(NamedTuple):
    """What a Result needs besides the outcomes, worked out once per knowledge base (and cached)."""

    ids: tuple[str, ...]  # every rule, in evaluation order
    severity: tuple[int, ...]  # positions of the finding rules, in (severity, id) order
    severity_ids: tuple[str, ...]
    severity_levels: tuple[str, ...]
    severity_links: tuple[tuple[tuple[str, str], ...], ...]
    by_id: tuple[int, ...]  # positions of the finding rules, in id order
    id_order: tuple[str, ...]
    caused_by: dict[str, tuple[str, ...]]  # consequence -> its causes


def orders(rules: tuple, causes: dict[str, tuple[str, ...]]) -> Orders:
    from ..kb.load import SEVERITY_RANK

    position = {rule.id: i for i, rule in enumerate(rules)}
    findings = [rule for rule in rules if rule.is_finding]
    by_severity = sorted(findings, key=lambda r: (SEVERITY_RANK[r.severity], r.id))
    by_id = sorted(findings, key=lambda r: r.id)
    caused_by: dict[str, list[str]] = {}
    for cause, effects in causes.items():
        for effect in effects:
            caused_by.setdefault(effect, []).append(cause)
    return Orders(tuple(rule.id for rule in rules), tuple(position[r.id] for r in by_severity),
                  tuple(r.id for r in by_severity), tuple(r.severity for r in by_severity),
                  tuple(r.links for r in by_severity), tuple(position[r.id] for r in by_id),
                  tuple(r.id for r in by_id), {effect: tuple(c) for effect, c in caused_by.items()})


class Plan:
    """A knowledge base ready to evaluate: the generated functions and the orders results need."""

    __slots__ = ("rules", "orders", "ids", "index", "severity_pick", "severity_rules", "severity_ids",
                 "severity_levels", "severity_links", "id_pick", "id_order", "caused_by", "causes", "linked",
                 "_evaluate", "_fired", "_run", "_fire")

    def __init__(self, rules: tuple, causes: dict[str, tuple[str, ...]], states: tuple | None = None,
                 known_orders: Orders | None = None) -> None:
        self.rules = rules
        self.causes = causes
        variants = []
        for name, state in zip(("rules", "fired"), states or ((None, None), (None, None))):
            blobs, constants = state
            variants.append(_Variant(name, rules, constants, blobs))
        self._evaluate, self._fired = variants
        self._run: Runner | None = None
        self._fire: Runner | None = None
        self.orders = made = known_orders or orders(rules, causes)
        self.ids = made.ids
        self.index = dict(zip(made.ids, range(len(made.ids))))
        # itemgetter picks outcomes in a given order, in C.
        self.severity_pick = _picker(made.severity)
        self.severity_ids, self.severity_levels, self.severity_links = \
            made.severity_ids, made.severity_levels, made.severity_links
        self.severity_rules = tuple(zip(made.severity_ids, made.severity_levels, made.severity_links))
        self.id_pick = _picker(made.by_id)
        self.id_order = made.id_order
        self.caused_by = made.caused_by
        self.linked = frozenset(causes) | frozenset(made.caused_by)

    @property
    def run(self) -> Runner:
        """``run(known, derived)``: every rule's outcome (True, False, None); adds derived facts to both."""
        if self._run is None:
            self._run = self._evaluate.get()
        return self._run

    @property
    def fire(self) -> Runner:
        """``fire(known, {})``: every rule's outcome as True (fired) or False; adds derived facts to ``known``."""
        if self._fire is None:
            self._fire = self._fired.get()
        return self._fire

    def fired(self, facts: dict) -> tuple[str, ...]:
        """See ``KnowledgeBase.fired``."""
        return tuple(compress(self.ids, (self._fire or self.fire)(dict(facts), None)))

    def fired_many(self, fact_sets: Iterable[dict]) -> Iterator[tuple[str, ...]]:
        """``fired`` of each fact set, one at a time (nothing is kept between them)."""
        fire, ids = self.fire, self.ids
        for facts in fact_sets:
            yield tuple(compress(ids, fire(dict(facts), None)))

    # See ``KnowledgeBase.evaluate`` and ``evaluate_many``: the functions themselves, no wrapper call.
    evaluate = staticmethod(evaluate)
    evaluate_many = staticmethod(evaluate_many)

    def source(self, fired: bool = False) -> str:
        """The generated Python source of a variant, for reading."""
        variant = self._fired if fired else self._evaluate
        if variant.source is None:
            variant.source, variant.constants = generate(self.rules, fired=fired)
        return "\n".join((*variant.source.groups, variant.source.driver))

    def __reduce__(self):
        # Functions do not pickle; their code does (marshal), and the rest is rebuilt in microseconds.
        # The full variant is always kept compiled (every command evaluates), the batch one when it was used.
        return Plan, (self.rules, self.causes, (self._evaluate.state(True), self._fired.state(False)), self.orders)


def compile_rules(rules: tuple, causes: dict[str, tuple[str, ...]]) -> Plan:
    """The rules (in evaluation order) ready for generated functions, written and compiled on first use."""
    return Plan(rules, causes)


def _picker(indexes: tuple[int, ...]) -> Callable[[tuple], tuple]:
    if not indexes:
        return lambda outs: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda outs: (outs[only],)
    return itemgetter(*indexes)
