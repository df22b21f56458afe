"""The editorial pass (issue 11): words a native editor struck out must not come back.

Every rule example that fires is rendered in both languages and for both audiences; each
banned wording (a regular expression) is one line of the table, with the language it belongs to.
"""
from __future__ import annotations

import re

import pytest
from diagnostica.engine.inputs.facts import parse_facts_document
from diagnostica.engine.present.render import Renderer

from conftest import EXAMPLES

BANNED = [
    ("it", "pannello di controllo"),            # the UI says «Spazio Cliente»
    ("it", r"\ba a\w"),                        # «rimanda a alias.example.net»: «ad», or «verso»
    ("it", "non li giudica"),
    ("it", "ricerca in linea"),
    ("it", "Outlook 2010"),                     # any current Outlook
    ("it", "dedotto dalla regola"),
    ("it", r"\(1 interrogazioni"),
    ("it", r"Questi host non sono server di posta OVHcloud: [^,]*\.$"),  # one host: singular
    ("en", "Outlook 2010"),
    ("en", "does not judge them"),
    ("en", r"\(1 lookups"),
]


def rendered(kb, lang: str, audience: str) -> list[tuple[str, str]]:
    renderer = Renderer(kb, lang, audience)
    texts = []
    for rule in kb.rules:
        for example in rule.examples:
            if example.expect != "fires" or not rule.is_finding:
                continue
            result = kb.evaluate(parse_facts_document(dict(example.facts), rule.id, kb.catalogue, kb.data).values)
            text = renderer.rule_text(rule.id, result.facts, result.outcomes)
            texts.append((f"{rule.id} › {example.name}", text.explanation + "\n" + text.remediation))
    return texts


@pytest.fixture(scope="module")
def texts(kb):
    return {(lang, audience): rendered(kb, lang, audience) for lang in ("it", "en") for audience in ("agente", "cliente")}


@pytest.mark.parametrize("audience", ["agente", "cliente"])
@pytest.mark.parametrize("lang, words", BANNED)
def test_no_rule_text_uses_a_struck_out_wording(texts, lang, words, audience):
    assert len(texts[lang, audience]) > 40
    assert [where for where, text in texts[lang, audience] if re.search(words, text)] == []


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_customer_text_gives_no_command(texts, lang):
    # A command line is the agent's tool: «diagnostica dns example.it» means nothing to the customer.
    assert [where for where, text in texts[lang, "cliente"] if re.search(r"\bdiagnostica (dns|check|report)\b", text)] == []
    assert [where for where, text in texts[lang, "agente"] if re.search(r"\bdiagnostica dns\b", text)]  # can fail


@pytest.mark.parametrize("lang, rule, first, then", [
    # what to do before asking for the unblock comes first
    ("it", "account-spam-blocked", "cambia la password", "Chiedi lo sblocco"),
    ("en", "account-spam-blocked", "change the account's password", "Ask for the block to be lifted"),
    ("it", "account-locked", "aggiorna la password anche lì", "chiedi lo sblocco"),
    ("en", "account-locked", "update the password there too", "ask OVHcloud support to unlock"),
])
def test_remedies_put_the_cleanup_before_the_unblock(kb, lang, rule, first, then):
    facts = {"account-spam-blocked": {"account.spam_blocked": True}, "account-locked": {"account.locked": True}}[rule]
    text = Renderer(kb, lang).rule_text(rule, facts).remediation
    assert first in text and then in text and text.index(first) < text.index(then)


@pytest.mark.parametrize("argv, said, not_said", [
    # one fact still needed: singular
    (("check", "--fact", "webmail.auth_ok=no"), "serve il dato «Bloccato dalla politica di sicurezza»", "servono i dati «Bloccato"),
    (("check", "--fact", "webmail.auth_ok=no", "--lang", "en"), "\"Locked by the security policy\" is needed", "are needed"),
    # the ticket: no rule ids, ISO dates, the right plural
    (("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "ticket"), "serve il dato «", "regola"),
    (("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "ticket"), "ricavato da: ", "dedotto"),
    (("check", "--fact", "account.suspended=sì"), "nello Spazio Cliente", "pannello di controllo"),
])
def test_report_wording(cli, argv, said, not_said):
    run = cli(*argv)
    assert said in run.out, run.out
    assert not_said not in run.out


def test_the_dropped_secrets_line_reads_naturally(cli, write):
    path = write("facts.yaml", "account: {locked: true, password: hunter2}\n")
    run = cli("check", str(path))
    assert "Ho scartato questi campi riservati senza leggerne né mostrarne il valore: account.password" in run.out
    assert "hunter2" not in run.out and "mai mostrati" not in run.out


@pytest.mark.parametrize("answers, said, not_said", [
    ("perché?\nno\n", "Te lo chiedo perché dalla risposta dipende:", "può decidere"),
    ("no\n", "Esito della consultazione", "Parere completo"),
])
def test_the_consultation_wording(cli, answers, said, not_said):
    run = cli("ask", "--problem", "ricezione", stdin=answers)
    assert said in run.out and not_said not in run.out
