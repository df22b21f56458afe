"""Writers' regular expressions checked for the shape that makes Python's engine backtrack without end.

``matches: '^(a+)+$'`` takes exponential time on a 29-character host that
almost matches: a quantifier applied to something that itself repeats without
bound gives the engine exponentially many ways to split the text.  Such a
pattern is refused when the knowledge base loads (and so reported by ``rules
lint`` at its line); it can always be written without the nesting (``^a+$``).
The pattern is read with the parser of Python's own ``re`` module, so what is
checked is exactly what would run.
"""
from __future__ import annotations

# Python's own regular-expression parser (3.11+; typeshed describes only its deprecated
# sre_parse alias, hence the ignores).
import re._parser as _parser  # type: ignore[import-not-found]
from collections.abc import Sequence
from re._constants import BRANCH, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[import-not-found]
from typing import Any

_REPEATS = (MAX_REPEAT, MIN_REPEAT)

#: A parsed pattern as ``re._parser`` gives it: (opcode, argument) pairs, the argument's shape set by the
#: opcode (a repeat's (min, max, body), a group's (..., body), a branch's (None, bodies)): Any, as the
#: module that makes them has no types.
Parsed = Sequence[tuple[object, Any]]


def nested_quantifier(pattern: str, flags: int = 0) -> bool:
    """Whether a repetition (``*``, ``+``, ``{2,}``...) repeats a body made only of repetitions, one
    of them unbounded: ``(a+)+``, ``(a*b?)*``.  A body with a fixed part, as in the host pattern
    ``[a-z]+(\\.[a-z]+)*``, splits the text one way only and is fine."""
    return _has_nested(_parser.parse(pattern, flags))


def _has_nested(items: Parsed) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            if high > 1 and _only_repeats(sub) and _unbounded(sub):
                return True
            if _has_nested(sub):
                return True
        elif op == SUBPATTERN and _has_nested(arg[-1]):
            return True
        elif op == BRANCH and any(_has_nested(branch) for branch in arg[1]):
            return True
    return False


def _only_repeats(items: Parsed) -> bool:
    """Every part of the body may repeat or vanish: nothing fixed anchors how the text is split."""
    for op, arg in items:
        if op in _REPEATS:
            continue
        if op == SUBPATTERN and _only_repeats(arg[-1]):
            continue
        if op == BRANCH and all(_only_repeats(branch) for branch in arg[1]):
            continue
        return False
    return bool(items)


def _unbounded(items: Parsed) -> bool:
    for op, arg in items:
        if op in _REPEATS and (arg[1] == MAXREPEAT or _unbounded(arg[2])):
            return True
        if op == SUBPATTERN and _unbounded(arg[-1]):
            return True
        if op == BRANCH and any(_unbounded(branch) for branch in arg[1]):
            return True
    return False
