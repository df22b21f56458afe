"""The knowledge base compiled into one Python function: what makes evaluation fast.

The condition nodes (:mod:`conditions`) stay the reference semantics and
serve explanations; for evaluation, :func:`generate` turns every rule, in
dependency order, into straight-line Python source, compiled once:

* each fact is read from the dict once, into a local variable;
* there are two bodies: when every fact that no rule derives is given (the
  usual batch case), only derivable facts can be missing, so most rules are
  a plain boolean expression with no check at all (``a == 'x' and b > 10``,
  Python's own short-circuit included); a missing given fact sends the
  evaluation to the general body, where every fact may be missing;
* a rule whose facts may be missing runs as the plain expression when they
  are present, and otherwise in three-valued (Kleene) form, where a missing
  fact is ``None`` and ``False and unknown`` is still ``False`` (simplified
  at generation time when only one fact can be missing);
* for :func:`evaluate.evaluate`, the usual body also makes the records of
  the Result (findings in their order, undecided rules) where each outcome
  is a local: one test per rule, a record only for the rules that have one;
* a rule that fires and derives a fact stores it in ``known`` and in the
  fact's local, so later rules see it (one pass = the fixpoint, because
  the rules come in dependency order);
* nodes the generator does not know (record tests, ``exists``, values taken
  from other facts, node types added later) are called as they are:
  ``node.evaluate(known)`` is always a correct leaf.

The function returns every rule's outcome in evaluation order.  The source
is deterministic, so its compiled code can be cached (see :mod:`cache`).
"""
from __future__ import annotations

from itertools import compress
from typing import Any

from ..kb.conditions import All, Any_, Node, Not, Test
from .evaluate import evaluate

#: Operators written inline; every other one calls its function from operators.py.
_INLINE = {"equals": "==", "not_equals": "!=", "in": "in", "not_in": "not in",
           "less": "<", "greater": ">", "less_or_equal": "<=", "greater_or_equal": ">="}
_LITERAL_TYPES = (bool, int, str)


