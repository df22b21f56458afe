"""Reading the panel's diagnostic as agents paste it, and `diagnostica report`."""
from __future__ import annotations

import json

import pytest
from diagnostica.engine.inputs import panel

# The panel's wording today, with the noise of a copied web page around it.
PANEL_PASTE = """\
Spazio Cliente  >  Exchange  >  Diagnostica
Risultato della diagnostica dell'account mario.rossi@example.it

ATTENZIONE: il tuo account è bloccato per invio di messaggi di Spam
ATTENZIONE: Il tuo abbonamento è scaduto
ATTENZIONE: le politiche di sicurezza hanno bloccato il tuo account.
ATTENZIONE: L'autenticazione alla Webmail non è andata a buon fine
ATTENZIONE: il record MX del dominio non è valido
ATTENZIONE: l'email di test non è stata ricevuta.
ATTENZIONE: il record SRV del dominio non è valido.
ATTENZIONE: impossibile inviare l'email di test da questo account.

Nuova diagnostica     Crea una richiesta di supporto
"""

# The seed guide's wording, messier: other capitals, no accents or full stops, extra spaces,
# lines broken in two, a bullet, two warnings on one line, typographic apostrophes.
SEED_PASTE = """\
Ecco il risultato:
- attenzione: l’account è bloccato per invio di Spam
ATTENZIONE:   l'account e scaduto
ATTENZIONE: LE POLITICHE DI SICUREZZA HANNO BLOCCATO
il tuo account
ATTENZIONE: l'autenticazione alla Webmail è fallita ATTENZIONE: il record MX del dominio non è valido
ATTENZIONE:
L'email di test non e stata ricevuta
  ATTENZIONE :  il record  SRV del dominio non è valido
ATTENZIONE: impossibile inviare l'email di test da questo account
grazie, Mario
"""

ALL_FAILED = {
    "account.spam_blocked": True, "account.suspended": True, "account.locked": True,
    "webmail.auth_ok": False, "dns.mx_valid": False, "test_email.received": False,
    "dns.srv_valid": False, "test_email.sent": False,
}


def read(kb, text, **options):
    return panel.read(text, kb.data, kb.catalogue, **options)


ACCOUNT = {"account.email": "mario.rossi@example.it", "domain": "example.it"}  # the domain from the address


@pytest.mark.parametrize("text, expected", [(PANEL_PASTE, {**ACCOUNT, **ALL_FAILED}), (SEED_PASTE, ALL_FAILED)],
                         ids=["panel", "seed"])
def test_both_wordings_give_every_check(kb, text, expected):
    reading = read(kb, text)
    assert reading.facts.values == expected


def test_noise_is_reported_not_dropped(kb):
    reading = read(kb, PANEL_PASTE)
    assert [u.line for u in reading.unrecognised] == [1, 13]  # line 2 gave the account's address
    assert not any(u.warning for u in reading.unrecognised)
    seed = read(kb, SEED_PASTE)
    assert [(u.line, u.text) for u in seed.unrecognised] == [(1, "Ecco il risultato:"), (11, "grazie, Mario")]


def test_broken_lines_are_joined_and_their_span_kept(kb):
    reading = read(kb, SEED_PASTE)
    spans = {r.fact: (r.first_line, r.last_line) for r in reading.recognised}
    assert spans["account.locked"] == (4, 5)
    assert spans["test_email.received"] == (7, 8)
    assert spans["webmail.auth_ok"] == spans["dns.mx_valid"] == (6, 6)


def test_warnings_run_together_each_show_their_own_words(kb):
    reading = read(kb, SEED_PASTE)
    texts = {r.fact: r.text for r in reading.recognised}
    assert texts["webmail.auth_ok"] == "ATTENZIONE: l'autenticazione alla Webmail è fallita"
    assert texts["dns.mx_valid"] == "ATTENZIONE: il record MX del dominio non è valido"


@pytest.mark.parametrize("warning", ["ATTENZIONE: il record MX del dominio non è valido. ", "ATTENZIONE: x y z "])
def test_a_long_line_of_warnings_is_read_in_the_size_of_the_paste(kb, warning):
    # Each warning of a line used to keep (and show) the whole line: a 1 MB line of them, a paste the web
    # page accepts, held one copy per warning -- gigabytes -- and the report repeated it as many times.
    line = warning * 300  # each warning showed all 300 before (300 times the line)
    reading = read(kb, line)
    shown = sum(len(r.text) for r in reading.recognised) + sum(len(u.text) for u in reading.unrecognised)
    assert len(reading.recognised) + len(reading.unrecognised) == 300 and shown <= len(line)


def test_an_unrelated_line_before_a_warning_without_marker_is_not_swallowed(kb):
    reading = read(kb, "Nota dell'agente\nil record MX del dominio non è valido\n")
    assert reading.facts.values == {"dns.mx_valid": False}
    assert [u.text for u in reading.unrecognised] == ["Nota dell'agente"]


