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
from typing import IO, Any, List, Optional

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
    use_color,
)


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


class Session:
    """One consultation: the planner's state, the transcript, the console."""

    def __init__(self, kb, renderer, state, console: Console) -> None:
        self.kb = kb
        self.renderer = renderer
        self.t = renderer.text
        self.state = state
        self.console = console
        self.transcript: list[dict[str, Any]] = []
        self.words = renderer.text("ask.words")
        self.dns_report = None  # with --collect-dns: the lookups made before the first question

    # ------------------------------------------------------------ the loop
    def run(self) -> str:
        """Ask until nothing is left to ask; returns how it ended: finished, explained, stopped, eof."""
        say = self.console.say
        say(self.t("ask.intro"))
        if self.state.complaint is not None:
            name = self.state.complaint.name
            say(self.t("ask.problem", text=self.t(f"ask.problems.{name}")))
        if self.dns_report is not None:
            from diagnostica.engine.present import evidence as dnsevidence

            say()
            say(self.t("ask_dns.collected", domain=self.dns_report.domain))
            for line in dnsevidence.lines(self.dns_report.to_json(), self.renderer)[2:-1]:  # no heading, no hint
                say(line)
        result = self.state.result()
        if result.findings:
            say()
            say(self.t("ask.known_at_start"))
            for finding in result.findings:
                say("- " + self.t("ask.found", title=self.renderer.rule_title(finding.id), id=finding.id))
        while True:
            result = self.state.result()
            question = self.state.next_question(result)
            if question is None:
                say()
                explained = self.state.done(result)
                say(self.t("ask.explained" if explained else "ask.no_more"))
                return "explained" if explained else "finished"
            ended = self._ask(question)
            if ended:
                say()
                say(self.t(f"ask.{ended}"))
                return ended
            self._announce(result, self.state.result())

    def _ask(self, question) -> str | None:
        """Ask one question until it gets a usable answer; a command may end the consultation."""
        from diagnostica.engine.consult import answers
        from diagnostica.engine.consult.planner import UNKNOWN
        from diagnostica.engine.inputs.redact import redact
        from diagnostica.engine.present.document import jsonable

        fact = self.kb.catalogue[question.fact]
        number = len(self.state.answers) + 1
        text = self.renderer.fact_question(fact.name)
        choices = self.renderer.fact_choices(fact.name)
        self._show_question(number, fact, text, choices)
        while True:
            line = self.console.ask(self.t("ask.prompt"))
            if line is None:
                return "eof"
            parsed = answers.parse(line, fact, self.words, choices)
            event = {"n": number, "fact": fact.name, "question": text,
                     "input": redact(line, self.kb.catalogue.secret_names), "kind": parsed.kind}
            if parsed.kind == "answer":
                event["value"] = jsonable(parsed.value)
            self.transcript.append(event)
            if parsed.kind in ("answer", "unknown"):
                self.state = self.state.answer(fact.name, parsed.value if parsed.kind == "answer" else UNKNOWN)
                return None
            if parsed.kind == "stop":
                return "stopped"
            if parsed.kind == "why":
                self._why(question)
            elif parsed.kind == "help":
                self._help(fact, choices)
            elif parsed.kind == "back":
                if self.state.answers:
                    undone = self.state.answers[-1]
                    self.state = self.state.undo()
                    self.console.say(self.t("ask.undone", text=self.renderer.fact_question(undone.fact)))
                    return None
                self.console.say(self.t("ask.nothing_to_undo"))
            else:
                self._invalid(parsed, fact, line, choices)

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

    def _announce(self, before, after) -> None:
        """Findings as soon as they are certain, and problems ruled out by the last answer."""
        for rule in self.kb.rules:
            if not rule.is_finding or before.outcomes.get(rule.id) is not None:
                continue
            outcome = after.outcomes.get(rule.id)
            if outcome is not None:
                key = "ask.found" if outcome else "ask.ruled_out"
                self.console.say(self.t(key, title=self.renderer.rule_title(rule.id), id=rule.id))

    # ------------------------------------------------------------ helpers
    def _why(self, question) -> None:
        say = self.console.say
        result = self.state.result()
        symptoms = [f.id for f in result.findings]
        if self.state.complaint is not None:
            symptoms += list(self.state.complaint.symptoms)
        say(self.t("ask.why.intro"))
        for rule_id in question.decides:
            notes = [self.t("ask.why.cause_of", symptom=self.renderer.rule_title(s))
                     for s in dict.fromkeys(symptoms) if rule_id in _causes(self.kb, s)]
            via = _via(self.kb, question.fact, rule_id)
            if via:
                notes.append(self.t("ask.why.via", fact=self.renderer.fact_label(via[0]), rule=via[1]))
            line = self.t("ask.why.rule", title=self.renderer.rule_title(rule_id), id=rule_id)
            say(line + (f" — {'; '.join(notes)}" if notes else ""))
        for rule_id in question.needed_by:
            if rule_id not in question.decides:
                say(self.t("ask.why.together", title=self.renderer.rule_title(rule_id), id=rule_id))

    def _help(self, fact, choices: dict) -> None:
        if fact.type == "bool":
            self.console.say(self.t("ask.help.bool"))
        elif fact.type == "enum":
            listed = ", ".join(f"{i} = {choices.get(v, v)}" for i, v in enumerate(fact.values, start=1))
            self.console.say(self.t("ask.help.enum", n=len(fact.values), choices=listed))
        else:
            self.console.say(self.t("ask.help.text", example=self.renderer.value(fact.sample, fact.name)))
        self.console.say(self.t("ask.help.commands"))

    def _invalid(self, parsed, fact, line: str, choices: dict) -> None:
        from diagnostica.engine.inputs.redact import redact
        from diagnostica.engine.kb.texts import format_message

        shown = redact(line.strip(), self.kb.catalogue.secret_names)
        if parsed.problem == "text":
            params = dict(parsed.params)
            code = params.pop("code")
            problem = format_message(f"errors.{code}", self.renderer.lang, name=self.renderer.fact_label(fact.name),
                                     **params)
            self.console.say(self.t("ask.invalid.text", problem=problem))
        else:
            self.console.say(self.t(f"ask.invalid.{parsed.problem}", answer=shown, n=len(fact.values)))

    def ask_tried(self) -> Any:
        """What the customer already tried, for the ticket (None when skipped)."""
        from diagnostica.engine.consult import answers

        fact = self.kb.catalogue["customer.tried"]
        self.console.say()
        self.console.say(self.renderer.fact_question(fact.name))
        line = self.console.ask(self.t("ask.prompt"))
        if line is None:
            return None
        parsed = answers.parse(line, fact, self.words)
        return parsed.value if parsed.kind == "answer" and parsed.value else None

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
            parsed = answers.parse(line, yes_no, self.words)
            if parsed.kind == "answer":
                return parsed.value
            if parsed.kind in ("unknown", "stop", "back"):
                return False
            self.console.say(self.t("ask.invalid.bool", answer=line.strip()))

    def evidence(self, sources: dict[str, str], reading) -> dict[str, str]:
        from diagnostica.engine.present.reading import fact_sources

        found = fact_sources(self.renderer, sources, reading)
        if self.dns_report is not None:  # what the user gave wins over the DNS, in the facts as in the evidence
            from .dns_cmd import fact_evidence

            found = {**fact_evidence(self.dns_report, self.renderer), **found}
        for number, answer in enumerate(self.state.answers, start=1):
            found[answer.fact] = self.t("ask.evidence.answer", n=number)
        return found


