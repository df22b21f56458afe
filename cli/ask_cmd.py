"""``diagnostica ask``: a guided consultation, one question at a time.

Only the conversation lives here.  Which question comes next is decided by
:mod:`diagnostica.engine.consult.planner`, what a typed answer means by
:mod:`diagnostica.engine.consult.answers`; every word shown comes from the locale
(``locales/<lang>/ask.yaml``).  On a terminal the agent types the answers;
otherwise they are read line by line from stdin or from ``--answers FILE``
and echoed, so a transcript reads like the conversation.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, List, Optional

import typer
from diagnostica.engine import errors

from .common import (
    FORMAT_HELP,
    AudienceOption,
    FactOption,
    KbOption,
    LangOption,
    MaxSizeOption,
    NameserverOption,
    TimeoutOption,
    check_format,
    gather_facts,
    load_kb,
    max_size,
    renderer_for,
    write,
)

if TYPE_CHECKING:
    from diagnostica.engine.consult.begin import Lookups
    from diagnostica.engine.dns.collect import DnsReport
    from diagnostica.engine.inputs.facts import JSON


class Console:
    """Where questions go and answers come from."""

    def __init__(self, source: IO[str], out: IO[str], interactive: bool, secrets: tuple[str, ...],
                 limit: int | None = None) -> None:
        from diagnostica.engine.inputs.facts import DEFAULT_MAX_SIZE

        self.source = source
        self.limit = DEFAULT_MAX_SIZE if limit is None else limit
        self.out = out
        self.interactive = interactive
        self.secrets = secrets

    def say(self, text: str = "") -> None:
        from diagnostica.engine.present.controls import escape

        self.out.write(escape(text) + "\n")  # answers and pasted text are echoed: never as terminal commands
        self.out.flush()

    def ask(self, prompt: str) -> str | None:
        """One line of answer, or None at the end of the input (Ctrl-D)."""
        from diagnostica.engine.inputs.redact import redact

        self.out.write(prompt)
        self.out.flush()
        line = self.source.readline(self.limit + 1)  # an answer without end must not fill the memory
        if len(line) > self.limit and not line.endswith("\n"):
            raise errors.InputError("answer_too_long", errors.Location("<stdin>"), limit=self.limit)
        if line == "":
            self.say()
            return None
        line = line.rstrip("\r\n")
        if not self.interactive:  # echo scripted answers so the output reads as a conversation
            self.say(redact(line, self.secrets))
        return line


class Conversation:
    """The terminal's side of a consultation: the library session, put into words and driven by typed lines."""

    def __init__(self, kb, renderer, session, console: Console) -> None:
        self.kb = kb
        self.renderer = renderer
        self.t = renderer.text
        self.session = session
        self.console = console
        # The lookups made: before the first question (--collect-dns) or when offered.
        self.dns_report: Optional["DnsReport"] = None
        self.lookups: Optional["Lookups"] = None  # the domain when the offer is accepted, DKIM once answered

    @property
    def transcript(self) -> list[dict[str, JSON]]:
        return [dict(event) for event in self.session.transcript]

    # ------------------------------------------------------------ the loop
    def run(self) -> str:
        """Ask until nothing is left to ask; returns how it ended: finished, explained, stopped, eof."""
        say = self.console.say
        say(self.t("ask.intro"))
        complaint = self.session.state.complaint
        if complaint is not None:
            say(self.t("ask.problem", text=self.t(f"ask.problems.{complaint.name}")))
        if self.dns_report is not None:
            self._show_lookups("ask_dns.collected")
        result = self.session.result()
        if result.findings:
            say()
            say(self.t("ask.known_at_start"))
            for finding in result.findings:
                say("- " + self.t("ask.found", title=self.renderer.rule_title(finding.id), id=finding.id))
        while True:
            result = self.session.result()
            domain = self.session.dns_offer(result)
            if domain is not None:
                self._offer_dns(domain, result)
                continue
            question = self.session.question(result)
            if question is None:
                ended = self.session.ending(result)
                say()
                say(self.t({"explained": "ask.explained", "finished": "ask.no_more"}.get(ended, f"ask.{ended}")))
                return ended
            self._ask(question)
            if self.session.ended is not None:
                continue
            for rule_id, found in self.session.settled(result, self.session.result()):
                key = "ask.found" if found else "ask.ruled_out"
                say(self.t(key, title=self.renderer.rule_title(rule_id), id=rule_id))

    def _show_lookups(self, key: str) -> None:
        from diagnostica.engine.present import evidence as dnsevidence

        assert self.dns_report is not None  # shown only once there are lookups

        self.console.say()
        self.console.say(self.t(key, domain=self.dns_report.domain))
        for line in dnsevidence.lookup_lines(self.dns_report.to_json(), self.renderer):
            self.console.say(line)

    def _offer_dns(self, domain: str, before) -> None:
        """«Vuoi che interroghi il DNS?»: yes looks it up and the answers it gives are not asked."""
        from diagnostica.engine.consult import answers
        from diagnostica.engine.kb.catalogue import Fact

        yes_no = Fact("offer_dns", "bool")
        self.console.say()
        while True:
            line = self.console.ask(self.t("ask_dns.offer", domain=domain) + " ")
            if line is None:
                self.session = self.session.stop("eof")
                return
            parsed = answers.parse(line, yes_no, self.renderer.section("ask.words"))
            if parsed.kind == "answer" and parsed.value and self.lookups is not None:
                self.dns_report = self.lookups.domain(domain)
                self.session = self.session.learn(self.dns_report.facts)
                self._show_lookups("ask_dns.looked_up")
                for rule_id, found in self.session.settled(before, self.session.result()):
                    key = "ask.found" if found else "ask.ruled_out"
                    self.console.say(self.t(key, title=self.renderer.rule_title(rule_id), id=rule_id))
                return
            if parsed.kind in ("answer", "unknown", "back"):
                self.session = self.session.decline_dns()
                return
            if parsed.kind == "stop":
                self.session = self.session.stop()
                return
            self.console.say(self.t("ask.invalid.bool", answer=line.strip()))

    def _ask(self, question) -> None:
        """Ask one question until it gets a usable answer (or a command moves the session on)."""
        fact = question.fact
        choices = self.renderer.fact_choices(fact.name)
        self._show_question(question.number, fact, self.renderer.fact_question(fact.name), choices)
        while True:
            line = self.console.ask(self.t("ask.prompt"))
            if line is None:
                self.session = self.session.stop("eof")
                return
            self.session, reply = self.session.reply(line, self.renderer)
            added = self.lookups.after_answer(self.dns_report, fact.name, reply.parsed.value) \
                if reply.kind == "answer" and self.lookups is not None else None
            if added is not None:
                self.dns_report, found = added
                self.session = self.session.learn(found)
            if reply.kind in ("answer", "unknown", "stop"):
                return
            if reply.kind == "back":
                self.console.say(self.t("ask.undone", text=self.renderer.fact_question(reply.undone)))
                return
            if reply.kind == "nothing_to_undo":
                self.console.say(self.t("ask.nothing_to_undo"))
            elif reply.kind == "why":
                from diagnostica.engine.present.consultation import why_lines

                for text in why_lines(self.session.why(question), self.renderer):
                    self.console.say(text)
            elif reply.kind == "help":
                self._help(fact, choices)
            else:
                self._invalid(reply.parsed, fact, line)

    def _show_question(self, number: int, fact, text: str, choices: dict) -> None:
        say = self.console.say
        say()
        say(self.t("ask.question", n=number, text=text))
        if fact.type == "enum":
            for i, value in enumerate(fact.values, start=1):
                say(self.t("ask.choice", n=i, label=choices.get(value, value)))
            say(self.t("ask.hint.enum", n=len(fact.values)))
        else:
            say(self.t("ask.hint.bool" if fact.type == "bool" else "ask.hint.text"))

    # ------------------------------------------------------------ helpers
    def _help(self, fact, choices: dict) -> None:
        if fact.type == "bool":
            self.console.say(self.t("ask.help.bool"))
        elif fact.type == "enum":
            listed = ", ".join(f"{i} = {choices.get(v, v)}" for i, v in enumerate(fact.values, start=1))
            self.console.say(self.t("ask.help.enum", n=len(fact.values), choices=listed))
        else:
            self.console.say(self.t("ask.help.text", example=self.renderer.value(fact.sample, fact.name)))
        self.console.say(self.t("ask.help.commands"))

    def _invalid(self, parsed, fact, line: str) -> None:
        from diagnostica.engine.inputs.redact import redact

        shown = redact(line.strip(), self.kb.catalogue.secret_names)
        if parsed.problem == "text":
            from diagnostica.engine.present.consultation import invalid_text

            self.console.say(self.t("ask.invalid.text", problem=invalid_text(parsed, fact, self.renderer)))
        else:
            self.console.say(self.t(f"ask.invalid.{parsed.problem}", answer=shown, n=len(fact.values)))

    def ask_tried(self) -> tuple[str, ...] | None:
        """What the customer already tried, for the ticket (None when skipped)."""
        from diagnostica.engine.consult import answers

        fact = self.kb.catalogue["customer.tried"]
        self.console.say()
        self.console.say(self.renderer.fact_question(fact.name))
        line = self.console.ask(self.t("ask.prompt"))
        if line is None:
            return None
        parsed = answers.parse(line, fact, self.renderer.section("ask.words"))
        value = parsed.value  # a list fact's answer: its items (the catalogue's coercion)
        return tuple(str(item) for item in value) if parsed.kind == "answer" and isinstance(value, tuple) \
            and value else None

    def wants_ticket(self) -> bool:
        """The offer of the ticket summary: sì or no, asked again until it is one of them."""
        from diagnostica.engine.consult import answers
        from diagnostica.engine.kb.catalogue import Fact

        yes_no = Fact("offer_ticket", "bool")
        self.console.say()
        while True:
            line = self.console.ask(self.t("ask.offer_ticket") + " ")
            if line is None:
                return False
            parsed = answers.parse(line, yes_no, self.renderer.section("ask.words"))
            if parsed.kind == "answer":
                return parsed.value is True
            if parsed.kind in ("unknown", "stop", "back"):
                return False
            self.console.say(self.t("ask.invalid.bool", answer=line.strip()))


