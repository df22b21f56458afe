"""The knowledge base compiled into Python functions: what makes evaluation fast.

The condition nodes (:mod:`kb.conditions`) define what a rule means; this
module derives Python source from them, here and nowhere else, so that one
evaluation is straight-line code instead of a walk over the nodes:

* the rules, in evaluation order (a rule after those deriving what it reads),
  are cut into groups of at most :data:`GROUP` rules, one function each
  (``rules_0``, ``rules_1``...): a small frame fits CPython's data-stack chunk,
  where one function of thousands of locals would map and unmap memory on
  every call, and compiling group by group keeps the compiler's memory small;
* a group reads the facts its rules use from ``known`` once, into locals named
  after them (``f_dns_mx_valid``); a missing fact is :data:`MISSING`;
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
evaluation order.  The source is deterministic and compiled on first use,
group by group; its code objects can be cached (see :mod:`kb.cache`).
"""
from __future__ import annotations

import linecache
import marshal
import re
from itertools import compress
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from ..kb.conditions import MISSING, All, Any_, Exists, Node, Not, Test
from .evaluate import evaluate, evaluate_many

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
        kind = type(node)
        if kind is Exists:
            var = self.fact(node.fact)
            present = f"({var} is not M)"
            absent = f"({var} is M)"
            true, false = (present, absent) if node.expected else (absent, present)
            return _Expr(true, true, false)
        if kind is Test and not node.refs:
            return self.test(node, tested)
        if kind in (All, Any_) and node.children:
            parts = [self.node(child, tested) for child in node.children]
            if any(p is None for p in parts):
                return None
            conj, disj = " and ", " or "
            join, other = (conj, disj) if kind is All else (disj, conj)
            return _Expr("(" + join.join(p.plain for p in parts) + ")",
                         "(" + join.join(p.true for p in parts) + ")",
                         "(" + other.join(p.false for p in parts) + ")")
        if kind is Not:
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

    def rule(self, rule: Any, local: str) -> list[str]:
        """The statements of one rule: its outcome in ``local``, then what it derives."""
        tested: set[str] = set()
        expr = self.node(rule.condition, tested)
        if expr is None:
            lines = [f"    {local} = {self.constant(rule.condition.evaluate)}(known)"]
        elif not tested:
            lines = [f"    {local} = {expr.plain}"]  # only `exists`: always decided
        else:
            present = " and ".join(f"{var} is not M" for var in sorted(tested))
            lines = [f"    if {present}:",
                     f"        {local} = {expr.plain}",
                     "    else:",
                     f"        {local} = True if {expr.true} else False if {expr.false} else None"]
        for when, pairs in (("True", rule.derives), ("False", rule.derives_when_false)):
            for name, value in pairs:
                var = self.fact(name)
                lines += [f"    if {local} is {when} and {var} is M:",
                          f"        {var} = known[{name!r}] = {self.constant(value)}",
                          f"        derived[{name!r}] = {rule.id!r}"]
        return lines

    def group(self, name: str, rules: tuple, locals_: list[str]) -> str:
        body: list[str] = []
        self.read = set()
        for rule, local in zip(rules, locals_):
            body.append(f"    # {rule.id} ({rule.location})")
            body += self.rule(rule, local)
        by_local = {local: fact for fact, local in self.fact_names.items()}
        head = [f"def {name}(known, derived):",
                f'    """Rules {rules[0].id} to {rules[-1].id}."""',
                "    get = known.get"]
        head += [f"    {var} = get({by_local[var]!r}, M)" for var in sorted(self.read)]
        tail = [f"    return ({', '.join(locals_)},)"]
        return "\n".join(head + body + tail) + "\n"


def generate(rules: tuple) -> tuple[list[str], dict[str, Any]]:
    """The source of each group's function (``rules_0``...) for rules in evaluation order, and the
    constants their globals need (the marker of a missing fact, ``M``, is added by :func:`build`)."""
    writer = _Writer()
    taken: set[str] = set()
    locals_ = [_identifier("r_", rule.id, taken) for rule in rules]
    sources = [writer.group(f"rules_{start // GROUP}", rules[start:start + GROUP], locals_[start:start + GROUP])
               for start in range(0, len(rules), GROUP)]
    return sources, writer.constants


def _filename(rules: tuple, index: int) -> str:
    first = rules[0].location.file if rules else "rules"
    return f"<diagnostica rules {index}: {first}>"


