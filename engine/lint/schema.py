"""The linter's schema check: the full JSON Schema, conditions included.

Describing a violation is :mod:`diagnostica.engine.kb.schema`'s job (the
loader uses the same describer, so ``check`` and ``lint`` tell a mistake the
same way); what is here is the validation itself and a quick way to skip it
for the files that are valid, the usual case.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from ..kb.schema import SchemaViolation, load_schema
from ..kb.schema import violations as _described

__all__ = ["SchemaViolation", "load_schema", "violations"]


@functools.lru_cache(maxsize=4)
def _validator(name: str, full: bool = True) -> Any:
    """One validator per schema for the whole run (building one resolves every $ref anew)."""
    import jsonschema

    from ..kb.load import _validation_schema

    return jsonschema.Draft202012Validator(load_schema(name) if full else _validation_schema(name))


def violations(document: Any, schema_name: str) -> list[SchemaViolation]:
    """One violation per top-level item (per rule, per fact), sorted by line."""
    if _valid(document, schema_name):
        return []
    return _described(_validator(schema_name).iter_errors(document), document)


def _valid(document: Any, schema_name: str) -> bool:
    """True only when the full schema would find nothing: the usual case, decided cheaply.

    The recursive ``oneOf`` of conditions is most of jsonschema's time on a
    large file.  Everything else is checked by the loader's validator, which
    leaves conditions out; the conditions by :func:`_valid_condition`, which
    follows the schema's ``$defs/condition`` exactly.  Any doubt, and the
    full validator runs, so the problems reported never depend on this.
    """
    if schema_name != "rules.schema.json":
        return False
    if next(_validator(schema_name, full=False).iter_errors(document), None) is not None:
        return False
    return all(_valid_condition(rule["when"]) for rule in document["rules"])


def _valid_condition(node: Any) -> bool:
    if not isinstance(node, dict) or len(node) == 0:
        return False
    if len(node) == 1:
        (key, value), = node.items()
        if key in ("all", "any"):
            return isinstance(value, list) and len(value) >= 1 and all(_valid_condition(c) for c in value)
        if key == "not":
            return _valid_condition(value)
        return False
    return len(node) == 2 and "fact" in node and _valid_fact_name(node["fact"]) and all(
        isinstance(k, str) and k in _property_names() for k in node)


@functools.lru_cache(maxsize=1)
def _property_names() -> frozenset:
    return frozenset(load_schema("rules.schema.json")["$defs"]["test"]["propertyNames"]["enum"])


@functools.lru_cache(maxsize=1)
def _fact_name_pattern() -> re.Pattern:
    return re.compile(load_schema("rules.schema.json")["$defs"]["fact_name"]["pattern"])


def _valid_fact_name(value: Any) -> bool:
    return isinstance(value, str) and _fact_name_pattern().search(value) is not None  # as jsonschema does