def test_english_and_french_panels(kb):
    text = ("IMPORTANT: The test email has not been received\n"
            "ATTENTION : L'enregistrement MX du domaine n'est pas valide\n"
            "IMPORTANT: Your account has been blocked for sending spam.\n"
            "ATTENTION : impossible d'envoyer l'e-mail de test depuis ce compte.\n")
    assert read(kb, text).facts.values == {
        "test_email.received": False, "dns.mx_valid": False, "account.spam_blocked": True, "test_email.sent": False}


def test_an_unknown_warning_is_flagged(kb):
    reading = read(kb, "ATTENZIONE: il server è in manutenzione\n")
    assert reading.facts.values == {}
    assert reading.unrecognised[0].warning


def test_complete_result_means_the_missing_checks_passed(kb):
    reading = read(kb, "ATTENZIONE: il record MX del dominio non è valido\n", complete=True)
    assert reading.facts.values["dns.mx_valid"] is False
    assert reading.facts.values["account.spam_blocked"] is False
    assert reading.facts.values["test_email.sent"] is True
    assert len(reading.facts.values) == len(ALL_FAILED)


def test_a_password_in_the_paste_is_masked_and_noted(kb):
    reading = read(kb, "Password: Segreta!2026\nATTENZIONE: il record MX del dominio non è valido\n")
    assert "Segreta" not in repr(reading)
    assert reading.facts.secrets == ["password"]


def test_patterns_are_data(kb):
    compiled = panel.patterns(kb.data, kb.catalogue)
    assert {c.fact for c in compiled.checks} == {*ALL_FAILED}
    assert {v.fact for v in compiled.values} == {"account.email", "offer", "diagnostic.last_check"}
    api = kb.data["api_diagnosis"]["fields"]
    for item in kb.data["panel"]["checks"]:  # each panel check is the same check as its API field
        assert api[item["api"]]["fact"] == item["fact"]


# ------------------------------------------------------------------ the command

def test_report_gives_the_same_findings_as_the_equivalent_facts_file(cli, write):
    for text, extra in ((PANEL_PASTE, ACCOUNT), (SEED_PASTE, {})):
        equivalent = {**extra, **ALL_FAILED}
        facts = write("facts.yaml", "\n".join(f"{k}: {str(v).lower()}" for k, v in equivalent.items()) + "\n")
        expected = cli("check", str(facts), "--format", "json").json()
        pasted = write("pasted.txt", text)
        got = cli("report", str(pasted), "--format", "json")
        assert got.code == 1, got.err
        document = got.json()
        assert [f["id"] for f in document["findings"]] == [f["id"] for f in expected["findings"]]
        assert [f["because"] for f in document["findings"]] == [f["because"] for f in expected["findings"]]
        assert document["facts"] == expected["facts"]


def test_report_from_stdin_lists_what_it_did_not_understand(cli):
    run = cli("report", "-", stdin="Buongiorno\nATTENZIONE: il record MX del dominio\nnon è valido\n")
    assert run.code == 1, run.err
    assert "riga 2: Record MX valido = no" in run.out
    assert "riga 1 (ignorata): Buongiorno" in run.out
    assert "[ERRORE] Record MX del dominio non valido (mx-invalid)" in run.out


def test_report_that_recognises_nothing_is_an_input_error(cli, write):
    run = cli("report", str(write("x.txt", "Buongiorno, non riesco a inviare\n")))
    assert run.code == 2
    assert "nessuna riga del rapporto è stata riconosciuta" in run.err
    assert "Traceback" not in run.err
    assert cli("report", str(write("empty.txt", "  \n"))).code == 2


def test_report_reads_the_api_json(cli, write):
    api = {"isSpammer": False, "isSuspended": True, "isLocked": False, "connectiveOWA": True, "isMxValid": True,
           "canReceiveEmail": False, "isSrvValid": True, "canSendEmail": False, "lastCheck": "2026-11-27T16:42:10+01:00",
           "password": "Segreta!2026"}
    run = cli("report", str(write("api.json", json.dumps(api))), "--format", "json")
    document = run.json()
    assert {f["id"] for f in document["findings"]} == {"account-expired", "test-email-not-sent",
                                                       "test-email-not-received"}
    assert "Segreta" not in run.out
    assert document["secrets_ignored"] == ["password"]


@pytest.mark.parametrize("text, candidates", [
    ("l'account è bloccato per spam dalle politiche di sicurezza", ("account.spam_blocked", "account.locked")),
    ("il record MX e il record SRV non sono validi", ("dns.mx_valid", "dns.srv_valid")),
])
def test_a_line_about_two_checks_is_listed_not_guessed(kb, text, candidates):
    reading = read(kb, text)
    assert reading.facts.values == {}
    assert [u.candidates for u in reading.unrecognised] == [candidates]


