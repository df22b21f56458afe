"""What typed answers mean: sì/no/non so, numbered choices, free text, commands."""
from __future__ import annotations

import pytest
from diagnostica.engine import Renderer
from diagnostica.engine.consult.answers import parse


@pytest.fixture(scope="module")
def words(kb):
    return Renderer(kb, "it").section("ask.words")


@pytest.mark.parametrize("line, kind, value", [
    ("sì", "answer", True), ("Si", "answer", True), ("SÌ.", "answer", True), ("  s ", "answer", True),
    ("no", "answer", False), ("No!", "answer", False),
    ("non so", "unknown", None), ("Non  so", "unknown", None), ("boh", "unknown", None),
    ("perché?", "why", None), ("perche", "why", None), ("Perchè?", "why", None),
    ("indietro", "back", None), ("?", "help", None), ("fine", "stop", None),
    ("forse", "invalid", None), ("", "invalid", None),
])
def test_boolean_answers(kb, words, line, kind, value):
    parsed = parse(line, kb.catalogue["account.locked"], words)
    assert (parsed.kind, parsed.value) == (kind, value)


def test_enum_answers_by_number_value_or_label(kb, words):
    fact = kb.catalogue["pop_imap"]
    choices = Renderer(kb, "it").fact_choices("pop_imap")
    assert parse("1", fact, words, choices).value == "none"
    assert parse("3", fact, words, choices).value == "external"
    assert parse("OVH", fact, words, choices).value == "ovh"
    assert parse("nessuna, solo exchange", fact, words, choices).value == "none"
    for bad in ("0", "4", "altrove"):
        parsed = parse(bad, fact, words, choices)
        assert (parsed.kind, parsed.problem) == ("invalid", "enum")


def test_free_text_goes_through_the_catalogue(kb, words):
    assert parse("EX2.mail.ovh.net.", kb.catalogue["exchange_server"], words).value == "ex2.mail.ovh.net"
    assert parse("mx1.mail.ovh.net, Mail.Example.com", kb.catalogue["dns.mx"], words).value == \
        ("mx1.mail.ovh.net", "mail.example.com")
    records = parse("0 0 443 ex2.mail.ovh.net", kb.catalogue["dns.autodiscover_srv"], words)
    assert records.value == ({"priority": 0, "weight": 0, "port": 443, "target": "ex2.mail.ovh.net"},)
    bad = parse("0 0 ex2.mail.ovh.net", kb.catalogue["dns.autodiscover_srv"], words)
    assert bad.kind == "invalid" and dict(bad.params)["code"] == "fact_bad_record"
