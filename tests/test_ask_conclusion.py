"""A consultation about a complaint always concludes: a confirmed cause, or «causa non accertata» and what is open."""
from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.mark.parametrize("answers, code, not_established", [
    ("non so\n" * 12, 1, True),        # nothing known: the complaint stands, its causes are listed
    ("", 1, True),                     # input over at once: the same
])
def test_inconclusive_consultation_exits_1_and_lists_the_open_causes(write, answers, code, not_established):
    path = write("answers.txt", answers)
    run = run_cli("ask", "--problem", "ricezione", "--answers", str(path))
    assert run.code == code, run.err
    assert ("Causa non accertata" in run.out) is not_established
    assert "Record MX del dominio non valido" in run.out  # an open cause, by its title
    assert "Nessun problema riscontrato" not in run.out


def test_open_causes_in_json_name_what_would_decide_them(write):
    path = write("answers.txt", "")
    run = run_cli("ask", "--problem", "ricezione", "--answers", str(path), "--format", "json")
    complaint = run.json()["result"]["complaint"]
    assert (run.code, complaint["problem"], complaint["explained"]) == (1, "ricezione", False)
    assert {"cause": "mx-invalid", "needs": ["dns.mx_valid", "dns.mx", "pop_imap"]} in complaint["open_causes"]


def test_a_confirmed_cause_explains_the_complaint(write):
    path = write("answers.txt", "")
    run = run_cli("ask", "--problem", "ricezione", "--answers", str(path), "--format", "json",
                  "--fact", "dns.mx_valid=false")
    complaint = run.json()["result"]["complaint"]
    assert (complaint["explained"], complaint["confirmed"], complaint["open_causes"]) == (True, ["mx-invalid"], [])
    assert "Causa non accertata" not in run_cli("ask", "--problem", "ricezione", "--answers", str(path),
                                                "--fact", "dns.mx_valid=false").out


def test_ask_from_a_paste_lists_the_lines_it_did_not_understand(write):
    paste = write("p.txt", "ATTENZIONE: riga misteriosa che nessuno capisce\n"
                           "ATTENZIONE: il tuo account è bloccato per invio di messaggi di Spam\n")
    run = run_cli("ask", "--report", str(paste), "--answers", str(write("a.txt", "")))
    assert "Righe non riconosciute" in run.out
    assert "riga misteriosa che nessuno capisce" in run.out


def test_links_name_rules_by_title_and_leave_out_excluded_causes():
    args = ("check", "--fact", "test_email.sent=false", "--fact", "account.spam_blocked=false")
    links = {link["id"]: link for link in run_cli(*args, "--format", "json").json()["findings"][0]["links"]}
    assert links["account-spam-blocked"]["status"] == "excluded"
    line = next(x for x in run_cli(*args).out.splitlines() if "Collegamenti" in x)
    assert "spam" not in line.lower()            # ruled out: no lead any more
    assert "webmail-auth-failed" not in line     # rules by title, not by id
    assert "Autenticazione alla Webmail non riuscita" in line