class _Generator:
    def __init__(self) -> None:
        self.constants: list[Any] = []  # names k0, k1... in the function's globals
        self.opaque = False
        self.fact_vars: dict[str, str] = {}
        # Variables that may hold M (missing) in the body being written; None: any of them.
        self.maybe_missing: set[str] | None = None
        self.maybe_none: set[int] = set()  # rules whose outcome may be None in the last body written

    def constant(self, value: Any) -> str:
        if type(value) in _LITERAL_TYPES:
            return repr(value)
        if type(value) is tuple and all(type(v) is tuple and all(type(w) is str for w in v) for v in value):
            return repr(value)  # links: a tuple of (kind, rule id) pairs
        if type(value) is frozenset and value and all(type(v) in _LITERAL_TYPES for v in value):
            # a set display after `in` compiles to a frozenset constant
            return "{" + ", ".join(repr(v) for v in sorted(value, key=repr)) + "}"
        for index, known in enumerate(self.constants):  # both bodies share one set of constants
            if known is value:
                return f"k{index}"
        self.constants.append(value)
        return f"k{len(self.constants) - 1}"

    def var(self, fact: str) -> str:
        if fact not in self.fact_vars:
            self.fact_vars[fact] = f"v{len(self.fact_vars)}"
        return self.fact_vars[fact]

    def missing(self, var: str) -> bool:
        return self.maybe_missing is None or var in self.maybe_missing

    # Each method returns (plain expression or None, three-valued expression, variables read that may
    # be missing).  plain is None when the node cannot be written as a plain boolean.
    def node(self, node: Node) -> tuple[str | None, str, set[str]]:
        kind = type(node)
        if kind is Test and not node.refs:
            var = self.var(node.fact)
            if node.op in _INLINE:
                plain = f"({var} {_INLINE[node.op]} {self.constant(node.expected)})"
            else:
                plain = f"{self.constant(node.fn)}({var}, {self.constant(node.expected)})"
            if not self.missing(var):
                return plain, plain, set()
            return plain, f"(None if {var} is M else {plain})", {var}
        if kind in (All, Any_) and node.children:
            parts = [self.node(child) for child in node.children]
            plain = None
            if all(p[0] is not None for p in parts):
                plain = "(" + (" and " if kind is All else " or ").join(p[0] for p in parts) + ")"
            used = set().union(*(p[2] for p in parts))
            if plain is not None and not used:
                return plain, plain, used  # nothing can be missing: two-valued is three-valued
            items = ",".join(p[1] for p in parts)
            kleene = f"{'A' if kind is All else 'O'}(({items},))"
            return plain, kleene, used
        if kind is Not:
            plain, kleene, used = self.node(node.child)
            plain = None if plain is None else f"(not {plain})"
            return plain, (plain if plain is not None and not used else f"N({kleene})"), used
        # Anything else evaluates itself: always correct, just not inlined.
        self.opaque = True
        return None, f"{self.constant(node.evaluate)}(known)", set()

    def without(self, node: Node, missing: str) -> tuple[str, str]:
        """(expression, kind) of a node when variable ``missing`` is M and every other one is present:
        kind "bool" (two-valued), "none" (always None) or "tri".  Only for nodes ``node`` wrote plain."""
        kind = type(node)
        if kind is Test:
            return ("None", "none") if self.var(node.fact) == missing else (self.node(node)[0], "bool")
        if kind is Not:
            expr, sort = self.without(node.child, missing)
            return {"bool": (f"(not {expr})", "bool"), "none": ("None", "none")}.get(sort, (f"N({expr})", "tri"))
        parts = [self.without(child, missing) for child in node.children]
        if any(sort == "tri" for _, sort in parts):
            return f"{'A' if kind is All else 'O'}(({','.join(expr for expr, _ in parts)},))", "tri"
        known = [expr for expr, sort in parts if sort == "bool"]
        if len(known) == len(parts):
            return "(" + (" and " if kind is All else " or ").join(known) + ")", "bool"
        if not known:
            return "None", "none"
        # Kleene: false and unknown is false, true or unknown is true; otherwise unknown.
        if kind is All:
            return f"(None if ({' and '.join(known)}) else False)", "tri"
        return f"(True if ({' or '.join(known)}) else None)", "tri"

    def result_tail(self, rules: tuple) -> list[str]:
        """What a Result needs, for ``run(known, derived, explainer)``: the finding records of the rules
        that fired in (severity, id) order and of the undecided ones in id order, made here where each
        outcome is a local: one test per rule, and a record only for the rules that have one."""
        from ..kb.load import SEVERITY_RANK

        findings = [(i, rule) for i, rule in enumerate(rules) if rule.is_finding]
        lines = ["    f = []", "    a = f.append"]
        for i, rule in sorted(findings, key=lambda item: (SEVERITY_RANK[item[1].severity], item[1].id)):
            record = f"({rule.id!r}, {rule.severity!r}, x, (), {self.constant(rule.links)})"
            lines.append(f"    if o{i}: a(NEW(FI, {record}))")  # an outcome is True, False or None
        lines += ["    u = []", "    a = u.append"]
        for i, rule in sorted(findings, key=lambda item: item[1].id):
            if i in self.maybe_none:
                lines.append(f"    if o{i} is None: a(NEW(UN, ({rule.id!r}, x)))")
        return lines

    def body(self, rules: tuple) -> list[str]:
        """One statement group per rule, in evaluation order: its outcome, then what it derives."""
        lines: list[str] = []
        self.maybe_none = set()  # indexes of rules whose outcome may be None in this body
        for index, rule in enumerate(rules):
            plain, kleene, used = self.node(rule.condition)
            out = f"o{index}"
            if plain is None or used:
                self.maybe_none.add(index)
            if plain is not None and not used:
                lines.append(f"    {out} = {plain}")
            elif plain is not None:
                guard = " and ".join(f"{v} is not M" for v in sorted(used))
                if len(used) == 1:  # the other branch knows which fact is missing: simplify for it
                    kleene = self.without(rule.condition, next(iter(used)))[0]
                lines.append(f"    if {guard}: {out} = {plain}\n    else: {out} = {kleene}")
            else:
                lines.append(f"    {out} = {kleene}")
            for when, pairs in (("True", rule.derives), ("False", rule.derives_when_false)):
                for name, value in pairs:
                    var = self.var(name)
                    lines.append(
                        f"    if {out} is {when} and {var} is M:\n"
                        f"        {var} = {self.constant(value)}\n"
                        f"        if derived is not None:\n"
                        f"            known[{name!r}] = {var}\n"
                        f"            derived[{name!r}] = {rule.id!r}")
        return lines


def generate(rules: tuple) -> tuple[str, list[Any], bool]:
    """Source of ``run(known, derived, explainer=None)`` for rules in evaluation order, its constants,
    and whether some node is evaluated as it is (it then reads derived facts from ``known``).

    ``run`` returns the outcomes (True, False or None) in evaluation order; given an explainer (see
    :mod:`evaluate`), ``(outcomes, findings, undecided)`` with the records of a Result, or
    ``(outcomes, None, None)`` from the general body.  With
    ``derived=None``, ``run`` does not write into ``known`` (see ``KnowledgeBase.fired``).

    Two bodies are written.  Facts a rule may derive are usually absent and the others usually all
    given, so ``run`` reads the given ones with subscripts (fast) and, when they are all there, runs
    a body that checks only derivable facts for absence: most rules become one plain boolean
    expression.  One missing fact sends the whole evaluation to ``slow``, where every fact may be
    missing and is read with ``get``.
    """
    gen = _Generator()
    derivable = {name for rule in rules for name, _ in (*rule.derives, *rule.derives_when_false)}
    slow_body = gen.body(rules)  # also names every fact's variable
    everything = dict(gen.fact_vars)
    given = [(fact, var) for fact, var in everything.items() if fact not in derivable]
    gen.maybe_missing = {var for fact, var in everything.items() if fact in derivable}
    fast_body = gen.body(rules)
    fast_tail = gen.result_tail(rules)
    outs = ", ".join(f"o{i}" for i in range(len(rules)))
    tail = [f"    t = ({outs}{',' if len(rules) == 1 else ''})", "    if x is None:", "        return t"]

    slow = ["def slow(known, derived, x):", "    g = known.get"]
    slow += [f"    {var} = g({fact!r}, M)" for fact, var in everything.items()]
    run = ["def run(known, derived, x=None):"]
    if given:
        run.append("    try:")
        run += [f"        {var} = known[{fact!r}]" for fact, var in given]
        run.append("    except KeyError:")
        run.append("        return slow(known, derived, x)")
    if len(given) < len(everything):
        run.append("    g = known.get")
        run += [f"    {var} = g({fact!r}, M)" for fact, var in everything.items() if fact in derivable]
    # The general body leaves the records to evaluate.py (no second copy of the tail: compiling a
    # large knowledge base stays quick, and the general body is the rarer one in batches).
    source = (slow + slow_body + tail + ["    return t, None, None", ""]
              + run + fast_body + tail + fast_tail + ["    return t, f, u"])
    return "\n".join(source) + "\n", gen.constants, gen.opaque


