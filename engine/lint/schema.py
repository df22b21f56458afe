"""Schema violations in the writer's words, at the line of the offending value.

jsonschema reports in English and, for a condition written wrong, only says
"is not valid under any of the given schemas".  Here each violation becomes
a message code of ``locales/<lang>/lint.yaml`` (section ``schema``): one
problem per rule (the one that matters first, as ``best_match`` picks it),
with a "did you mean" where a typo is likely.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..catalogue import closest
from ..yamlload import Map, position

CONDITION_KEYS = ("all", "any", "not", "fact")


@dataclass(frozen=True)
class SchemaViolation:
    """What is wrong (message code + parameters) and where (path, line, column)."""

    code: str
    params: dict
    path: str
    line: int | None
    column: int | None
    suggestion: str | None = None
    check_id: str = "schema"


@functools.lru_cache(maxsize=4)
def load_schema(name: str) -> dict:
    return json.loads((resources.files("diagnostica.engine") / "schemas" / name).read_text(encoding="utf-8"))


def _operators() -> list[str]:
    names = load_schema("rules.schema.json")["$defs"]["test"]["propertyNames"]["enum"]
    return [n for n in names if n != "fact"]


@functools.lru_cache(maxsize=4)
def _validator(name: str, full: bool = True) -> Any:
    """One validator per schema for the whole run (building one resolves every $ref anew)."""
    import jsonschema

    from ..knowledge import _validation_schema

    return jsonschema.Draft202012Validator(load_schema(name) if full else _validation_schema(name))


def violations(document: Any, schema_name: str, lang: str = "it") -> list[SchemaViolation]:
    """One violation per top-level item (per rule, per fact), sorted by line."""
    from jsonschema.exceptions import best_match

    if _valid(document, schema_name):
        return []
    validator = _validator(schema_name)
    groups: dict[tuple, list] = {}
    for error in validator.iter_errors(document):
        groups.setdefault(tuple(error.absolute_path)[:2], []).append(error)
    found = []
    for errors in groups.values():
        # A misspelt key also makes a required key "missing": the typo is the one to tell.
        typos = [e for e in errors if e.validator == "additionalProperties"]
        found.append(describe(typos[0] if typos else best_match(errors), document, lang))
    return sorted(found, key=lambda v: (v.line or 0, v.column or 0))


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


def _container(document: Any, path: list) -> tuple[Any, Any]:
    node, parent, key = document, None, None
    for part in path:
        parent, key = node, part
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return parent, key


def _at(document: Any, path: list, code: str, suggestion: str | None = None, check_id: str = "schema",
        inner: tuple[Any, Any] | None = None, **params: Any) -> SchemaViolation:
    container, key = inner if inner else _container(document, path)
    if container is None:  # the whole document is wrong
        line, column = getattr(document, "line", 1), getattr(document, "column", 1)
    else:
        line, column = position(container, key)
    return SchemaViolation(code, params, "/".join(str(p) for p in path) or "/", line, column, suggestion, check_id)


def describe(error: Any, document: Any, lang: str = "it") -> SchemaViolation:
    """Turn one jsonschema error into a message code with parameters."""
    path = list(error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "oneOf" and isinstance(instance, dict) and error.schema.get("oneOf", [{}])[-1].get("$ref", "").endswith("/test"):
        return _condition(error, document, path, lang)
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        field = extra[0] if extra else "?"
        inner = (instance, field) if isinstance(instance, Map) and extra else None
        return _at(document, path, "unexpected_field", closest(str(field), allowed), inner=inner,
                   field=field, allowed=", ".join(allowed))
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if "derives" in str(error.schema.get("required")) and len(error.schema.get("required", [])) == 1:
            return _at(document, path, "derive_needs_derives")
        return _at(document, path, "required", field=missing)
    if kind == "anyOf" and "derives" in json.dumps(error.schema):
        return _at(document, path, "derive_needs_derives")
    if kind == "enum":
        allowed = [str(v) for v in error.validator_value]
        return _at(document, path, "enum", closest(str(instance), allowed), value=instance, allowed=", ".join(allowed))
    if kind == "type":
        return _at(document, path, "type", value=_short(instance), expected=_type_word(error.validator_value, lang))
    if kind == "pattern":
        what = {"^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "pattern_rule_id", "\\.j2$": "pattern_template"}.get(
            error.validator_value, "pattern_fact_name" if "\\." in error.validator_value else "pattern")
        return _at(document, path, what, value=instance, pattern=error.validator_value)
    if kind == "propertyNames":  # a derived fact with a badly formed name
        return _at(document, path, "pattern_fact_name", value=instance)
    if kind in ("minItems", "minProperties"):
        return _at(document, path, "empty")
    if kind == "minLength":
        return _at(document, path, "empty_text")
    return _at(document, path, "other", detail=error.message)


def _condition(error: Any, document: Any, path: list, lang: str) -> SchemaViolation:
    """A condition: all/any/not, or a test {fact: NAME, OPERATOR: VALUE}."""
    instance = error.instance
    heads = [k for k in instance if k in CONDITION_KEYS]
    if "fact" not in instance or len(heads) > 1:
        if len(heads) == 1:  # all/any/not with something wrong inside or beside it
            inner = [e for e in error.context if e.validator == "additionalProperties"]
            if inner:
                return describe(inner[0], document, lang)
            deeper = sorted(error.context, key=lambda e: -len(e.absolute_path))
            if deeper and len(deeper[0].absolute_path) > len(path):
                return describe(deeper[0], document, lang)
        return _at(document, path, "cond_shape", closest(str(next(iter(instance), "")), CONDITION_KEYS),
                   keys=", ".join(map(str, instance)) or "-")
    operators = _operators()
    ops = [k for k in instance if k != "fact"]
    unknown = [k for k in ops if k not in operators]
    if unknown:
        return _at(document, path, "unknown_operator", closest(str(unknown[0]), operators), "unknown-operator",
                   inner=(instance, unknown[0]) if isinstance(instance, Map) else None, op=unknown[0])
    if not ops:
        return _at(document, path, "cond_no_operator", name=instance.get("fact"))
    if len(ops) > 1:
        return _at(document, path, "cond_many_operators", name=instance.get("fact"), ops=", ".join(ops))
    specific = [e for e in error.context if e.validator not in ("required", "oneOf", "additionalProperties")]
    if specific:
        return describe(specific[0], document, lang)
    return _at(document, path, "cond_shape", keys=", ".join(map(str, instance)))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _type_word(expected: Any, lang: str) -> str:
    from ..messages import format_message

    names = expected if isinstance(expected, list) else [expected]
    return " / ".join(format_message(f"lint.types.{n}", lang) for n in names)
