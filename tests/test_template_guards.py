"""`is defined` guards: the linter follows them, and no shipped template fails on sparse facts (issue 11)."""
from __future__ import annotations

import re

import pytest

from conftest import copy_small_kb

# The guards are the linter's mechanism: they are tried in the small knowledge base (conftest.SMALL_KB), with
# a fact beside the rule's own under ``mailbox`` (so ``facts.mailbox`` is defined without it); the shipped
# templates are tried below, rendered on sparse facts.
TEMPLATE = "locales/it/rules/mailbox-full.explanation.j2"  # rule mailbox-full: fires on mailbox.full and offer
ADDRESS = """  mailbox.address:
    type: string
    description: The mailbox's address.
    sample: info@example.it
"""

GUARDS = [
    # (template line, flagged?)
    ("{% if facts.mailbox is defined %}{{ facts.mailbox.address }}{% endif %}", True),
    ("{% if facts.mailbox.address is defined %}{{ facts.mailbox.address }}{% endif %}", False),
    ("{% if facts.quota.used is defined %}{{ facts.quota.used }}{% endif %}", False),
    ("{{ facts.mailbox.address }}", True),
    ("{{ facts.mailbox.address | default('') }}", False),
    ("{{ facts.mailbox.full }}", False),  # the rule's own condition: always known when it fires
    ("{% set box = facts.mailbox | default({}) %}{{ box.address }}", True),
    ("{% set box = facts.mailbox | default({}) %}{% if box.address is defined %}{{ box.address }}{% endif %}", False),
    ("{% if facts.mailbox is defined and facts.mailbox.address %}x{% endif %}", True),
    ("{% if audience == 'cliente' %}{{ facts.mailbox.adress }}{% endif %}", True),  # the customer's text too
    ("{% if channel == 'web' %}{{ facts.mailbox.adress }}{% endif %}", True),  # and the web page's
]


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory):
    root = copy_small_kb(tmp_path_factory.mktemp("guards"))
    facts = root / "rules" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + ADDRESS, encoding="utf-8")
    for lang, label in (("it", "Indirizzo della casella"), ("en", "Mailbox address")):
        messages = root / "locales" / lang / "messages.yaml"
        messages.write_text(messages.read_text(encoding="utf-8") +
                            f'  mailbox.address: {{label: "{label}", question: "{label}?"}}\n', encoding="utf-8")
    return root


def test_the_guarded_template_lints_clean_as_it_is(kb_root):
    """Each case below adds one line to a template that, as it is, reports nothing at all."""
    from diagnostica.engine.kb.sources import from_directory
    from diagnostica.engine.lint import lint

    found = [(p.file.rsplit("/", 2)[-2:], p.check_id) for p in lint(from_directory(kb_root)).problems]
    assert found == [(["rules", "facts.yaml"], "unused-fact")]  # the added fact, read by no template as it is


@pytest.mark.parametrize("line, flagged", GUARDS)
def test_lint_follows_is_defined_guards(kb_root, line, flagged):
    from diagnostica.engine.kb.sources import from_directory
    from diagnostica.engine.lint import lint

    path = kb_root / TEMPLATE
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original.rstrip()}\n{line}\n", encoding="utf-8")
    try:
        report = lint(from_directory(kb_root))
    finally:
        path.write_text(original, encoding="utf-8")
    undefined = [p for p in report.problems if p.check_id == "template-undefined" and p.file.endswith(TEMPLATE)]
    assert bool(undefined) is flagged, undefined
    if flagged and "adress" not in line:
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


@pytest.mark.parametrize("lang, audience, channel", [
    ("it", "agente", "terminale"), ("it", "cliente", "terminale"), ("en", "agente", "terminale"),
    ("en", "cliente", "terminale"), ("it", "agente", "web"), ("en", "agente", "web")])
def test_no_shipped_template_fails_on_sparse_facts(kb, lang, audience, channel):
    from diagnostica.engine.present.render import Renderer

    renderer = Renderer(kb, lang, audience, channel)
    failed = []
    for rule in kb.by_id.values():
        if not rule.is_finding:
            continue
        if channel == "web" and not _names_channel(kb, rule, lang):
            continue  # its texts are the terminal's, tried above
        for label, facts in _sparse_fact_sets(kb, rule):
            text = renderer.rule_text(rule.id, facts)
            if text.errors or "Undefined" in text.explanation + text.remediation:
                failed.append((rule.id, label, text.errors))
            # A numbered step glued to the line before it («... --timeout 10).2. Se», «1.1.1.14. Con»): a tag
            # at a line's end ate its line break (trim_blocks).
            glued = GLUED_STEP.search(text.remediation)
            if glued:
                failed.append((rule.id, label, glued.group()))
    assert failed == []


GLUED_STEP = re.compile(r"[^\s\d]\d{1,2}\. [A-ZÀ-Ý]")


def _names_channel(kb, rule, lang: str) -> bool:
    folder = kb.directory.locale(lang) / "rules"
    return any("channel" in (folder / name).read_text(encoding="utf-8")
               for name in (rule.explanation, rule.remediation) if name and (folder / name).is_file())


def test_known_when_true_follows_kleene_logic(kb):
    from diagnostica.engine.lint.templates import known_when_true

    by_id = kb.by_id
    assert known_when_true(by_id["account-locked"].condition) == {"account.locked"}
    assert known_when_true(by_id["spf-multiple-records"].condition) == {"dns.spf_count"}