def build(codes: list, sources: list[str] | None, constants: dict[str, Any]) -> Callable[[dict, dict], tuple]:
    """``run(known, derived)`` from the groups' code objects."""
    namespace: dict[str, Any] = {"M": MISSING, "__builtins__": {}, **constants}
    functions = []
    for index, code in enumerate(codes):
        if sources is not None:  # tracebacks show the generated line (as dataclasses' own code does)
            text = sources[index]
            linecache.cache[code.co_filename] = (len(text), None, text.splitlines(True), code.co_filename)
        exec(code, namespace)  # noqa: S102 - source generated above from a validated knowledge base
        functions.append(namespace[f"rules_{index}"])
    if len(functions) == 1:
        return functions[0]
    if not functions:
        return lambda known, derived: ()

    def run(known: dict, derived: dict) -> tuple:
        outcomes: list = []
        extend = outcomes.extend
        for function in functions:
            extend(function(known, derived))
        return tuple(outcomes)

    return run


class Plan:
    """A knowledge base ready to evaluate: the generated functions and the orders results need."""

    __slots__ = ("rules", "ids", "index", "severity_pick", "severity_rules", "id_pick", "id_order", "caused_by",
                 "causes", "linked", "_codes", "_sources", "_constants", "_run")

    def __init__(self, rules: tuple, causes: dict[str, tuple[str, ...]], codes: list | None = None,
                 constants: dict[str, Any] | None = None) -> None:
        from ..kb.load import SEVERITY_RANK

        self.rules = rules
        self.causes = causes
        if codes is None:
            self._sources, self._constants = generate(rules)
            self._codes = None  # compiled on first use
        else:
            self._sources, self._constants, self._codes = None, constants or {}, codes
        self._run = None
        self.ids = tuple(rule.id for rule in rules)
        self.index = index = {rule.id: i for i, rule in enumerate(rules)}
        findings = [rule for rule in rules if rule.is_finding]
        by_severity = sorted(findings, key=lambda r: (SEVERITY_RANK[r.severity], r.id))
        by_id = sorted(findings, key=lambda r: r.id)
        # itemgetter picks outcomes in a given order, in C.
        self.severity_pick = _picker([index[r.id] for r in by_severity])
        self.severity_rules = tuple((r.id, r.severity, r.links) for r in by_severity)
        self.id_pick = _picker([index[r.id] for r in by_id])
        self.id_order = tuple(r.id for r in by_id)
        caused_by: dict[str, list[str]] = {}
        for cause, effects in causes.items():
            for effect in effects:
                caused_by.setdefault(effect, []).append(cause)
        self.caused_by = {effect: tuple(c) for effect, c in caused_by.items()}
        self.linked = frozenset(causes) | frozenset(caused_by)

    def codes(self) -> list:
        """The groups' code objects, compiled now if they are not yet."""
        if self._codes is None:
            self._codes = [compile(source, _filename(self.rules, i), "exec") for i, source in enumerate(self._sources)]
        return self._codes

    @property
    def run(self) -> Callable[[dict, dict], tuple]:
        """``run(known, derived)``: every rule's outcome; writes derived facts into both dicts."""
        if self._run is None:
            self._run = build(self.codes(), self._sources, self._constants)
        return self._run

    def fired(self, facts: dict) -> tuple[str, ...]:
        """See ``KnowledgeBase.fired``."""
        # An outcome is exactly True, False or None: compress keeps the True ones.
        return tuple(compress(self.ids, (self._run or self.run)(dict(facts), {})))

    def fired_many(self, fact_sets: Iterable[dict]) -> Iterator[tuple[str, ...]]:
        """``fired`` of each fact set, one at a time (nothing is kept between them)."""
        run, ids = self.run, self.ids
        for facts in fact_sets:
            yield tuple(compress(ids, run(dict(facts), {})))

    # See ``KnowledgeBase.evaluate`` and ``evaluate_many``: the functions themselves, no wrapper call.
    evaluate = staticmethod(evaluate)
    evaluate_many = staticmethod(evaluate_many)

    def source(self) -> str:
        """The generated Python source, for reading (not kept after a load from the cache)."""
        return "\n".join(self._sources or ())

    def __reduce__(self):
        # Functions do not pickle; their code does (marshal), and the rest is rebuilt in microseconds.
        return _restore, (self.rules, self.causes, [marshal.dumps(code) for code in self.codes()], self._constants)


def _restore(rules: tuple, causes: dict, codes: list[bytes], constants: dict) -> Plan:
    return Plan(rules, causes, [marshal.loads(code) for code in codes], constants)


def compile_rules(rules: tuple, causes: dict[str, tuple[str, ...]]) -> Plan:
    """The rules (in evaluation order) as generated functions, compiled on first use."""
    return Plan(rules, causes)


def _picker(indexes: list[int]) -> Callable[[tuple], tuple]:
    if not indexes:
        return lambda outs: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda outs: (outs[only],)
    return itemgetter(*indexes)
