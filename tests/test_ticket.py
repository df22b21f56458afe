"""The ticket summary (`--format ticket`): what it says, and that no secret ever reaches it."""
from __future__ import annotations

import re

import pytest

SECRET = "Segreta!2026"


def test_check_ticket_has_account_domain_date_findings_checks_and_attempts(cli, write):
    facts = write("facts.yaml", f"""\
account: {{email: mario.rossi@example.it, password: "{SECRET}"}}
offer: hosted
pop_imap: none
dns: {{mx: [mx1.mail.ovh.net, mail.example.com]}}
test_email: {{sent: true, received: false}}
customer: {{tried: [riavviato Outlook, "cambiata la password in {SECRET}"]}}
diagnostic: {{last_check: "2026-11-27T16:42:10+01:00"}}
""")
    run = cli("check", str(facts), "--format", "ticket")
    assert run.code == 1, run.err
    text = run.out
    assert text.startswith("Oggetto: Exchange, Record MX del dominio non valido (mario.rossi@example.it)")
    assert "Account: mario.rossi@example.it\nDominio: example.it\n" in text
    assert re.search(r"Data della richiesta: \d\d/\d\d/\d{4} \d\d:\d\d", text)
    assert "\nUltima diagnostica dallo Spazio Cliente: 27/11/2026 16:42\n" in text  # every date as the ticket writes it
    assert "1. Record MX del dominio non valido (ERRORE)\n" in text
    assert "   In base a: Record MX valido = no; Record MX = mx1.mail.ovh.net, mail.example.com" in text
    assert "   Conseguenza di: Record MX del dominio non valido" in text
    assert "- Email di prova ricevuta: no (" not in text  # check gives no evidence beyond the value
    assert "- Email di prova ricevuta: no\n" in text
    assert "- Record MX valido: no (ricavato da: Caselle POP/IMAP del dominio, Record MX)" in text
    assert "regola" not in text and "mx-records-check" not in text  # no internal jargon
    assert "ANCORA DA VERIFICARE\n- Abbonamento scaduto o account sospeso: serve il dato «Abbonamento scaduto / account sospeso»\n" in text
    assert "COSA HA GIÀ PROVATO IL CLIENTE\n- riavviato Outlook\n- cambiata la password ***\n" in text
    assert SECRET not in text and SECRET not in run.err


def test_report_ticket_quotes_the_recognised_lines_but_never_a_secret(cli, write):
    pasted = write("paste.txt", f"""\
Account: mario.rossi@example.it  password: {SECRET}
ATTENZIONE: L'autenticazione alla Webmail non è andata a buon fine (password {SECRET})
ATTENZIONE: impossibile inviare l'email di test da questo account.
token={SECRET}
""")
    run = cli("report", str(pasted), "--format", "ticket")
    assert run.code == 1, run.err
    assert "- Accesso alla Webmail riuscito: no (riga 2 del rapporto incollato: «ATTENZIONE:" in run.out
    assert "1. Autenticazione alla Webmail non riuscita (ERRORE)\n" in run.out
    assert "Account: mario.rossi@example.it\nDominio: example.it\n" in run.out  # read from the page too
    assert "omesse da questo riepilogo" in run.out
    assert SECRET not in run.out and SECRET not in run.err
    assert "riga 4 (ignorata): token=***" in run.err  # the noise is still reported, masked


def test_every_format_of_report_masks_the_secret(cli, write):
    pasted = write("paste.txt", f"password: {SECRET}\nATTENZIONE: il record MX del dominio non è valido\n")
    for fmt in ("text", "markdown", "json", "ticket"):
        run = cli("report", str(pasted), "--format", fmt)
        assert run.code == 1, (fmt, run.err)
        assert SECRET not in run.out + run.err, fmt


def test_ticket_without_findings_and_in_english(cli):
    run = cli("check", "--fact", "dns.mx_valid=true", "--format", "ticket")
    assert run.code == 0
    assert "Nessun problema accertato con i dati raccolti." in run.out
    assert "- Record MX valido: sì" in run.out
    english = cli("check", "--fact", "dns.mx_valid=false", "--format", "ticket", "--lang", "en")
    assert english.out.startswith("Subject: Exchange, Invalid MX record for the domain")
    assert "WHAT THE CUSTOMER ALREADY TRIED\n- Nothing reported." in english.out


@pytest.mark.parametrize("given, shown", [
    ("2026-11-27T16:42:10+01:00", "27/11/2026 16:42"),  # the API's lastCheck
    ("2026-11-27T16:42", "27/11/2026 16:42"),           # a pasted «Ultima diagnostica: 27/11/2026 16:42»
    ("ieri sera", "ieri sera"),                          # not a date: shown as it was given
])
def test_the_ticket_writes_every_date_one_way(cli, given, shown):
    run = cli("check", "--fact", "account.locked=sì", "--fact", f"diagnostic.last_check={given}", "--format", "ticket")
    assert f"\nUltima diagnostica dallo Spazio Cliente: {shown}\n" in run.out
