"""Render the plain part of Jinja straight from the parse tree, without compiling it.

Compiling a template (Jinja's code generator, then Python's ``compile``)
costs a millisecond or two; a thousand-rule knowledge base has thousands of
templates, and the lint and the rule examples render each one once or a few
times.  Most rule templates are plain: text, ``{{ facts.x.y }}``,
``{% if facts.x is defined and facts.x.y %}``.  This module evaluates
exactly that subset, on the tree ``env.parse`` already gave, with Jinja's own
semantics (sandboxed attribute lookup on dicts, ``str`` of each value,
Python truthiness, ``defined``/``undefined`` tests).

It never decides a failure: anything outside the subset -- a filter, a loop,
a macro, a call, an attribute that is not a plain dict key, an undefined
value used for anything but ``is defined`` -- raises :class:`NotPlain`, and
the caller renders the template with Jinja as before, so every error is
still Jinja's own error, at Jinja's own line.  When it returns text, that
text is what Jinja would have produced (``tests/test_quickrender.py``
compares the two on every shipped template and on the corner cases).
"""
from __future__ import annotations

import operator
from typing import Any

from jinja2 import nodes

from ..kb.yamlload import Map, Seq, Text


class NotPlain(Exception):
    """The template (or this context) needs the real Jinja."""


class _Undefined:
    __slots__ = ()


UNDEFINED = _Undefined()

_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "gt": operator.gt,
            "lteq": operator.le, "gteq": operator.ge,
            "in": lambda a, b: a in b, "notin": lambda a, b: a not in b}
# Values whose str(), truthiness and comparisons are plain Python: what facts and data hold.
_PLAIN = frozenset((str, int, float, bool, type(None), dict, list, tuple, Map, Seq, Text))


# Python refuses code nested too deep (indentation, parentheses): Jinja would then fail
# to compile a template this module could evaluate.  Far deeper than any rule text.
MAX_DEPTH = 30


_EXPRESSIONS = (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const, nodes.Test, nodes.And, nodes.Or,
                nodes.Not, nodes.Compare, nodes.Operand)


def plain(tree: nodes.Template) -> bool:
    """Whether every node of the template, in every branch, is in the subset.

    Checked on the whole tree, not only the branches a context takes: a
    template Jinja cannot compile (an unknown filter in an ``else``, say) is
    then always left to Jinja, which reports it.
    """
    return _plain_body(tree.body, 0)


