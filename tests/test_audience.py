"""`--audience cliente`: a message the agent can send as it is (no guide numbers, CLI flags or rule ids)."""
from __future__ import annotations

import re

import pytest
from diagnostica.engine.inputs.facts import parse_facts_document
from diagnostica.engine.present import customer, document
from diagnostica.engine.present.render import Renderer

from conftest import EXAMPLES, copy_kb


def leaks(kb, text: str) -> list[str]:
    """What an agent-only text would show: a guide number, a command-line flag, a rule id."""
    found = [word for word in ("g2277", "--") if word in text]
    # A rule id (^[a-z][a-z0-9]*(-[a-z0-9]+)*$, rules.schema.json) shows as a whole run of word characters
    # and hyphens: the text's runs, gathered once, instead of one search of the text per rule.
    runs = set(re.findall(r"[\w-]+", text))
    return found + [r.id for r in kb.rules if r.id in runs]


COMMANDS = [
    ("check", str(EXAMPLES / "mx-foreign.yaml")),
    ("check", str(EXAMPLES / "api-diagnosis.json")),
    ("report", str(EXAMPLES / "incollato.txt")),
]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize("command, path", COMMANDS, ids=[p.rsplit("/", 1)[1] for _, p in COMMANDS])
def test_the_customer_text_of_every_example_is_clean(cli, kb, command, path, fmt, lang):
    run = cli(command, path, "--audience", "cliente", "--format", fmt, "--lang", lang)
    assert run.code == 1, run.err
    assert leaks(kb, run.out) == []
    agent = cli(command, path, "--format", fmt, "--lang", lang)
    assert leaks(kb, agent.out)  # the agent's text does show them: the test can fail


def rule_examples(kb):
    """Each rule example's facts, through the catalogue as any input is."""
    return [(rule.id, n, parse_facts_document(dict(ex.facts), rule.id, kb.catalogue, kb.data).values)
            for rule in kb.rules for n, ex in enumerate(rule.examples)]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_customer_text_of_every_rule_example_is_clean(kb, lang):
    renderer = Renderer(kb, lang, audience="cliente")
    dirty = {}
    examples = rule_examples(kb)
    assert len(examples) > 20
    for rule_id, number, facts in examples:
        text = customer.message(document.build(kb, kb.evaluate(facts), renderer))
        if found := leaks(kb, text) + [word for word in JARGON if word in text]:
            dirty[f"{rule_id}#{number}"] = found
    assert dirty == {}


#: Words of DNS and mail protocols a customer cannot read; the agent's text keeps them (they say what to look at).
JARGON = ("NXDOMAIN", "SERVFAIL", "REFUSED", "permerror", "RFC ", "resolver")


@pytest.mark.parametrize("words", [("Buongiorno,", "Cordiali saluti"), ])
def test_the_customer_text_greets_and_closes(cli, words):
    run = cli("report", str(EXAMPLES / "incollato.txt"), "--audience", "cliente")
    assert all(w in run.out for w in words)
    assert "Righe riconosciute" not in run.out  # what was read is the agent's business


def test_an_unknown_audience_is_an_input_error(cli):
    run = cli("check", str(EXAMPLES / "mx-foreign.yaml"), "--audience", "capo")
    assert run.code == 2 and "Traceback" not in run.err
    assert "agente, cliente" in run.err


@pytest.mark.parametrize("args", [
    ("dns", "example.it", "--zone-file", str(EXAMPLES / "example.it.zone")),
    ("ask", "--problem", "ricezione", "--fact", "dns.mx_valid=false", "--answers", "-"),
    ("ask", "--report", str(EXAMPLES / "incollato.txt"), "--answers", "-"),
], ids=["dns", "ask", "ask-report"])
def test_dns_and_ask_have_the_customer_audience_too(cli, kb, args):
    run = cli(*args, "--audience", "cliente", stdin="")
    assert run.code == 1, run.err
    advice = run.out.split("=\n", 1)[-1] if args[0] == "ask" else run.out  # ask's questions are the agent's
    assert leaks(kb, advice) == []
    assert leaks(kb, cli(*args, stdin="").out)  # the agent's text does show them: the test can fail


@pytest.mark.parametrize("lang, servers", [("it", "Server interrogati"), ("en", "Servers asked")])
def test_the_customer_is_not_told_which_servers_were_asked(kb, lang, servers):
    facts = {"domain": "example.it", "dns.mx_lookup": "timeout", "dns.servers": ["192.0.2.53:53"]}
    for audience, shown in (("cliente", False), ("agente", True)):
        text = customer.message(document.build(kb, kb.evaluate(facts), Renderer(kb, lang, audience=audience)))
        assert (servers in text and "192.0.2.53" in text) is shown, (audience, text)


@pytest.mark.parametrize("lang, plain, technical", [
    ("it", "Firma di sicurezza del DNS del dominio (DNSSEC) non valida", "Catena DNSSEC del dominio rotta"),
    ("en", "Invalid security signature of the domain's DNS (DNSSEC)", "Broken DNSSEC chain for the domain"),
])
def test_the_customer_reads_the_causes_still_open_in_plain_words(cli, lang, plain, technical):
    customer_text = cli("report", str(EXAMPLES / "incollato.txt"), "--audience", "cliente", "--lang", lang).out
    agent_text = cli("report", str(EXAMPLES / "incollato.txt"), "--lang", lang).out
    assert (plain in customer_text, technical in customer_text) == (True, False)
    assert technical in agent_text  # the agent keeps the technical title


def test_a_customer_title_only_in_italian_is_not_used_in_english(tmp_path):
    # An English text never shows an Italian title: without the English customer_title, the English title.
    from diagnostica.engine.kb import sources
    from diagnostica.engine.run.load import load

    root = copy_kb(tmp_path)
    english = root / "locales" / "en" / "mail-auth.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace(
        ",\n                 customer_title: \"Invalid security signature of the domain's DNS (DNSSEC)\"",
        ""), encoding="utf-8")
    copy = load(sources.from_directory(root), cache=False)
    assert Renderer(copy, "en", "cliente").rule_title("dnssec-bogus") == "Broken DNSSEC chain for the domain"
    assert Renderer(copy, "it", "cliente").rule_title("dnssec-bogus").startswith("Firma di sicurezza")


def test_lint_names_a_customer_title_that_is_not_a_text(cli, tmp_path):
    root = copy_kb(tmp_path)
    path = root / "locales" / "it" / "mail-auth.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'customer_title: "Più record SPF per il dominio, dove ne è ammesso uno solo"', "customer_title: [a, b]"),
        encoding="utf-8")
    run = cli("rules", "lint", str(root))
    assert "mail-auth.yaml:6:26: errore: «rules.spf-multiple-records.customer_title» deve essere un testo" in run.out


@pytest.mark.parametrize("facts, checked", [
    (["domain=example.it", "dns.mx_valid=false"], "servizio Exchange per il dominio example.it."),
    (["account.email=mario@example.it", "dns.mx_valid=false"], "servizio Exchange per l'account mario@example.it."),
])
def test_the_customer_is_told_what_was_checked(cli, facts, checked):
    run = cli("check", *(arg for fact in facts for arg in ("--fact", fact)), "--audience", "cliente")
    assert checked in run.out