# Kleene logic over a tuple of True/False/None, for rules where a fact is missing.
def _and(values: tuple) -> bool | None:
    return False if False in values else None if None in values else True


def _or(values: tuple) -> bool | None:
    return True if True in values else None if None in values else False


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def build(code: Any, constants: list[Any]):
    """The ``run`` function from compiled code (fresh or from the cache) and its constants."""
    from ..kb.conditions import MISSING
    from .result import Finding, Undecided

    namespace: dict[str, Any] = {"M": MISSING, "A": _and, "O": _or, "N": _not,
                                "NEW": tuple.__new__, "FI": Finding, "UN": Undecided,
                                "__builtins__": {"KeyError": KeyError}}
    namespace.update((f"k{i}", value) for i, value in enumerate(constants))
    exec(code, namespace)  # noqa: S102 - source generated above from a validated knowledge base
    return namespace["run"]


def compile_rules(rules: tuple, causes: dict[str, tuple[str, ...]]) -> "Plan":
    """The rules (in evaluation order) as one generated function, compiled."""
    source, constants, opaque = generate(rules)
    return Plan(rules, causes, compile(source, "<diagnostica rules>", "exec"), constants, opaque)


class Plan:
    """A knowledge base ready to evaluate: the generated function and the orders results need."""

    __slots__ = ("run", "ids", "index", "severity_pick", "severity_rules", "id_pick", "id_order", "caused_by", "linked",
                 "opaque", "_source")

    def __init__(self, rules: tuple, causes: dict[str, tuple[str, ...]], code: Any, constants: list[Any],
                 opaque: bool = True) -> None:
        from operator import itemgetter

        from ..kb.load import SEVERITY_RANK

        self._source = (rules, causes, code, constants, opaque)
        self.opaque = opaque
        self.run = build(code, constants)
        self.ids = tuple(rule.id for rule in rules)
        self.index = index = {rule.id: i for i, rule in enumerate(rules)}
        findings = [rule for rule in rules if rule.is_finding]
        by_severity = sorted(findings, key=lambda r: (SEVERITY_RANK[r.severity], r.id))
        by_id = sorted(findings, key=lambda r: r.id)
        # itemgetter picks outcomes in a given order, in C; with one index it returns a bare value.
        self.severity_pick = _picker([index[r.id] for r in by_severity], itemgetter)
        self.severity_rules = tuple((r.id, r.severity, r.links) for r in by_severity)
        self.id_pick = _picker([index[r.id] for r in by_id], itemgetter)
        self.id_order = tuple(r.id for r in by_id)
        caused_by: dict[str, list[str]] = {}
        for cause, effects in causes.items():
            for effect in effects:
                caused_by.setdefault(effect, []).append(cause)
        self.caused_by = {effect: tuple(c) for effect, c in caused_by.items()}
        self.linked = frozenset(causes) | frozenset(caused_by)

    def fired(self, facts: dict) -> tuple[str, ...]:
        """See ``KnowledgeBase.fired``."""
        if self.opaque:  # some node reads derived facts from the dict: give it a copy to write in
            return tuple(compress(self.ids, self.run(dict(facts), {})))
        return tuple(compress(self.ids, self.run(facts, None)))

    def evaluate(self, kb: Any, facts: dict) -> Any:
        """See ``KnowledgeBase.evaluate``."""
        return evaluate(kb, facts)

    def __reduce__(self):
        # Functions do not pickle; their code does (marshal), and the rest is rebuilt in microseconds.
        import marshal

        rules, causes, code, constants, opaque = self._source
        return _restore, (rules, causes, marshal.dumps(code), constants, opaque)


def _restore(rules: tuple, causes: dict, code: bytes, constants: list, opaque: bool) -> Plan:
    import marshal

    return Plan(rules, causes, marshal.loads(code), constants, opaque)


def _picker(indexes: list[int], itemgetter: Any):
    if not indexes:
        return lambda outs: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda outs: (outs[only],)
    return itemgetter(*indexes)