def _plain_body(body: list, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    for node in body:
        kind = type(node)
        if kind is nodes.Output:
            if not all(type(c) is nodes.TemplateData or _plain_expr(c, depth) for c in node.nodes):
                return False
        elif kind is nodes.If:
            if not (_plain_expr(node.test, depth) and _plain_body(node.body, depth + 1)
                    and all(_plain_expr(b.test, depth) and _plain_body(b.body, depth + 1) for b in node.elif_)
                    and _plain_body(node.else_, depth + 1)):
                return False
        else:
            return False
    return True


def _plain_expr(node: Any, depth: int) -> bool:
    depth += 1
    kind = type(node)
    if depth > MAX_DEPTH or kind not in _EXPRESSIONS:
        return False
    if kind is nodes.Name:
        return node.ctx == "load"
    if kind is nodes.Getattr:
        return _plain_expr(node.node, depth)
    if kind is nodes.Getitem:
        return type(node.arg) is nodes.Const and isinstance(node.arg.value, str) and _plain_expr(node.node, depth)
    if kind is nodes.Const:
        return type(node.value) in _PLAIN
    if kind is nodes.Test:
        return (node.name in ("defined", "undefined") and not (node.args or node.kwargs or node.dyn_args
                or node.dyn_kwargs) and _plain_expr(node.node, depth))
    if kind in (nodes.And, nodes.Or):
        return _plain_expr(node.left, depth) and _plain_expr(node.right, depth)
    if kind is nodes.Not:
        return _plain_expr(node.node, depth)
    if kind is nodes.Compare:
        return _plain_expr(node.expr, depth) and all(
            type(op) is nodes.Operand and op.op in _COMPARE and _plain_expr(op.expr, depth) for op in node.ops)
    return False


def render(tree: nodes.Template, context: dict) -> str:
    """The text Jinja would render (before any strip) for a :func:`plain` tree, or :class:`NotPlain`."""
    out: list[str] = []
    _body(tree.body, context, out, 0)
    return "".join(out)


def _body(body: list, context: dict, out: list, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise NotPlain("depth")
    for node in body:
        kind = type(node)
        if kind is nodes.Output:
            for child in node.nodes:
                if type(child) is nodes.TemplateData:
                    out.append(child.data)
                else:
                    out.append(str(_defined(_expr(child, context, depth))))
        elif kind is nodes.If:
            if _truth(_expr(node.test, context, depth)):
                _body(node.body, context, out, depth + 1)
                continue
            for branch in node.elif_:
                if _truth(_expr(branch.test, context, depth)):
                    _body(branch.body, context, out, depth + 1)
                    break
            else:
                _body(node.else_, context, out, depth + 1)
        else:
            raise NotPlain(kind.__name__)


def _defined(value: Any) -> Any:
    if type(value) not in _PLAIN:  # UNDEFINED too
        raise NotPlain("value")
    return value


def _truth(value: Any) -> bool:
    return bool(_defined(value))


def _expr(node: Any, context: dict, depth: int) -> Any:
    depth += 1
    if depth > MAX_DEPTH:
        raise NotPlain("depth")
    kind = type(node)
    if kind is nodes.Name:
        if node.ctx != "load" or node.name not in context:
            raise NotPlain("name")  # a global (range, dict...) or undefined: Jinja's business
        return context[node.name]
    if kind is nodes.Getattr:
        return _lookup(_expr(node.node, context, depth), node.attr)
    if kind is nodes.Getitem:
        if type(node.arg) is not nodes.Const or not isinstance(node.arg.value, str):
            raise NotPlain("getitem")
        obj = _expr(node.node, context, depth)
        if type(obj) in (dict, Map) and node.arg.value in obj:
            return obj[node.arg.value]  # the sandbox's obj['key']: the key first
        return _lookup(obj, node.arg.value)
    if kind is nodes.Const:
        if type(node.value) not in _PLAIN:
            raise NotPlain("const")
        return node.value
    if kind is nodes.Test:
        if node.args or node.kwargs or node.dyn_args or node.dyn_kwargs or node.name not in ("defined", "undefined"):
            raise NotPlain("test")
        defined = _expr(node.node, context, depth) is not UNDEFINED
        return defined if node.name == "defined" else not defined
    if kind is nodes.And:  # Python's `and`/`or`: the value of the operand that decides
        left = _expr(node.left, context, depth)
        return _expr(node.right, context, depth) if _truth(left) else left
    if kind is nodes.Or:
        left = _expr(node.left, context, depth)
        return left if _truth(left) else _expr(node.right, context, depth)
    if kind is nodes.Not:
        return not _truth(_expr(node.node, context, depth))
    if kind is nodes.Compare:
        left = _defined(_expr(node.expr, context, depth))
        for op in node.ops:
            right = _defined(_expr(op.expr, context, depth))
            if op.op not in _COMPARE:
                raise NotPlain("compare")
            try:
                result = _COMPARE[op.op](left, right)
            except Exception:  # noqa: BLE001 - e.g. '<' between text and a number: Jinja reports it
                raise NotPlain("compare") from None
            if not result:
                return False
            left = right
        return True
    raise NotPlain(kind.__name__)


def _lookup(obj: Any, name: str) -> Any:
    """The sandbox's ``obj.name`` on a dict: the key, unless a dict attribute has that name."""
    if type(obj) not in (dict, Map) or hasattr(obj, name):
        raise NotPlain("attribute")  # an undefined value, a list, a method: Jinja decides
    return obj.get(name, UNDEFINED)
