"""`diagnostica ask` end to end: through a real pseudo-terminal, and scripted through stdin."""
from __future__ import annotations

import os
import pty
import select
import subprocess

import pytest

from conftest import _command


class Terminal:
    """The real command on a pseudo-terminal: what an agent sees and types."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "TERM": "dumb"}
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([*_command(), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True)
        os.close(slave)
        self.seen = ""  # everything read so far
        self.pos = 0  # how far expect() has consumed

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            return False
        self.seen += data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return True

    def expect(self, text: str) -> str:
        """Wait for ``text`` (a safety limit only: a hung child fails the test instead of hanging it)."""
        while text not in self.seen[self.pos:]:
            if not self._read(30):
                raise AssertionError(f"never saw {text!r}; the terminal shows:\n{self.seen[self.pos:]}")
        start = self.seen.index(text, self.pos)
        chunk = self.seen[self.pos:start + len(text)]
        self.pos = start + len(text)
        return chunk

    def type(self, line: str) -> None:
        os.write(self.master, line.encode("utf-8") + b"\n")

    def ctrl_d(self) -> None:
        os.write(self.master, b"\x04")

    def finish(self) -> int:
        while self._read(30):
            pass
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_a_consultation_on_a_real_terminal(tmp_path):
    term = Terminal("ask", "--no-dns", "--problem", "invio")
    term.expect("Problema segnalato: il cliente non riesce a inviare email")
    first = term.expect("> ")
    assert "Domanda 1: Nella scheda «Account email» l'account ha l'etichetta SPAM?" in first
    assert "[sì/no/non so]" in first

    term.type("perché?")
    why = term.expect("> ")
    assert "Account bloccato per invio di spam (account-spam-blocked)" in why
    assert "possibile causa di «Impossibile inviare l'email di prova»" in why

    term.type("forse")
    assert "Non ho capito «forse»: rispondi sì, no o non so" in term.expect("> ")
    term.type("?")
    assert "Risposte possibili: sì, no, non so." in term.expect("> ")

    term.type("no")
    second = term.expect("> ")
    assert "Problema escluso: Account bloccato per invio di spam (account-spam-blocked)" in second
    assert "Domanda 2:" in second and "politica di sicurezza ha bloccato" in second

    term.type("indietro")
    again = term.expect("> ")
    assert "Annullata la risposta a: Nella scheda «Account email»" in again
    assert "Domanda 1: Nella scheda «Account email»" in again  # the undone question, asked again

    term.type("no")
    term.expect("Domanda 2:")
    term.expect("> ")
    term.type("no")
    term.expect("Domanda 3:")
    term.expect("> ")
    term.ctrl_d()
    rest = term.expect("Esito della consultazione")
    assert "Fine dell'input" in rest
    code = term.finish()
    assert "Vuoi il riepilogo" not in term.seen  # the input is over: nothing more is asked
    assert "Traceback" not in term.seen
    assert code == 1  # the complaint stands: no cause confirmed yet («causa non accertata»)


def test_a_terminal_consultation_to_the_ticket():
    term = Terminal("ask", "--no-dns", "--problem", "ricezione", "--fact", "account.email=mario.rossi@example.it")
    assert "Domanda 1: La diagnostica considera valido il record MX" in term.expect("> ")
    term.type("no")
    found = term.expect("[sì/no] ")
    assert "Problema accertato: Record MX del dominio non valido (mx-invalid)" in found
    assert "non servono altre domande" in found
    assert "[ERRORE] Record MX del dominio non valido (mx-invalid)" in found
    term.type("sì")
    term.expect("Che cosa ha già provato il cliente?")
    term.expect("> ")
    term.type("riavviato Outlook, la password è Segreta!2026")
    ticket = term.expect("Grazie per l'aiuto.")
    assert "Account: mario.rossi@example.it" in ticket
    assert "- riavviato Outlook" in ticket
    assert term.finish() == 1
    assert "Segreta" not in term.seen.split("Riepilogo per il ticket")[1]


# ------------------------------------------------------------------ scripted

def test_answers_from_stdin_are_echoed_and_the_consultation_stops_when_explained(cli):
    run = cli("ask", "--no-dns", "--problem", "ricezione", stdin="no\n")
    assert run.code == 1, run.err
    assert "Domanda 1: La diagnostica considera valido il record MX del dominio?\n[sì/no/non so]\n> no\n" in run.out
    assert "Problema accertato: Record MX del dominio non valido (mx-invalid)" in run.out
    assert "Domanda 2" not in run.out
    assert "Esito della consultazione" in run.out
    assert "Riepilogo per il ticket" not in run.out  # stdin ended before the offer was answered


def test_invalid_choices_are_asked_again_and_why_follows_derived_facts(cli):
    answers = "non so\nperché?\n7\naltrove\n1\n"  # MX verdict unknown; then where POP/IMAP lives
    run = cli("ask", "--no-dns", "--problem", "ricezione", "--fact", "dns.mx=mx1.mail.ovh.net", "--fact", "account.suspended=no",
              "--fact", "account.suspended=no", stdin=answers)
    out = run.out
    assert "Domanda 2: Il dominio ha anche caselle POP/IMAP?" in out
    assert "  1. Nessuna, solo Exchange\n  2. Sì, ospitate da OVHcloud\n  3. Sì, ospitate da un altro fornitore\n" in out
    assert "attraverso «Record MX valido», che si ricava da questa risposta" in out
    assert out.count("Non ho capito") == 2 and "Non ho capito «7»: scrivi un numero da 1 a 3" in out
    assert "Problema escluso: Record MX del dominio non valido (mx-invalid)" in out
    assert out.count("Domanda 2:") == 1
    assert "Traceback" not in run.err


def test_json_gives_the_transcript_and_the_result(cli, write):
    answers = write("answers.txt", "no\nperché?\nsì\n")
    run = cli("ask", "--no-dns", "--problem", "invio", "--answers", str(answers), "--format", "json")
    assert run.code == 1
    document = run.json()  # stdout holds the document only; the conversation went to stderr
    assert "Domanda 1" in run.err
    kinds = [(e["n"], e["fact"], e["kind"]) for e in document["transcript"]]
    assert kinds == [(1, "account.spam_blocked", "answer"), (2, "account.locked", "why"),
                     (2, "account.locked", "answer")]
    assert document["ended"] == "explained"
    assert [f["id"] for f in document["result"]["findings"]] == ["account-locked"]
    assert document["result"]["evidence"]["account.locked"] == "risposta alla domanda 2"


def test_fine_stops_early_and_the_advice_covers_what_is_known(cli):
    run = cli("ask", "--no-dns", "--format", "json", stdin="sì\nfine\n")
    document = run.json()
    assert document["ended"] == "stopped"
    assert [f["id"] for f in document["result"]["findings"]] == ["account-spam-blocked"]


def test_starting_from_a_pasted_report_asks_only_what_is_missing(cli, write):
    pasted = write("paste.txt", "ATTENZIONE: impossibile inviare l'email di test da questo account.\n"
                                "Nuova diagnostica\n")
    run = cli("ask", "--no-dns", "--report", str(pasted), "--format", "json", stdin="no\nno\nsì\n")
    document = run.json()
    assert document["transcript"][0]["fact"] == "account.spam_blocked"  # a cause of the symptom first
    assert "test_email.sent" not in {e["fact"] for e in document["transcript"]}
    assert "Già accertato con i dati di partenza:" in run.err
    assert document["result"]["evidence"]["test_email.sent"].startswith("riga 1 del rapporto incollato")


def test_ticket_format_asks_what_was_tried_and_masks_secrets(cli, write):
    facts = write("facts.yaml", "account:\n  email: mario.rossi@example.it\n  password: Segreta!2026\n")
    run = cli("ask", "--no-dns", str(facts), "--problem", "invio", "--format", "ticket",
              stdin="sì\nnuova password: Segreta!2026, riavviato il PC\n")
    assert run.code == 1
    assert run.out.startswith("Oggetto: Exchange, Account bloccato per invio di spam (mario.rossi@example.it)")
    assert "- riavviato il PC" in run.out
    assert "Segreta" not in run.out and "Segreta" not in run.err


def test_english_consultation(cli):
    run = cli("ask", "--no-dns", "--lang", "en", "--problem", "send", stdin="no\nwhy?\nyes\n")
    assert "Question 2: Does the diagnostic report that the security policy has locked the account?" in run.out
    assert "Problem confirmed: Account locked by the security policy (account-locked)" in run.out


@pytest.mark.parametrize("args, message", [
    (("--problem", "invii"), "forse intendevi «invio»"),
    (("--answers", "/nonexistent/answers.txt"), "file non trovato"),
    (("--format", "pdf"), "formato «pdf» non disponibile"),
    (("--report", "-"), "usa --answers FILE"),
])
def test_bad_options_are_one_clear_line(cli, args, message):
    run = cli("ask", *args, stdin="")
    assert run.code == 2
    assert message in run.err and "Traceback" not in run.err


def test_the_ticket_offer_is_asked_again_until_yes_or_no(cli):
    run = cli("ask", "--no-dns", "--problem", "ricezione", stdin="no\nforse\nsì\n\n")
    assert run.code == 1
    assert "Non ho capito «forse»" in run.out.split("Vuoi il riepilogo")[1]
    ticket = run.out.split("Riepilogo per il ticket")[1]
    assert "1. Record MX del dominio non valido (ERRORE)\n" in ticket and "regola" not in ticket
    assert "- Record MX valido: no (risposta alla domanda 1)" in ticket
    assert "COSA HA GIÀ PROVATO IL CLIENTE\n- Nulla di indicato." in ticket
