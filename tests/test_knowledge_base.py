"""Meta-tests over the shipped knowledge base: nothing dangling, nothing untranslated."""
from __future__ import annotations

import pytest
from diagnostica.engine.present.render import Renderer


def finding_rules(kb):
    return [r for r in kb.rules if r.is_finding]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_rule_has_title_and_templates_in_every_locale(kb, lang):
    locale = kb.directory.locale(lang)
    messages = Renderer(kb, lang).messages(lang)
    for rule in finding_rules(kb):
        assert rule.id in messages["rules"], rule.id
        for name in (rule.explanation, rule.remediation):
            assert (locale / "rules" / name).is_file(), f"{lang}/rules/{name}"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_fact_has_label_and_question(kb, lang):
    facts = Renderer(kb, lang).messages(lang)["facts"]
    for name, fact in kb.catalogue.facts.items():
        assert facts[name]["label"], name
        if fact.askable:
            assert facts[name]["question"], name
        if fact.type == "enum":
            assert set(facts[name]["choices"]) == set(fact.values), name


def test_every_link_resolves_and_every_used_fact_is_catalogued(kb):
    for rule in kb.rules:
        for _relation, target in rule.links:
            assert target in kb.by_id
        assert rule.reads <= set(kb.catalogue.facts)


def test_every_finding_rule_has_examples_both_ways(kb):
    for rule in finding_rules(kb):
        expects = {e.expect for e in rule.examples}
        assert {"fires", "does-not-fire"} <= expects, rule.id


def _example_cases():
    from diagnostica.engine import load_knowledge_base

    kb = load_knowledge_base()
    return [pytest.param(rule.id, example, id=f"{rule.id}: {example.name}")
            for rule in kb.rules for example in rule.examples]


@pytest.mark.parametrize("rule_id, example", _example_cases())
def test_shipped_examples_hold(kb, rule_id, example):
    from diagnostica.engine.inputs.facts import parse_facts_document

    facts = parse_facts_document(example.facts, str(example.location), kb.catalogue, kb.data)
    result = kb.evaluate(facts.values)
    outcome = {True: "fires", False: "does-not-fire", None: "undecided"}[result.outcomes[rule_id]]
    assert outcome == example.expect, f"{example.location}"
    if example.contains:
        text = Renderer(kb, example.lang).rule_text(rule_id, result.facts)
        assert not text.errors
        rendered = "\n".join((text.title, text.explanation, text.remediation))
        for fragment in example.contains:
            assert fragment in rendered, f"{example.location}: {fragment!r} not in text"


def test_the_seed_record_values_are_in_the_data(kb):
    mx = kb.data["mx"]
    assert mx["seed"]["internal"] == ["mx1.mail.ovh.net"]
    assert mx["seed"]["external"] == ["ex.mail.ovh.net", "ex2.mail.ovh.net"]
    assert mx["current"]["internal"] == [f"mx{i}.mail.ovh.net" for i in range(5)]
    srv = kb.data["srv"]
    assert (srv["priority"], srv["weight"], srv["port"]) == (0, 0, 443)
    assert srv["seed"]["hosted_targets"] == ["ex.mail.ovh.net", "ex2.mail.ovh.net"]
    assert kb.data["links"]["status_page"] == "https://web-cloud.status-ovhcloud.com"
