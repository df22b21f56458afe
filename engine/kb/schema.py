"""Schema violations in the writer's words, at the line of the offending value.

The one describer of JSON Schema errors: ``knowledge.load`` (hence
``diagnostica check``) and the linter both go through :func:`violations`, so
the same mistake is told with the same words everywhere.

jsonschema reports in English and, for a condition written wrong, only says
"is not valid under any of the given schemas".  Here each violation becomes
a message code of the ``schema`` section of ``locales/<lang>/messages.yaml``:
one problem per top-level item (per rule, per fact) -- the one that matters
first, as ``best_match`` picks it, except that a misspelt key wins over the
"required field missing" it causes -- with a "did you mean" where a typo is likely.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Iterable, NamedTuple

from ..errors import KnowledgeBaseError, Location, Texts
from .catalogue import closest
from .sources import package_files
from .yamlload import Map, position

CONDITION_KEYS = ("all", "any", "not", "fact")


@functools.lru_cache(maxsize=4)
def load_schema(name: str) -> dict:
    """A shipped JSON Schema (engine/schemas/NAME), parsed once."""
    return json.loads((package_files("diagnostica.engine") / "schemas" / name).read_text(encoding="utf-8"))


class SchemaViolation(NamedTuple):
    """What is wrong (message code + parameters) and where (path, line, column)."""

    code: str
    params: dict
    path: str
    line: int | None
    column: int | None
    suggestion: str | None = None
    check_id: str = "schema"


def violations(errors: Iterable[Any], document: Any) -> list[SchemaViolation]:
    """jsonschema's errors for ``document`` -> one violation per top-level item, sorted by line."""
    from jsonschema.exceptions import best_match

    groups: dict[tuple, list] = {}
    for error in errors:
        groups.setdefault(tuple(error.absolute_path)[:2], []).append(error)
    found = []
    for group in groups.values():
        found.append(describe(_first_to_tell(group, best_match), document))
    return sorted(found, key=lambda v: (v.line or 0, v.column or 0))


#: Mistakes in what the writer wrote, in the order to tell them: a misspelt key (``severty``) or a
#: wrong value (``kind: derivee``) also makes a required field look "missing"; the cause comes first.
_WRITTEN = ("additionalProperties", "enum", "type", "pattern", "propertyNames")


def _first_to_tell(group: list, best_match: Any) -> Any:
    for kind in _WRITTEN:
        found = [e for e in group if e.validator == kind]
        if found:
            return best_match(found)
    return best_match(group)


def message(violation: SchemaViolation, texts: Texts) -> str:
    """The violation's text in the reader's language."""
    params = dict(violation.params)
    if violation.code == "type":
        names = params["expected"] if isinstance(params["expected"], (list, tuple)) else [params["expected"]]
        params["expected"] = " / ".join(texts.format(f"schema.types.{n}") for n in names)
    return texts.format(f"schema.{violation.code}", **params)


class SchemaError(KnowledgeBaseError):
    """A schema violation raised by the loader: phrased by :func:`message` in the reader's language."""

    def __init__(self, violation: SchemaViolation, source: str) -> None:
        super().__init__("schema", Location(source, violation.line, violation.column), path=violation.path,
                         suggestion=violation.suggestion)
        self.violation = violation

    def message(self, texts: Texts) -> str:
        return texts.format("errors.schema", problem=message(self.violation, texts), path=self.violation.path)


def _operators() -> list[str]:
    names = load_schema("rules.schema.json")["$defs"]["test"]["propertyNames"]["enum"]
    return [n for n in names if n != "fact"]


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


def describe(error: Any, document: Any) -> SchemaViolation:
    """Turn one jsonschema error into a message code with parameters."""
    path = list(error.absolute_path)
    kind = error.validator
    instance = error.instance
    last_choice = error.schema.get("oneOf", [{}])[-1] if kind == "oneOf" else {}
    if kind == "oneOf" and isinstance(instance, dict) and last_choice.get("$ref", "").endswith("/test"):
        return _condition(error, document, path)
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        field = extra[0] if extra else "?"
        inner = (instance, field) if isinstance(instance, Map) and extra else None
        suggestion = closest(str(field), allowed)
        home = None if suggestion else _misplaced(error.schema, str(field), path)
        if home is not None:  # a field of a neighbouring mapping: most likely an indentation slip
            code, parent = home
            return _at(document, path, code, inner=inner, field=field, parent=parent)
        return _at(document, path, "unexpected_field", suggestion, inner=inner,
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
        return _at(document, path, "type", value=_short(instance), expected=error.validator_value)
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


def _object_schemas(node: Any, name: str | None = None) -> Iterable[tuple[str | None, dict]]:
    """Every object schema of a schema document with the property name (or $defs name) it sits under."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield name, node
            for key, child in node["properties"].items():
                yield from _object_schemas(child, key)
        for key in ("$defs", "items", "oneOf", "anyOf", "allOf", "then", "else"):
            child = node.get(key)
            if key == "$defs" and isinstance(child, dict):
                for def_name, sub in child.items():
                    yield from _object_schemas(sub, def_name)
            elif isinstance(child, dict):
                yield from _object_schemas(child, name)
            elif isinstance(child, list):
                for sub in child:
                    yield from _object_schemas(sub, name)


def _misplaced(schema: dict, field: str, path: list) -> tuple[str, str] | None:
    """Where ``field``, unexpected in the mapping ``schema`` describes, belongs instead: inside one of
    its mappings (``causes`` written beside ``links`` -> under ``links``) or in the mapping around it
    (``severity`` written inside ``links`` -> back beside ``links``)."""
    for key, child in (schema.get("properties") or {}).items():
        if isinstance(child, dict) and field in (child.get("properties") or {}):
            return "field_belongs_under", key
    here = path[-1] if path and isinstance(path[-1], str) else None
    if here is None:
        return None
    for document_name in ("rules.schema.json", "facts.schema.json"):
        for _, owner in _object_schemas(load_schema(document_name)):
            if here in owner["properties"] and field in owner["properties"]:
                return "field_belongs_beside", here
    return None


def _condition(error: Any, document: Any, path: list) -> SchemaViolation:
    """A condition: all/any/not, or a test {fact: NAME, OPERATOR: VALUE}."""
    instance = error.instance
    heads = [k for k in instance if k in CONDITION_KEYS]
    if "fact" not in instance or len(heads) > 1:
        if len(heads) == 1:  # all/any/not with something wrong inside or beside it
            inner = [e for e in error.context if e.validator == "additionalProperties"]
            if inner:
                return describe(inner[0], document)
            deeper = sorted(error.context, key=lambda e: -len(e.absolute_path))
            if deeper and len(deeper[0].absolute_path) > len(path):
                return describe(deeper[0], document)
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
        return describe(specific[0], document)
    return _at(document, path, "cond_shape", keys=", ".join(map(str, instance)))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