def _causes(kb, symptom: str) -> tuple[str, ...]:
    from diagnostica.engine.consult.planner import transitive_causes

    return transitive_causes(kb, symptom)


def _via(kb, fact: str, rule_id: str) -> tuple[str, str] | None:
    """(derived fact, deriving rule) through which ``fact`` reaches ``rule_id``, if not read directly."""
    rule = kb.by_id[rule_id]
    if fact in rule.reads:
        return None
    for name in sorted(rule.reads):
        for source in kb.derived_by.get(name, ()):
            if fact in kb.by_id[source].reads:
                return name, source
    return None


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
    Exit code: 0 nessun problema, 1 problemi trovati, 2 input non valido, 130 interrotta con Ctrl-C.
    """
    from diagnostica.engine.consult import planner as consult
    from diagnostica.engine.inputs.report import read_report
    from diagnostica.engine.present.render import Renderer
    from diagnostica.engine.present.reporters import REPORTERS

    check_format(fmt, REPORTERS)
    if answers_file is None and "-" in [*(files or ()), report_file]:
        raise errors.InputError("ask_stdin_twice", errors.Location("-"))
    kb = load_kb(kb_dir)
    renderer = Renderer(kb, lang, audience=audience)  # a wrong --lang or --audience stops us before any question
    limit = max_size(max_size_bytes)  # every file read, and each line of answer
    gathered = gather_facts(kb, files or [], None, limit)
    reading = None
    if report_file:
        from_report, reading = read_report(kb, report_file, limit=limit)
        gathered.update(from_report)
    for option in fact or ():
        from diagnostica.engine.inputs import facts as facts_mod

        gathered.update(facts_mod.parse_fact_option(option, kb.catalogue, kb.data))
    complaint = consult.problem(kb, problem) if problem else None
    known, report = dict(gathered.values), None
    if collect_dns:  # as check --collect-dns: the domain comes from the facts, what was given wins
        from diagnostica.engine.dns.collect import merge

        from .dns_cmd import collect_for

        report = collect_for(kb, gathered, nameserver, timeout)
        known = merge(report.facts, gathered.values)
    state = consult.Consultation(kb, known, complaint=complaint, thorough=thorough)

    source, interactive = _answers_source(answers_file, limit)
    out = sys.stdout if fmt == "text" else sys.stderr
    session = Session(kb, renderer, state, Console(source, out, interactive, kb.catalogue.secret_names, limit))
    session.dns_report = report
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
    document, renderer, result = _final(kb, session, gathered, reading, lang, tried, audience)
    if fmt == "json":
        from diagnostica.engine.present.controls import json_safe

        sys.stdout.write(json_safe(json.dumps({"transcript": session.transcript, "ended": ended,
                                               "result": document}, ensure_ascii=False, indent=2)) + "\n")
    else:
        sys.stdout.write(REPORTERS[fmt](document, renderer, False))
    return _exit_code(document, result)


def _final(kb, session: Session, gathered, reading, lang: str, tried: Any = None, audience: str = "agente"):
    """The presentation document of what the consultation established (plus the customer's attempts)."""
    from .common import document_for

    final = dict(session.state.facts)
    if tried:
        final["customer.tried"] = tried
    result = kb.evaluate(final)
    document, renderer = document_for(kb, result, lang=lang, secrets=gathered.secrets, audience=audience)
    document["evidence"] = session.evidence(gathered.sources, reading)
    if session.dns_report is not None:
        document["dns"] = session.dns_report.to_json()
    conclusion = session.state.conclusion(result)
    if conclusion is not None:
        document["complaint"] = conclusion
    return document, renderer, result


def _exit_code(document: dict, result) -> int:
    """1 when problems were found, and when the complaint's cause is not established: it is a problem still."""
    unexplained = "complaint" in document and not document["complaint"]["explained"]
    return 1 if result.problems_found or unexplained else 0



def _finish_text(kb, session: Session, gathered, reading, lang: str, ended: str, audience: str = "agente") -> int:
    """The full advice, then (unless the input is over) the offer of the ticket summary."""
    from diagnostica.engine.present.reporters import REPORTERS

    document, renderer, result = _final(kb, session, gathered, reading, lang, audience=audience)
    out = sys.stdout
    title = renderer.text("ask.advice")
    out.write(f"\n{title}\n{'=' * len(title)}\n\n")
    color = use_color(out)
    out.write(REPORTERS["text"](document, renderer, color))
    if "dns" in document:
        from diagnostica.engine.present import evidence as dnsevidence
        from diagnostica.engine.present.controls import escape

        out.write(escape("\n".join(dnsevidence.lines(document["dns"], renderer))) + "\n")
    if ended != "eof" and session.wants_ticket():
        tried = session.ask_tried()
        document, renderer, result = _final(kb, session, gathered, reading, lang, tried)
        title = renderer.text("ask.ticket_heading")
        out.write(f"\n{title}\n{'=' * len(title)}\n\n")
        out.write(REPORTERS["ticket"](document, renderer, False))
    return _exit_code(document, result)


def _answers_source(answers_file: Optional[Path], limit: int) -> tuple[IO[str], bool]:
    """The answers: a file, else the terminal (interactive), else stdin line by line."""
    if answers_file is not None:
        import io

        from diagnostica.engine.inputs.facts import read_text

        text, _ = read_text(str(answers_file), limit)  # the usual messages for a missing or non-UTF-8 file
        return io.StringIO(text), False
    return sys.stdin, sys.stdin.isatty()
