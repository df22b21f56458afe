"""The fast schema check (fastjsonschema) accepts only what jsonschema accepts, so a file it lets through
has no problem jsonschema would have told (issue 10: light loads)."""
from __future__ import annotations

import functools

import pytest
from diagnostica.engine.errors import YamlError
from diagnostica.engine.kb import load as kb_load
from diagnostica.engine.kb.yamlload import load_yaml

RULE = "rules:\n  - id: r1\n    when: {fact: a, equals: true}\n"
FINDING = RULE + "    severity: info\n    explanation: x.j2\n    remediation: x.j2\n"
FACT = "facts:\n  a: {type: bool, description: d}\n"
CASES = [
    ("rules.schema.json", FINDING),
    ("rules.schema.json", RULE),  # a finding without severity and texts
    ("rules.schema.json", RULE + "    kind: derive\n    derives: {b: true}\n"),
    ("rules.schema.json", RULE + "    kind: derive\n"),
    ("rules.schema.json", RULE + "    kind: derive\n    derives: {}\n"),
    ("rules.schema.json", RULE + "    kind: derive\n    derives: {B-x: true}\n"),
    ("rules.schema.json", RULE + "    kind: derive\n    derives_when_false: {b: 1}\n"),
    ("rules.schema.json", FINDING.replace("r1", "R1")),
    ("rules.schema.json", FINDING.replace("r1", "1")),
    ("rules.schema.json", FINDING.replace("info", "fatal")),
    ("rules.schema.json", FINDING.replace("x.j2\n    rem", "x.txt\n    rem")),
    ("rules.schema.json", FINDING + "    severty: info\n"),
    ("rules.schema.json", FINDING + "    links: {causes: [r2], see_also: [R3]}\n"),
    ("rules.schema.json", FINDING + "    links: {causes: r2}\n"),
    ("rules.schema.json", FINDING + "    links: {cause: [r2]}\n"),
    ("rules.schema.json", FINDING + "    examples: [{name: e, facts: {a: true}, expect: fires}]\n"),
    ("rules.schema.json", FINDING + "    examples: [{name: '', facts: {}, expect: fires}]\n"),
    ("rules.schema.json", FINDING + "    examples: [{name: e, facts: [], expect: fires}]\n"),
    ("rules.schema.json", FINDING + "    examples: [{name: e, facts: {}, expect: maybe}]\n"),
    ("rules.schema.json", FINDING + "    examples: [{name: e, facts: {}, expect: fires, contains: [1]}]\n"),
    ("rules.schema.json", "rules: []\n"),
    ("rules.schema.json", "rules: {}\n"),
    ("rules.schema.json", "rule: []\n"),
    ("rules.schema.json", "- a\n"),
    ("facts.schema.json", FACT),
    ("facts.schema.json", FACT + "  b: {type: enum, description: d}\n"),
    ("facts.schema.json", FACT + "  b: {type: enum, description: d, values: [x, x]}\n"),
    ("facts.schema.json", FACT + "  b: {type: enum, description: d, values: []}\n"),
    ("facts.schema.json", FACT + "  b: {type: records, description: d}\n"),
    ("facts.schema.json", FACT + "  b: {type: records, description: d, fields: {x: float}}\n"),
    ("facts.schema.json", FACT + "  b: {type: integer, description: d, cost: true}\n"),
    ("facts.schema.json", FACT + "  b: {type: integer, description: d, cost: 1.0}\n"),
    ("facts.schema.json", FACT + "  b: {type: integer, description: d, cost: -1}\n"),
    ("facts.schema.json", FACT + "  b: {type: bool, description: d, askable: 1}\n"),
    ("facts.schema.json", FACT + "  B: {type: bool, description: d}\n"),
    ("facts.schema.json", FACT + "  b: {type: boolean, description: d}\n"),
    ("facts.schema.json", FACT + "secret_names: [password, 1]\n"),
]


def jsonschema_finds_nothing(document, schema_name: str) -> bool:
    return not any("when" not in e.absolute_path for e in kb_load._validator(schema_name).iter_errors(document))


@pytest.mark.parametrize("schema_name, text", CASES)
def test_the_fast_check_agrees_with_jsonschema(schema_name, text):
    document = load_yaml(text, "f.yaml").data
    assert kb_load._accepted(document, schema_name) == jsonschema_finds_nothing(document, schema_name)


#: The campaign's documents in a few tests, not one each: generated and read when the first of them runs,
#: not while every worker collects the suite; a failure names each mutation the two checks disagree on.
CHUNKS = 3


@functools.lru_cache(maxsize=1)
def _mutated_documents():
    """The campaign's rule files that still parse, as documents.  Read by libyaml's path (``fast``): the
    same documents as the reference path (tests/test_yaml_fast.py checks the two agree), a tenth of the time."""
    from tests import kbmutations

    found = []
    for mutation in kbmutations.mutations(400, seed=29):
        name = mutation.file.rsplit("/", 1)[-1]
        if not mutation.file.startswith("rules/") or mutation.text is None or "/data/" in mutation.file:
            continue
        try:
            document = load_yaml(mutation.text, mutation.file, fast=True).data
        except YamlError:
            continue
        found.append((mutation, "facts.schema.json" if name == "facts.yaml" else "rules.schema.json", document))
    return tuple(found)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_what_the_fast_check_accepts_in_the_mutation_campaign_jsonschema_accepts(chunk):
    mine = _mutated_documents()[chunk::CHUNKS]
    accepted = [(m, name, document) for m, name, document in mine if kb_load._accepted(document, name)]
    wrongly = [str(m) for m, name, document in accepted if not jsonschema_finds_nothing(document, name)]
    assert (wrongly, len(mine) > 20, len(accepted) > 0) == ([], True, True)


def test_the_fast_check_leaves_the_document_as_it_was():
    document = load_yaml(FINDING, "f.yaml").data
    assert kb_load._accepted(document, "rules.schema.json")
    assert "kind" not in document["rules"][0]  # the schema's default is not written into it


@pytest.mark.parametrize("schema_name", ["rules.schema.json", "facts.schema.json"])
def test_the_fast_check_leaves_the_shipped_schema_as_it_was(schema_name):
    import json
    from pathlib import Path

    from diagnostica.engine.kb.schema import load_schema

    kb_load._acceptor.cache_clear()
    kb_load._accepted({}, schema_name)  # compiles the fast check afresh
    shipped = Path(__file__).resolve().parent.parent / "engine" / "schemas" / schema_name
    assert load_schema(schema_name) == json.loads(shipped.read_text(encoding="utf-8"))
