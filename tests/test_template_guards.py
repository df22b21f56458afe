"""`is defined` guards: the linter follows them, and no shipped template fails on sparse facts (issue 11)."""
from __future__ import annotations


import pytest

from tests.conftest import REPO
from conftest import copy_kb

TEMPLATE = "locales/it/rules/account-locked.explanation.j2"  # rule account-locked: fires on account.locked

GUARDS = [
    # (template line, flagged?)
    ("{% if facts.account is defined %}{{ facts.account.email }}{% endif %}", True),
    ("{% if facts.account.email is defined %}{{ facts.account.email }}{% endif %}", False),
    ("{% if facts.security.lockout_duration is defined %}{{ facts.security.lockout_duration }}{% endif %}", False),
    ("{{ facts.account.email }}", True),
    ("{{ facts.account.email | default('') }}", False),
    ("{{ facts.account.locked }}", False),  # the rule's own condition: always known when it fires
    ("{% set acc = facts.account | default({}) %}{{ acc.email }}", True),
    ("{% set acc = facts.account | default({}) %}{% if acc.email is defined %}{{ acc.email }}{% endif %}", False),
    ("{% if facts.account is defined and facts.account.email %}x{% endif %}", True),
    ("{% if audience == 'cliente' %}{{ facts.account.emial }}{% endif %}", True),  # the customer's text too
]


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("guards")
    copy_kb(root)
    return root


@pytest.mark.parametrize("line, flagged", GUARDS)
def test_lint_follows_is_defined_guards(kb_root, line, flagged):
    from diagnostica.engine.kb.sources import from_directory
    from diagnostica.engine.lint import lint

    path = kb_root / TEMPLATE
    original = (REPO / TEMPLATE).read_text(encoding="utf-8")
    path.write_text(f"{original.rstrip()}\n{line}\n", encoding="utf-8")
    try:
        report = lint(from_directory(kb_root))
    finally:
        path.write_text(original, encoding="utf-8")
    undefined = [p for p in report.problems if p.check_id == "template-undefined" and p.file.endswith(TEMPLATE)]
    assert bool(undefined) is flagged, undefined
    if flagged and "emial" not in line:
        assert "is defined" in (undefined[0].hint or "")


def _sparse_fact_sets(kb, rule):
    """Facts a rule can fire with: its examples, only what its condition guarantees, and the
    catalogue's samples less each fact the condition does not guarantee."""
    from diagnostica.engine.lint.examples import derive, example_facts, sample_facts
    from diagnostica.engine.lint.templates import known_when_true

    samples = sample_facts(kb)
    guaranteed = known_when_true(rule.condition)
    yield "guaranteed only", {k: v for k, v in samples.items() if k in guaranteed}
    for example in rule.examples:
        if example.expect == "fires":
            yield example.name, derive(kb, example_facts(kb, example))
    for name in sorted(samples):
        if name not in guaranteed:
            yield f"without {name}", {k: v for k, v in samples.items() if k != name}


@pytest.mark.parametrize("lang, audience", [("it", "agente"), ("it", "cliente"), ("en", "agente"),
                                            ("en", "cliente")])
def test_no_shipped_template_fails_on_sparse_facts(kb, lang, audience):
    from diagnostica.engine.present.render import Renderer

    renderer = Renderer(kb, lang, audience)
    failed = []
    for rule in kb.by_id.values():
        if not rule.is_finding:
            continue
        for label, facts in _sparse_fact_sets(kb, rule):
            text = renderer.rule_text(rule.id, facts)
            if text.errors or "Undefined" in text.explanation + text.remediation:
                failed.append((rule.id, label, text.errors))
    assert failed == []


def test_known_when_true_follows_kleene_logic(kb):
    from diagnostica.engine.lint.templates import known_when_true

    by_id = kb.by_id
    assert known_when_true(by_id["account-locked"].condition) == {"account.locked"}
    assert known_when_true(by_id["spf-multiple-records"].condition) == {"dns.spf_count"}
