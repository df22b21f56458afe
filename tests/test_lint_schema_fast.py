"""The lint's quick "this rule file is valid" must agree with the full JSON Schema whenever it says yes."""
from __future__ import annotations

import jsonschema
import pytest

from diagnostica.engine.lint import schema
from diagnostica.engine.kb.yamlload import load_yaml

CONDITIONS = [
    "{fact: dns.mx, equals: x}",
    "{all: [{fact: a.b, exists: true}, {not: {fact: c, in: [1, 2]}}]}",
    "{any: [{all: [{fact: a, empty: false}]}]}",
    "{all: []}",
    "{any: {fact: a, exists: true}}",
    "{not: [{fact: a, exists: true}]}",
    "{fact: a}",
    "{fact: a, equals: 1, in: [1]}",
    "{fact: A.b, equals: 1}",
    "{fact: 'a.b\n', equals: 1}",
    "{fact: a.b, equal: 1}",
    "{fact: 3, equals: 1}",
    "{all: [{fact: a, exists: true}], any: [{fact: a, exists: true}]}",
    "{fact: a, all: [{fact: a, exists: true}]}",
    "{}",
    "[{fact: a, exists: true}]",
    "fact",
    "{not: {fact: a, exists: true}, fact: a}",
    "{all: [{fact: a, exists: true}, {bogus: 1}]}",
    "{1: 2, fact: a}",
]


def _full_condition_errors(condition) -> list:
    rules = schema.load_schema("rules.schema.json")
    validator = jsonschema.Draft202012Validator({"$defs": rules["$defs"], "$ref": "#/$defs/condition"})
    return list(validator.iter_errors(condition))


@pytest.mark.parametrize("text", CONDITIONS)
def test_quick_condition_check_agrees_with_the_schema(text):
    condition = load_yaml(f"c: {text}\n", "c.yaml").data["c"]
    assert schema._valid_condition(condition) == (not _full_condition_errors(condition))


def test_a_valid_file_passes_quickly_and_a_broken_one_gets_the_full_report():
    good = "rules:\n  - {id: a, kind: derive, when: {fact: x, exists: true}, derives: {y: true}}\n"
    bad = "rules:\n  - {id: a, kind: derive, when: {fact: x, exist: true}, derives: {y: true}}\n"
    assert schema._valid(load_yaml(good, "g.yaml").data, "rules.schema.json")
    assert schema.violations(load_yaml(good, "g.yaml").data, "rules.schema.json") == []
    assert not schema._valid(load_yaml(bad, "b.yaml").data, "rules.schema.json")
    assert [v.check_id for v in schema.violations(load_yaml(bad, "b.yaml").data, "rules.schema.json")] == [
        "unknown-operator"]
