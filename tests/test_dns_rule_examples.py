"""The examples written beside the DNS rules (rules/dns.yaml) hold, in Italian and in English."""
from __future__ import annotations

import pytest
from diagnostica.engine import load_knowledge_base
from diagnostica.engine.inputs.facts import coerce
from diagnostica.engine.present.render import Renderer

KB = load_knowledge_base()
DNS_RULES = [r for r in KB.rules if r.location.file.endswith("dns.yaml")]
EXAMPLES = [(rule, example) for rule in DNS_RULES for example in rule.examples]


@pytest.mark.parametrize("rule, example", EXAMPLES, ids=[f"{r.id}: {e.name}" for r, e in EXAMPLES])
def test_example(rule, example):
    facts = {name: coerce(KB.catalogue, name, value, example.location) for name, value in example.facts.items()}
    result = KB.evaluate(facts)
    outcome = {True: "fires", False: "does-not-fire", None: "undecided"}[result.outcomes[rule.id]]
    assert outcome == example.expect
    if rule.is_finding and outcome == "fires":
        for lang in ("it", "en"):
            text = Renderer(KB, lang).rule_text(rule.id, result.facts)
            assert not text.errors and not text.fallbacks, (lang, text.errors, text.fallbacks)
            if lang == example.lang:
                body = f"{text.explanation}\n{text.remediation}"
                for expected in example.contains:
                    assert expected in body, (expected, body)
