"""Advice that knows what was answered: no step the facts settle, the confirmed cause named first,
no word about an excluded cause (issue 11).  The engine computes `answered`, `confirmed`, `excluded`
and `open` once; the templates only read them."""
from __future__ import annotations

import pytest
from diagnostica.engine.inputs.facts import parse_facts_document
from diagnostica.engine.present import document
from diagnostica.engine.present.render import Renderer
from diagnostica.engine.present.settled import settled

SENT_CAUSES_RULED_OUT = {"test_email.sent": False, "account.suspended": False, "webmail.auth_ok": True,
                         "account.spam_blocked": False, "infrastructure.incident": False}
ALL_SENT_CAUSES_RULED_OUT = {**SENT_CAUSES_RULED_OUT, "offer": "hosted", "dns.spf": ["v=spf1 include:mx.ovh.com ~all"],
                             "dns.spf_count": 1, "dns.spf_lookups": 1, "dns.spf_void_lookups": 0,
                             "dns.spf_loop": False, "dns.dnssec_bogus": False,
                             # DKIM published (rules/mail-auth.yaml, dkim-not-enabled)
                             "dkim.selectors": [{"selector": "s1", "type": "CNAME", "value": "s1._domainkey.1.ex.mail.ovh.net"}],
                             "dns.dkim_wrong_count": 0}
STATUS = "web-cloud.status-ovhcloud.com"


def facts_of(kb, raw: dict) -> dict:
    return parse_facts_document(raw, "test", kb.catalogue, kb.data).values


@pytest.mark.parametrize("raw, rule, confirmed, excluded", [
    ({"webmail.auth_ok": False, "account.locked": True}, "webmail-auth-failed", ("account-locked",), ()),
    ({"webmail.auth_ok": False, "account.locked": False}, "webmail-auth-failed", (), ("account-locked",)),
    ({"webmail.auth_ok": False}, "webmail-auth-failed", (), ()),
    (SENT_CAUSES_RULED_OUT, "test-email-not-sent", (),
     ("account-spam-blocked", "account-expired", "infrastructure-incident", "webmail-auth-failed")),
    ({"test_email.received": False, "dns.mx": ["mail.example.com"]}, "test-email-not-received", ("mx-invalid",), ()),
])
def test_the_engine_computes_what_is_settled(kb, raw, rule, confirmed, excluded):
    facts = facts_of(kb, raw)
    result = kb.evaluate(facts)
    found = settled(kb, rule, result.facts, result.outcomes)
    assert (found.confirmed, found.excluded) == (confirmed, excluded)
    assert set(found.open) == set(kb.caused_by(rule)) - set(confirmed) - set(excluded)
    assert set(raw) <= set(found.answered)


# (facts, rule, lang, words that must be in its text, words that must not)
CASES = [
    # the account's causes of a failed send ruled out: no status page to check, only the DNS ones left
    (SENT_CAUSES_RULED_OUT, "test-email-not-sent", "it", ["record SPF"], [STATUS, "sospeso", "spam", "password"]),
    (SENT_CAUSES_RULED_OUT, "test-email-not-sent", "en", ["SPF record"], [STATUS, "suspended", "spam", "password"]),
    # every cause ruled out: none named, "not established"
    (ALL_SENT_CAUSES_RULED_OUT, "test-email-not-sent", "it", ["non è ancora accertata"], [STATUS, "SPF", "sospeso"]),
    (ALL_SENT_CAUSES_RULED_OUT, "test-email-not-sent", "en", ["not established"], [STATUS, "SPF", "suspended"]),
    # the incident not answered: the status page is still a step
    ({"test_email.sent": False}, "test-email-not-sent", "it", [STATUS, "sospeso"], []),
    ({"test_email.sent": False, "infrastructure.incident": False}, "test-email-not-sent", "it", ["sospeso"], [STATUS]),
    # a confirmed cause is named first, and the other causes are not listed as possibilities
    ({"test_email.sent": False, "account.spam_blocked": True}, "test-email-not-sent", "it",
     ["perché l'invio da questo account è bloccato per spam", "Risolvi prima la causa"], [STATUS, "Succede"]),
    ({"test_email.sent": False, "account.spam_blocked": True}, "test-email-not-sent", "en",
     ["because sending from this account is blocked for spam", "First solve the cause"], [STATUS]),
    # the login already failing: no "test the login", and a confirmed lock named first
    ({"webmail.auth_ok": False, "account.locked": True}, "webmail-auth-failed", "it",
     ["non riesce perché l'account è bloccato", "sbloccare"], ["nuova password", "Verifica la password"]),
    ({"webmail.auth_ok": False, "account.locked": True}, "webmail-auth-failed", "en",
     ["fails because the account is locked"], ["new password"]),
    ({"webmail.auth_ok": False, "account.locked": False}, "webmail-auth-failed", "it",
     ["nuova password"], ["bloccato", "politica di sicurezza", "Verifica la password", "accedendo"]),
    ({"webmail.auth_ok": False, "account.locked": False}, "webmail-auth-failed", "en",
     ["new password"], ["locked", "security policy", "logging in to the webmail"]),
    ({"webmail.auth_ok": False}, "webmail-auth-failed", "it", ["politica di sicurezza", "nuova password"], []),
    # receiving: the MX confirmed is the reason given; an excluded suspension is not mentioned
    ({"test_email.received": False, "dns.mx": ["mail.example.com"], "account.suspended": False},
     "test-email-not-received", "it", ["perché il record MX"], ["sospeso", "abbonamento"]),
    ({"test_email.received": False, "dns.mx_valid": True, "account.suspended": False},
     "test-email-not-received", "en", ["MX record"], ["suspended", "does not take mail"]),
]


@pytest.mark.parametrize("audience", ["agente", "cliente"])
@pytest.mark.parametrize("raw, rule, lang, present, absent", CASES)
def test_the_advice_uses_what_is_settled(kb, raw, rule, lang, present, absent, audience):
    result = kb.evaluate(facts_of(kb, raw))
    text = Renderer(kb, lang, audience).rule_text(rule, result.facts, result.outcomes)
    words = text.explanation + "\n" + text.remediation
    assert text.errors == ()
    assert [w for w in present if w not in words] == []
    assert [w for w in absent if w in words] == []


def test_without_outcomes_the_renderer_evaluates_the_facts_itself(kb):
    facts = facts_of(kb, {"webmail.auth_ok": False, "account.locked": True})
    text = Renderer(kb).rule_text("webmail-auth-failed", kb.evaluate(facts).facts)
    assert "perché l'account è bloccato" in text.explanation


@pytest.mark.parametrize("raw, excluded_title", [
    (SENT_CAUSES_RULED_OUT, "Abbonamento scaduto"),
    ({"webmail.auth_ok": False, "account.locked": False}, "Account bloccato dalla politica"),
])
def test_an_excluded_cause_is_in_no_text_of_the_report(cli, raw, excluded_title):
    run = cli("check", *[f"--fact={k}={'sì' if v is True else 'no' if v is False else v}" for k, v in raw.items()])
    assert run.code == 1, run.err
    assert excluded_title not in run.out


def test_the_document_renders_with_the_evaluations_outcomes(kb):
    result = kb.evaluate(facts_of(kb, {"webmail.auth_ok": False, "account.locked": True}))
    found = document.build(kb, result, Renderer(kb))
    auth = next(f for f in found.findings if f.id == "webmail-auth-failed")
    assert "perché l'account è bloccato" in auth.explanation