def ask(
    files: List[str] = typer.Argument(None, metavar="FILE", help="File di fatti YAML o JSON già noti (anche il JSON dell'API)."),
    fact: Optional[List[str]] = FactOption,
    report_file: Optional[str] = typer.Option(None, "--report", metavar="FILE",
                                              help="Parte dal rapporto della diagnostica incollato (testo del "
                                                   "pannello o JSON dell'API)."),
    problem: Optional[str] = typer.Option(None, "--problem", metavar="[invio|ricezione]",
                                          help="Il problema segnalato dal cliente: invio (non riesce a inviare) "
                                               "o ricezione (non riceve)."),
    thorough: bool = typer.Option(False, "--thorough",
                                  help="Con --problem, continua anche dopo aver trovato una causa."),
    answers_file: Optional[Path] = typer.Option(None, "--answers", metavar="FILE",
                                                help="Legge le risposte da un file, una per riga."),
    collect_dns: bool = typer.Option(False, "--collect-dns",
                                     help="Prima della prima domanda interroga il DNS del dominio (fatto «domain»)."),
    no_dns: bool = typer.Option(False, "--no-dns",
                                help="Non interroga il DNS: non chiede subito il dominio e non propone la verifica."),
    nameserver: Optional[List[str]] = NameserverOption,
    timeout: float = TimeoutOption,
    fmt: str = typer.Option("text", "--format", metavar="[text|markdown|json|ticket]", help=FORMAT_HELP + " Con json: trascrizione e risultato."),
    lang: str = LangOption,
    audience: str = AudienceOption,
    kb_dir: Optional[Path] = KbOption,
    max_size_bytes: Optional[int] = MaxSizeOption,
) -> int:
    """Consultazione guidata: fa solo le domande che servono, una alla volta, e dà il parere.

    Senza terminale legge le risposte riga per riga dallo standard input (o da --answers).
    Codici di uscita: 0 nessun problema, 1 problemi trovati, 2 input non valido, 130 interrotta con Ctrl-C.
    """
    from diagnostica.engine.consult import begin
    from diagnostica.engine.inputs.report import read_report
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    if answers_file is None and "-" in [*(files or ()), report_file]:
        raise errors.InputError("ask_stdin_twice", errors.Location("-"))
    kb = load_kb(kb_dir)
    renderer = renderer_for(kb, lang, audience)  # a wrong --lang or --audience stops us before any question
    limit = max_size(max_size_bytes)  # every file read, and each line of answer
    gathered = gather_facts(kb, files or [], None, limit)
    reading = None
    if report_file:
        from_report, reading = read_report(kb, report_file, limit=limit)
        gathered.update(from_report)
    from diagnostica.engine.inputs import facts as facts_mod

    for option in fact or ():
        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    facts_mod.with_context(gathered, kb.catalogue)  # the domain of an address given with --fact too
    # Without --collect-dns the domain is asked early and its lookup offered, when the DNS can settle something.
    def live_source():
        from diagnostica.engine.dns.gather import live_source

        return live_source(nameserver, timeout)

    lookups = begin.Lookups(kb, live_source) if not no_dns or collect_dns else None
    state, report = begin.begin(kb, gathered, problem=problem, thorough=thorough, lookups=lookups,
                                dns="collected" if collect_dns else None if no_dns else "offer")

    source, interactive = _answers_source(answers_file, limit)
    out = sys.stdout if fmt == "text" else sys.stderr
    session = Conversation(kb, renderer, state, Console(source, out, interactive, kb.catalogue.secret_names, limit))
    session.dns_report = report
    session.lookups = lookups
    if reading is not None:  # what the paste said, and the lines not understood, before the first question
        from diagnostica.engine.present.reading import reading_lines

        out.write("\n".join(reading_lines(reading, renderer)) + "\n\n")
    try:
        ended = session.run()
        if fmt == "text":
            return _finish_text(kb, session, gathered, reading, lang, ended, audience)
        tried = session.ask_tried() if fmt == "ticket" and ended != "eof" else None
    except KeyboardInterrupt:
        out.write("\n")
        return 130
    finally:
        if source is not sys.stdin:
            source.close()
    from diagnostica.engine.present.compose import exit_code

    result, document = _final(kb, session, gathered, reading, lang, tried, audience)
    if fmt == "json":
        from diagnostica.engine.present.controls import json_safe

        sys.stdout.write(json_safe(json.dumps({"transcript": session.transcript, "ended": ended,
                                               "result": document.data}, ensure_ascii=False, indent=2)) + "\n")
    else:
        sys.stdout.write(REPORTERS[fmt](document))
    return exit_code(result, document)


