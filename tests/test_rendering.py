"""Rendering: Italian by default, explicit fallback, a broken template never hides the others."""
from __future__ import annotations

from pathlib import Path

import pytest
from diagnostica.engine import load_knowledge_base
from diagnostica.engine.kb.sources import from_directory
from diagnostica.engine.present.render import Renderer

from conftest import copy_kb

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def kb_copy(tmp_path):
    """A writable copy of the shipped knowledge base (rules/ and locales/)."""
    copy_kb(tmp_path)
    return tmp_path


def test_italian_is_the_default_and_names_the_records(kb):
    facts = {"domain": "example.it", "pop_imap": "none", "dns.mx": ("mx1.mail.ovh.net", "mail.example.com")}
    result = kb.evaluate(facts)
    text = Renderer(kb).rule_text("mx-invalid", result.facts)
    assert text.title == "Record MX del dominio non valido"
    assert "mail.example.com" in text.explanation
    assert "example.it. 3600 IN MX 1 mx0.mail.ovh.net." in text.remediation
    assert "mx1.mail.ovh.net" in text.remediation  # the seed's recommended record is still named
    assert text.errors == () and text.fallbacks == ()


def test_english_is_complete(kb):
    result = kb.evaluate({"dns.mx_valid": False, "test_email.sent": False, "account.locked": True})
    renderer = Renderer(kb, "en")
    for finding in result.findings:
        text = renderer.rule_text(finding.id, result.facts)
        assert text.fallbacks == () and text.errors == ()


def test_missing_english_text_falls_back_to_italian_and_says_so(kb_copy):
    (kb_copy / "locales/en/rules/account-locked.remediation.j2").unlink()
    kb = load_knowledge_base(from_directory(kb_copy))
    text = Renderer(kb, "en").rule_text("account-locked", {"account.locked": True})
    assert "account-locked.remediation.j2" in text.fallbacks
    assert "politica di sicurezza" in text.remediation


def test_broken_template_is_reported_and_others_still_render(kb_copy, cli):
    (kb_copy / "locales/it/rules/account-locked.explanation.j2").write_text(
        "Riga uno\n{{ facts.nonexistent.thing }}\n", encoding="utf-8")
    (kb_copy / "locales/it/rules/mx-invalid.remediation.j2").write_text("{% if %}\n", encoding="utf-8")
    run = cli("check", "--kb", str(kb_copy), "--fact", "account.locked=sì", "--fact", "dns.mx_valid=no",
              "--fact", "account.spam_blocked=true", "--format", "json")
    assert run.code == 1, run.err
    findings = {f["id"]: f for f in run.json()["findings"]}
    assert set(findings) == {"account-locked", "account-spam-blocked", "mx-invalid"}
    assert "account-locked.explanation.j2:2" in findings["account-locked"]["template_errors"][0]
    assert "mx-invalid.remediation.j2:1" in findings["mx-invalid"]["template_errors"][0]
    assert "SPAM" in findings["account-spam-blocked"]["explanation"]
    assert "template_errors" not in findings["account-spam-blocked"]


def test_templates_are_sandboxed(kb_copy):
    (kb_copy / "locales/it/rules/account-locked.explanation.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    kb = load_knowledge_base(from_directory(kb_copy))
    text = Renderer(kb).rule_text("account-locked", {"account.locked": True})
    assert text.errors and "SecurityError" in text.errors[0]


def test_compiled_code_is_kept_per_filter_table_as_it_is_now():
    """A filter added or replaced after the environment was made changes what its code is kept under."""
    from diagnostica.engine.present.sandbox import BudgetedEnvironment, code_settings

    env = BudgetedEnvironment()
    before = code_settings(env, "t.j2")
    assert code_settings(env, "t.j2") == before
    env.filters["shout"] = str.upper
    added = code_settings(env, "t.j2")
    env.filters["shout"] = str.lower
    assert len({before, added, code_settings(env, "t.j2")}) == 3
    assert env.from_string("{{ 'Sì' | shout }}").render() == "sì"
