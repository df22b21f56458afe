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
    run = ask(cli, server, "mixed.cases.test", "--format", "json")
    assert run.code == 1
    document = run.json()
    assert document["transcript"] == [] and document["ended"] == "explained"
    assert "mx-invalid" in [f["id"] for f in document["result"]["findings"]]
    assert document["result"]["dns"]["lookups"][0]["query"] == "mixed.cases.test MX"
    assert document["result"]["evidence"]["dns.mx"] == (
        f"interrogazione DNS «mixed.cases.test MX» a {server.address}: risposta ricevuta")
    assert document["result"]["evidence"]["offer"] == "da --fact"  # what was given keeps its own source
    assert "Ho interrogato il DNS di mixed.cases.test prima di cominciare:" in run.err
    assert MX_QUESTION not in run.err


def test_a_correct_mx_in_the_dns_is_not_asked_again(cli, server):
    without = cli("ask", "--problem", "ricezione", "--fact", "domain=hosted-ok.cases.test", "--fact", "offer=hosted",
                  "--fact", "pop_imap=none", stdin="")
    assert MX_QUESTION in without.out  # the question the DNS answers, when nobody asked the DNS
    run = ask(cli, server, "hosted-ok.cases.test")
    assert "hosted-ok.cases.test MX @ " in run.out and "5 record" in run.out
    assert "Domanda 1:" in run.out and MX_QUESTION not in run.out
    assert "Interrogazioni DNS:" in run.out  # the evidence again, after the advice


def test_a_server_that_does_not_answer_is_could_not_check_not_a_wrong_mx(cli, server):
    run = ask(cli, server, "silent.test", "--format", "json", "--timeout", "0.5", stdin="fine\n")
    document = run.json()
    assert document["result"]["dns"]["lookups"][0]["outcome"] == "timeout"
    assert "mx-invalid" not in [f["id"] for f in document["result"]["findings"]]


def test_collect_dns_needs_a_domain(cli):
    run = cli("ask", "--collect-dns", "--nameserver", "127.0.0.1:1", stdin="")
    assert run.code == 2 and "--collect-dns richiede il fatto «domain»" in run.err