def test_report_shows_a_line_about_two_checks(cli):
    run = cli("report", "-", stdin="ATTENZIONE: il record MX e il record SRV non sono validi\n"
                                   "ATTENZIONE: l'email di test non è stata ricevuta\n")
    assert "riga 1 (potrebbe riguardare più controlli: Record MX valido, Record SRV valido" in run.out, run.out


# ------------------------------------------------------------------ the page around the warnings

@pytest.mark.parametrize("line, expected", [
    ("Account: info@pizzeria-bella.it", {"account.email": "info@pizzeria-bella.it", "domain": "pizzeria-bella.it"}),
    ("Compte e-mail : Contact@Boulangerie.FR", {"account.email": "contact@boulangerie.fr", "domain": "boulangerie.fr"}),
    ("Spazio Cliente > Exchange > hosted-ab12345-1 > Diagnostica", {"offer": "hosted"}),
    ("Service: private-zz98765-2", {"offer": "private"}),
    ("Ultima diagnostica: 27/11/2026 16:42", {"diagnostic.last_check": "2026-11-27T16:42"}),
    ("Ultima diagnostica il 3.2.26 alle 9:05", {"diagnostic.last_check": "2026-02-03T09:05"}),
    ("Last diagnostic: 2026-11-27 16:42", {"diagnostic.last_check": "2026-11-27T16:42"}),
    ("Dernier diagnostic le 27/11/2026 à 16h42", {"diagnostic.last_check": "2026-11-27T16:42"}),
    ("Ultima diagnostica: 27/11/2026", {"diagnostic.last_check": "2026-11-27"}),
    ("Ultima diagnostica: 31/02/2026 16:42", {}),  # no such day: shown to the agent, not guessed
    ("Listino hosted-exchange 2026", {}),  # not a service name
])
def test_values_from_the_page(kb, line, expected):
    assert read(kb, line).facts.values == expected


def test_a_given_domain_is_kept(kb):
    assert read(kb, "Account: info@pizzeria-bella.it").facts.sources["domain"] == "<testo>:1"
    facts = panel.FactSet({"account.email": "a@b.it", "domain": "other.it"})
    assert panel.with_context(facts, kb.catalogue).values["domain"] == "other.it"


@pytest.mark.parametrize("source", ["paste", "facts file"])
def test_record_lines_name_the_domain_of_the_address(cli, write, source):
    text = ("Account: info@pizzeria-bella.it\nATTENZIONE: il record MX del dominio non è valido\n" if source == "paste"
            else "account.email: info@pizzeria-bella.it\ndns.mx_valid: false\n")
    run = cli("report" if source == "paste" else "check", str(write("in.txt", text)))
    assert "pizzeria-bella.it. " in run.out and "tuodominio.it" not in run.out, run.out


def test_the_exact_reading_finds_what_word_by_word_matching_finds(kb, monkeypatch):
    """Every signal group of the shipped checks, on every line of the recognition corpus: the exact
    positions (one-word stems tested all at once) are those a word-by-word reading finds."""
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent / "panel_corpus"))
    from corpus import LANGUAGES, cases

    compiled = panel.patterns(kb.data, kb.catalogue)
    matcher = panel._Matcher(compiled)
    groups = {s for c in compiled.checks for s in (*c.topic, c.good, c.bad, c.unless)}
    lines = [case.text for lang in LANGUAGES for case in cases(lang)]
    lines += [" ".join(("prima", *phrase, "dopo")) for s in groups for phrase in s.phrases]  # each phrase, said
    found_any = 0
    for text in lines:
        tokens = panel.words(text)
        for signals in groups:
            expected = {i + len(p) - 1 for p in signals.phrases for i in range(len(tokens) - len(p) + 1)
                        if all(tokens[i + k].startswith(p[k]) for k in range(len(p)))}
            assert set(matcher._at(signals, tokens, False)) == expected, (text, signals)
            found_any += bool(expected)
    assert found_any > len(lines)  # the lines do speak of the checks


@pytest.mark.parametrize("line", ["ATTENZIONE: il webmail ha rifiutato le credenziali",
                                  "IMPORTANT: webmail rejected the credentials",
                                  "IMPORTANT: authorization failed, webmail login not possible"])
def test_a_check_line_with_a_secret_like_word_is_still_read(kb, line):
    """Masking secrets never hides a check: a secret masking rule once took «credenziali» after a colon
    for a value, and 'authorization' for a key, and the webmail check was lost."""
    reading = panel.read(line, kb.data, kb.catalogue)
    assert [(r.check, r.value) for r in reading.recognised] == [("webmail", False)]
