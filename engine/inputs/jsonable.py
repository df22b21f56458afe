"""Fact values back to JSON: what a document, a batch line or a saved consultation writes.

Facts are read into immutable values (records and lists as tuples, see :mod:`facts`); this is the way
back, used by every layer that writes JSON, so it sits with the facts rather than with the document.
"""
from __future__ import annotations

from typing import Mapping, TypeAlias, overload

from ..kb.catalogue import Record, Value
from .facts import JSON

#: What ``jsonable`` turns into JSON: fact values (records and lists as tuples) and mappings of them.
Plain: TypeAlias = "Value | Record | Mapping[str, Plain] | tuple[Plain, ...] | None"


@overload
def jsonable(value: Mapping[str, Plain]) -> dict[str, JSON]: ...
@overload
def jsonable(value: Plain) -> JSON: ...
def jsonable(value: Plain) -> JSON:
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    return value