def _final(kb, session: Conversation, gathered, reading, lang: str, tried: tuple[str, ...] | None = None, audience: str = "agente"):
    """(result, document): what the consultation established (plus the customer's attempts)."""
    from diagnostica.engine.present import compose

    return compose.conclusion(kb, session.session, renderer_for(kb, lang, audience), secrets=gathered.secrets,
                              sources=gathered.sources, reading=reading, dns_report=session.dns_report, tried=tried)


def _finish_text(kb, session: Conversation, gathered, reading, lang: str, ended: str, audience: str = "agente") -> int:
    """The full advice, then (unless the input is over) the offer of the ticket summary."""
    from diagnostica.engine.present.compose import exit_code
    from diagnostica.engine.present.reporters import REPORTERS

    result, document = _final(kb, session, gathered, reading, lang, audience=audience)
    out = sys.stdout
    title = session.t("ask.advice")
    out.write(f"\n{title}\n{'=' * len(title)}\n\n")
    write(document, "text", 0, out)
    if ended != "eof" and session.wants_ticket():
        tried = session.ask_tried()
        result, document = _final(kb, session, gathered, reading, lang, tried)
        title = session.t("ask.ticket_heading")
        out.write(f"\n{title}\n{'=' * len(title)}\n\n")
        out.write(REPORTERS["ticket"](document))
    return exit_code(result, document)


def _answers_source(answers_file: Optional[Path], limit: int) -> tuple[IO[str], bool]:
    """The answers: a file, else the terminal (interactive), else stdin line by line."""
    if answers_file is not None:
        import io

        from diagnostica.engine.inputs.facts import read_text

        text, _ = read_text(str(answers_file), limit)  # the usual messages for a missing or non-UTF-8 file
        return io.StringIO(text), False
    return sys.stdin, sys.stdin.isatty()
