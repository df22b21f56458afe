"""`diagnostica ask --collect-dns`: the DNS facts are collected before the first question (real DNS server)."""
from __future__ import annotations

import pytest

from dnsserver import make_server

MX_QUESTION = "La diagnostica considera valido il record MX del dominio?"


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        yield running


def ask(cli, server, domain: str, *extra: str, stdin: str = ""):
    return cli("ask", "--problem", "ricezione", "--fact", f"domain={domain}", "--fact", "offer=hosted",
               "--fact", "pop_imap=none", "--collect-dns", "--nameserver", server.address, "--timeout", "2",
               *extra, stdin=stdin)


def test_a_foreign_mx_found_in_the_dns_settles_the_problem_without_questions(cli, server):
    run = ask(cli, server, "foreign.cases.test", "--format", "json")  # a foreign host first, not as a fallback
    assert run.code == 1
    document = run.json()
    assert document["transcript"] == [] and document["ended"] == "explained"
    assert "mx-invalid" in [f["id"] for f in document["result"]["findings"]]
    assert document["result"]["dns"]["lookups"][0]["query"] == "foreign.cases.test MX"
    assert document["result"]["evidence"]["dns.mx"] == (
        f"interrogazione DNS «foreign.cases.test MX» a {server.address}: risposta ricevuta")
    assert document["result"]["evidence"]["offer"] == "da --fact"  # what was given keeps its own source
    assert "Ho interrogato il DNS di foreign.cases.test prima di cominciare:" in run.err
    assert MX_QUESTION not in run.err


def test_a_correct_mx_in_the_dns_is_not_asked_again(cli, server):
    without = cli("ask", "--no-dns", "--problem", "ricezione", "--fact", "domain=hosted-ok.cases.test", "--fact", "offer=hosted",
                  "--fact", "pop_imap=none", stdin="")
    assert MX_QUESTION in without.out  # the question the DNS answers, when nobody asked the DNS
    run = ask(cli, server, "hosted-ok.cases.test")
    assert "hosted-ok.cases.test MX @ " in run.out and "5 record" in run.out
    assert "Domanda 1:" in run.out and MX_QUESTION not in run.out
    assert "Interrogazioni DNS:" in run.out  # the evidence again, after the advice


def test_a_server_that_does_not_answer_is_could_not_check_not_a_wrong_mx(cli, server):
    run = ask(cli, server, "silent.test", "--format", "json", "--timeout", "0.1", stdin="fine\n")
    document = run.json()
    assert document["result"]["dns"]["lookups"][0]["outcome"] == "timeout"
    assert "mx-invalid" not in [f["id"] for f in document["result"]["findings"]]


def test_collect_dns_needs_a_domain(cli):
    run = cli("ask", "--collect-dns", "--nameserver", "127.0.0.1:1", stdin="")
    assert run.code == 2 and "--collect-dns richiede il fatto «domain»" in run.err


# ------------------------------------------------ the domain asked first, its lookup offered (no --collect-dns)

def offered(cli, server, *extra: str, stdin: str):
    return cli("ask", "--problem", "ricezione", "--nameserver", server.address, "--timeout", "2", "--format", "json",
               *extra, stdin=stdin)


@pytest.mark.parametrize("extra, stdin, first, looked_up, mx_asked", [
    ((), "foreign.cases.test\nsì\n", "domain", True, False),       # the domain first; yes: the DNS answers
    ((), "foreign.cases.test\nno\nno\n", "domain", False, True),   # declined: the MX verdict is asked
    ((), "non so\nno\n", "domain", False, True),                   # no domain: nothing to offer
    (("--fact", "account.email=mario@foreign.cases.test"), "sì\n", None, True, False),  # known: offered at once
    (("--no-dns",), "no\n", "dns.mx_valid", False, True),          # --no-dns: the planner alone
])
def test_the_domain_comes_first_and_its_lookup_is_offered(cli, server, extra, stdin, first, looked_up, mx_asked):
    run = offered(cli, server, *extra, stdin=stdin)
    document = run.json()
    asked = [e["fact"] for e in document["transcript"] if e["kind"] in ("answer", "unknown")]
    assert (asked[0] if asked else None) == first
    assert ("dns" in document["result"]) is looked_up
    assert ("Vuoi che interroghi adesso il DNS" in run.err) is (first != "dns.mx_valid" and "non so" not in stdin)
    assert ("dns.mx_valid" in asked) is mx_asked
    if looked_up:
        assert "mx-invalid" in [f["id"] for f in document["result"]["findings"]]
        assert document["result"]["evidence"]["dns.mx"].startswith("interrogazione DNS «foreign.cases.test MX»")


def test_why_on_the_domain_names_the_dns_rules_it_can_decide(cli, server, kb):
    from diagnostica.engine.present.render import Renderer

    run = cli("ask", "--problem", "ricezione", "--nameserver", server.address, stdin="perché?\n")
    why = run.out.split(Renderer(kb, "it").text("ask.why.intro"))[1]
    assert "Il dominio non esiste nel DNS (domain-not-found)" in why
    assert "Domanda 1: Qual è il dominio dell'account" in run.out
