"""A consultation session: the question loop as an I/O-free state machine.

The planner (:mod:`.planner`) knows which question is best; a :class:`Session`
adds what a conversation needs around it: the question being asked, what a
typed line does to it (an answer, «non so», «indietro», «perché?», «fine»),
the transcript, the findings each answer settles, the evidence behind every
fact.  Every step returns a new session, so the terminal (``diagnostica ask``),
the web page and the HTTP API drive the same machine and keep their state where
they like: in a variable, or in a page as :meth:`Session.to_dict`.

Nothing here prints or reads: the callers put the records into words with a
:class:`~diagnostica.engine.present.render.Renderer` and the locale's texts.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, NotRequired, Protocol, TypedDict

from ..errors import InputError, Location
from ..inputs.facts import JSON, coerce
from ..inputs.redact import redact, redact_data
from ..kb.catalogue import Fact, Value, closest
from ..kb.load import KnowledgeBase
from ..kb.yamlload import position
from ..run.explain import needs as rule_needs
from ..run.result import Result
from . import answers as answer_words
from .planner import UNKNOWN, Answer, Answered, Candidate, Conclusion, Consultation, Unknown, problem, transitive_causes

if TYPE_CHECKING:
    from ..kb.texts import Message


class Wording(Protocol):
    """What a session reads of the locale to take an answer (``present.render.Renderer`` is one): the
    fact's question and choices, the yes/no words, a short text.  Declared here, so the consultation
    depends on no presentation module: it never renders anything itself."""

    def fact_choices(self, name: str) -> dict[str, str]: ...
    def fact_question(self, name: str) -> str: ...
    def section(self, key: str, fallbacks: list[str] | None = None) -> Message | None: ...
    def text(self, key: str, fallbacks: list[str] | None = None, /, **params: object) -> str: ...

#: The DNS as a source (see ``Session.dns``): not used, offered, looked up, declined.
DNS_STATES = (None, "offer", "collected", "declined")

#: How a consultation ended: nothing left to ask, the complaint explained, «fine», the input over.
ENDINGS = ("finished", "explained", "stopped", "eof")


class State(TypedDict):
    """:meth:`Session.to_dict`: the problem, the answers in order as ``[fact, value]`` (None = «non so»)."""

    answers: list[list[JSON]]
    problem: NotRequired[str]
    thorough: NotRequired[bool]
    dns: NotRequired[str]


@dataclass(frozen=True)
class Question:
    """The question being asked: its number in the conversation and what the planner knows about it."""

    number: int
    fact: Fact
    candidate: Candidate


@dataclass(frozen=True)
class Reason:
    """One line of «perché?»: a rule the answer can decide, and how it is linked to the problem."""

    rule: str
    decides: bool  # False: the rule needs this answer together with others
    cause_of: tuple[str, ...] = ()  # symptoms (fired or complained of) the rule is a possible cause of
    via: tuple[str, str] | None = None  # (derived fact, deriving rule) when the answer is not read directly


@dataclass(frozen=True)
class Reply:
    """What a typed line did: ``kind`` is answer, unknown, why, help, back, nothing_to_undo, stop or invalid."""

    kind: str
    parsed: answer_words.Parsed
    undone: str | None = None  # for "back": the fact whose answer was withdrawn


@dataclass(frozen=True)
class Session:
    kb: KnowledgeBase
    state: Consultation
    transcript: tuple[Mapping[str, JSON], ...] = ()
    ended: str | None = None  # "stopped" or "eof" once the caller ended it; see :meth:`ending`
    # Whether the caller can look the domain's DNS up: None (it cannot, or not in this session),
    # "offer" (it can: ask the domain first, then offer the lookup), "collected", "declined".
    dns: str | None = None

    @classmethod
    def start(cls, kb: KnowledgeBase, given: Mapping[str, Value] | None = None, *, problem_name: str | None = None,
              thorough: bool = False, dns: str | None = None) -> "Session":
        complaint = problem(kb, problem_name) if problem_name else None
        return cls(kb, Consultation(kb, dict(given or {}), complaint=complaint, thorough=thorough), dns=dns)

    # ------------------------------------------------------------ reading the state
    @property
    def facts(self) -> dict[str, Value]:
        return self.state.facts

    def result(self) -> Result:
        return self.state.result()

    def question(self, result: Result | None = None) -> Question | None:
        """The next question, or None when the consultation is over."""
        if self.ended is not None:
            return None
        result = result or self.result()
        candidate = self._domain_question(result) or self.state.next_question(result)
        if candidate is None:
            return None
        return Question(len(self.state.answers) + 1, self.kb.catalogue[candidate.fact], candidate)

    # ------------------------------------------------------------ the DNS as a source
    def dns_rules(self, result: Result | None = None) -> tuple[str, ...]:
        """Undecided goal rules that need a fact the domain's DNS establishes (``dns.*``): they are live."""
        result = result or self.result()
        if self.state.done(result):
            return ()
        return tuple(r for r in self.state.goal() if result.outcomes.get(r) is None
                     and any(name.startswith("dns.") for name in rule_needs(self.kb, r, result.facts)))

    def _domain_question(self, result: Result) -> Candidate | None:
        """The domain, asked first when a lookup is possible and a DNS rule is live: one answer, many facts."""
        if self.dns != "offer" or "domain" in result.facts or "domain" in self.state.asked:
            return None
        live = self.dns_rules(result)
        if not live:
            return None
        fact = self.kb.catalogue["domain"]
        return Candidate("domain", (), live, live, fact.cost, -1)

    def dns_offer(self, result: Result | None = None) -> str | None:
        """The domain to offer a lookup of, now: known, not looked up or declined yet, a DNS rule live."""
        result = result or self.result()
        domain = result.facts.get("domain")
        if self.dns != "offer" or self.ended is not None or not isinstance(domain, str):
            return None
        return domain if self.dns_rules(result) else None

    def learn(self, collected: Mapping[str, Value]) -> "Session":
        """Facts from a lookup: what was given (and answered) wins over them, as everywhere else."""
        given = {**collected, **self.state.given}
        return replace(self, state=replace(self.state, given=given), dns="collected")

    def decline_dns(self) -> "Session":
        return replace(self, dns="declined")

    def ending(self, result: Result | None = None) -> str | None:
        """How it ended (one of ENDINGS), or None while there is a question to ask."""
        if self.ended is not None:
            return self.ended
        result = result or self.result()
        if self.question(result) is not None:
            return None
        return "explained" if self.state.done(result) else "finished"

    def conclusion(self, result: Result | None = None) -> Conclusion | None:
        """What became of the complaint (see :meth:`Consultation.conclusion`); None without one."""
        return self.state.conclusion(result or self.result())

    def why(self, question: Question | None = None) -> tuple[Reason, ...]:
        """«perché?»: the rules the current question's answer can decide, linked to the problem."""
        question = question or self.question()
        if question is None:
            return ()
        result = self.result()
        symptoms = [f.id for f in result.findings]
        if self.state.complaint is not None:
            symptoms += list(self.state.complaint.symptoms)
        symptoms = list(dict.fromkeys(symptoms))
        found = [Reason(rule_id, True,
                        tuple(s for s in symptoms if rule_id in transitive_causes(self.kb, s)),
                        _via(self.kb, question.fact.name, rule_id))
                 for rule_id in question.candidate.decides]
        found += [Reason(rule_id, False) for rule_id in question.candidate.needed_by
                  if rule_id not in question.candidate.decides]
        return tuple(found)

    def settled(self, before: Result, after: Result) -> tuple[tuple[str, bool], ...]:
        """Finding rules the last step decided: (rule id, True for found / False for ruled out)."""
        return tuple((rule.id, bool(after.outcomes[rule.id])) for rule in self.kb.rules
                     if rule.is_finding and before.outcomes.get(rule.id) is None
                     and after.outcomes.get(rule.id) is not None)

    # ------------------------------------------------------------ moves
    def answer(self, value: Answered) -> "Session":
        """The current question answered (``UNKNOWN`` for «non so»)."""
        question = self.question()
        if question is None:
            raise ValueError("no question is being asked")
        return replace(self, state=self.state.answer(question.fact.name, value))

    def back(self) -> "Session":
        """«indietro»: the last answer withdrawn, so its question comes again."""
        return replace(self, state=self.state.undo(), ended=None)

    def stop(self, how: str = "stopped") -> "Session":
        return replace(self, ended=how)

    def reply(self, line: str, renderer: Wording) -> tuple["Session", Reply]:
        """A typed line applied to the current question; the transcript records it (secrets masked)."""
        from ..inputs.jsonable import jsonable

        question = self.question()
        if question is None:
            raise ValueError("no question is being asked")
        fact = question.fact
        choices = renderer.fact_choices(fact.name)
        # The line is read masked: a secret typed in an answer («v=spf1 ... password: x») is never a value
        # the session keeps, shows, or sends back in its state.
        line = redact(line, self.kb.catalogue.secret_names)
        parsed = answer_words.parse(line, fact, renderer.section("ask.words"), choices)
        event: dict[str, JSON] = {"n": question.number, "fact": fact.name,
                                 "question": renderer.fact_question(fact.name), "input": line, "kind": parsed.kind}
        if parsed.kind == "answer":
            event["value"] = jsonable(parsed.value)
        logged = replace(self, transcript=self.transcript + (event,))
        if parsed.kind in ("answer", "unknown"):
            # an "answer" always carries its value; None only stands for «non so» here
            value = UNKNOWN if parsed.kind != "answer" or parsed.value is None else parsed.value
            return logged.answer(value), Reply(parsed.kind, parsed)
        if parsed.kind == "stop":
            return logged.stop(), Reply("stop", parsed)
        if parsed.kind == "back":
            if not self.state.answers:
                return logged, Reply("nothing_to_undo", parsed)
            return logged.back(), Reply("back", parsed, undone=self.state.answers[-1].fact)
        return logged, Reply(parsed.kind, parsed)

    def history(self) -> list[dict[str, JSON]]:
        """The answers given so far as transcript events (a session rebuilt from its compact form has no
        typed lines to show, only what they established)."""
        from ..inputs.jsonable import jsonable

        return [{"n": n, "fact": a.fact, **({"kind": "unknown"} if isinstance(a.value, Unknown) else
                                            {"kind": "answer", "value": jsonable(a.value)})}
                for n, a in enumerate(self.state.answers, start=1)]

    # ------------------------------------------------------------ evidence
    def evidence(self, renderer: Wording, found: Mapping[str, str]) -> dict[str, str]:
        """``found`` (where the starting facts came from, in words) with each answer's question number."""
        merged = dict(found)
        for number, given in enumerate(self.state.answers, start=1):
            merged[given.fact] = renderer.text("ask.evidence.answer", n=number)
        return merged

    # ------------------------------------------------------------ a compact, serialisable form
    def to_dict(self) -> State:
        """What a page or a client keeps between requests: the problem, the answers in order (None = «non so»).

        The starting facts are the caller's to keep (they come from its own inputs); this holds only
        what the conversation added, so it stays small enough for a form field or a URL.
        """
        from ..inputs.jsonable import jsonable

        data: State = {"answers": [[a.fact, None if isinstance(a.value, Unknown) else jsonable(a.value)]
                                            for a in self.state.answers]}
        if self.state.complaint is not None:
            data["problem"] = self.state.complaint.name
        if self.state.thorough:
            data["thorough"] = True
        if self.dns is not None:
            data["dns"] = self.dns
        return data

    @classmethod
    def from_dict(cls, kb: KnowledgeBase, data: object, given: Mapping[str, Value] | None = None,
                  where: str = "<answers>") -> "Session":
        """The session :meth:`to_dict` describes, checked as untrusted input (it comes back from a client).

        ``answers`` is a list of ``[fact, value]`` pairs or an object ``{fact: value}``, in the order
        they were given; ``null`` is «non so».  A bad one is an InputError at its line and column when
        ``data`` was read by the YAML loader (which keeps them), else at ``where``.
        """
        if not isinstance(data, Mapping):
            raise InputError("facts_not_mapping", Location(where, 1))
        problem_name = data.get("problem")
        at = Location(where, *position(data, "problem"))
        if problem_name is not None and not isinstance(problem_name, str):
            raise InputError("ask_bad_state", at, field="problem")
        complaint = problem(kb, problem_name, at) if problem_name else None
        dns = data.get("dns")
        if dns not in DNS_STATES:
            raise InputError("ask_bad_state", Location(where, *position(data, "dns")), field="dns")
        session = cls(kb, Consultation(kb, dict(given or {}), complaint=complaint,
                                       thorough=data.get("thorough") is True), dns=dns)
        for name, value, location in _pairs(data, where):
            session = session._replayed(name, value, location)
        return session

    def _replayed(self, name: str, value: object, location: Location) -> "Session":
        catalogue = self.kb.catalogue
        if name not in catalogue.facts:
            raise InputError("unknown_fact", location, name=name, suggestion=closest(name, list(catalogue.facts)))
        if not catalogue[name].askable or name in self.state.asked:
            raise InputError("ask_not_a_question", location, name=name)
        if value is None:
            return replace(self, state=self.state.answer(name, UNKNOWN))
        value = redact_data(value, catalogue.secret_names)  # a text, or the texts of a list
        return replace(self, state=self.state.answer(name, coerce(catalogue, name, value, location)))


def _pairs(data: Mapping[str, object], where: str) -> list[tuple[str, object, Location]]:
    """(fact, value, where it was written) for each answer, in order."""
    answers = data.get("answers", [])
    if isinstance(answers, Mapping):
        return [(name, value, Location(where, *position(answers, name))) for name, value in answers.items()]
    if not isinstance(answers, list):
        raise InputError("ask_bad_state", Location(where, *position(data, "answers")), field="answers")
    pairs = []
    for index, item in enumerate(answers):
        at = Location(where, *position(answers, index))
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise InputError("ask_bad_state", at, field="answers")
        pairs.append((item[0], item[1], at))
    return pairs


def _via(kb: KnowledgeBase, fact: str, rule_id: str) -> tuple[str, str] | None:
    """(derived fact, deriving rule) through which ``fact`` reaches ``rule_id``, if not read directly."""
    rule = kb.by_id[rule_id]
    if fact in rule.reads:
        return None
    for name in sorted(rule.reads):
        for source in kb.derived_by.get(name, ()):
            if fact in kb.by_id[source].reads:
                return name, source
    return None


__all__ = ["ENDINGS", "Answer", "Question", "Reason", "Reply", "Session", "UNKNOWN"]
