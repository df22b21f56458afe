"""The consultation planner: which question to ask next, and why.  No I/O here.

A :class:`Consultation` is an immutable record of what was known at the start
and of the answers given since; each answer returns a new record, so undoing
an answer is returning the previous one.

How the next question is chosen (as MYCIN-style consultations do):

* only facts that an undecided rule of the goal still needs are candidates
  (``evaluate.needs`` follows derived facts back to the facts they come from);
  a fact that is known, derived or already asked is never asked (again);
* every candidate is *previewed*: the knowledge base is evaluated with each
  answer it could get (both booleans, every enum value; for free text the
  catalogue's sample value and, for lists and records, an empty list), and
  the undecided rules that at least one answer would decide are counted;
* the best question can decide the most *possible causes* (causes, direct or
  not, of a symptom that fired or that the customer complains of and that no
  confirmed cause explains yet), then the most undecided goal rules; ties go
  to the cheaper question (the catalogue's ``cost``), then to the one that
  decides more rules on average over its answers (a yes/no that settles a
  rule either way beats one that settles it only on "sì"), then to
  catalogue order.

With a complaint (``rules/data/consult.yaml``: "cannot send", "cannot
receive"), the goal is the complaint's symptoms and their causes, and the
consultation ends as soon as every complaint is explained by a confirmed
cause (unless ``thorough``).  Without one, every finding rule is the goal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping, TypeAlias, TypedDict

from ..errors import InputError, KnowledgeBaseError, Location
from ..kb.catalogue import Fact, Value, closest
from ..kb.load import KnowledgeBase
from ..run.explain import needs as rule_needs
from ..run.result import Result


class Unknown:
    """The answer "non so": the question was asked, the fact stays unknown."""

    _instance = None

    def __new__(cls) -> "Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()

#: What a question can get: a canonical value, or «non so».
Answered: TypeAlias = "Value | Unknown"


class OpenCause(TypedDict):
    cause: str
    needs: list[str]  # the facts that would decide it


class Conclusion(TypedDict):
    """What became of the customer's complaint (see :meth:`Consultation.conclusion`); a JSON object."""

    problem: str
    symptoms: list[str]
    explained: bool
    confirmed: list[str]
    open_causes: list[OpenCause]


@dataclass(frozen=True)
class Answer:
    fact: str
    value: Answered


@dataclass(frozen=True)
class Candidate:
    """A question that could be asked, with what it would settle."""

    fact: str
    causes: tuple[str, ...]  # possible causes some answer would decide
    decides: tuple[str, ...]  # undecided goal rules some answer would decide (causes included)
    needed_by: tuple[str, ...]  # undecided goal rules that need this fact, decided by it or not
    cost: int
    order: int
    expected: Fraction = Fraction(0)  # goal rules decided, on average over the previewed answers

    @property
    def key(self) -> tuple[int, int, int, Fraction, int]:
        return (-len(self.causes), -len(self.decides), self.cost, -self.expected, self.order)


@dataclass(frozen=True)
class Problem:
    """What the customer complains of, and the symptom rules it stands for."""

    name: str
    symptoms: tuple[str, ...]


def problems(kb: KnowledgeBase) -> dict[str, Problem]:
    """The complaints a consultation can start from (``consultation.problems`` in rules/data)."""
    found = {}
    for name, spec in (kb.data.get("consultation", {}).get("problems") or {}).items():
        symptoms = tuple(spec.get("symptoms", ()))
        for rule_id in symptoms:
            if rule_id not in kb.by_id:
                raise KnowledgeBaseError("unknown_rule", Location("rules/data/consult.yaml"), id=rule_id,
                                         relation="symptoms", rule=name, suggestion=closest(rule_id, list(kb.by_id)))
        found[name] = Problem(name, symptoms)
    return found


def problem(kb: KnowledgeBase, name: str, where: Location | None = None) -> Problem:
    """A complaint by name or alias, or an input error naming the closest one (at ``where``: --problem)."""
    table = problems(kb)
    aliases = {alias: key for key, spec in (kb.data.get("consultation", {}).get("problems") or {}).items()
               for alias in spec.get("aliases", ())}
    key = aliases.get(name, name)
    if key not in table:
        raise InputError("unknown_problem", where or Location("--problem"), name=name, available=", ".join(table),
                         suggestion=closest(name, [*table, *aliases]))
    return table[key]


def transitive_causes(kb: KnowledgeBase, rule_id: str) -> tuple[str, ...]:
    """Every rule that causes ``rule_id``, directly or through other causes, nearest first."""
    seen: list[str] = []
    pending = list(kb.caused_by(rule_id))
    while pending:
        cause = pending.pop(0)
        if cause in seen or cause == rule_id:
            continue
        seen.append(cause)
        pending.extend(kb.caused_by(cause))
    return tuple(seen)


@dataclass(frozen=True)
class Consultation:
    kb: KnowledgeBase = field(repr=False)
    given: Mapping[str, Value] = field(default_factory=dict)
    answers: tuple[Answer, ...] = ()
    complaint: Problem | None = None
    thorough: bool = False

    # ------------------------------------------------------------ state
    @property
    def facts(self) -> dict[str, Value]:
        """What is known: the starting facts, then the answers (an answer wins)."""
        known = dict(self.given)
        for answer in self.answers:
            if not isinstance(answer.value, Unknown):
                known[answer.fact] = answer.value
        return known

    @property
    def asked(self) -> frozenset[str]:
        return frozenset(a.fact for a in self.answers)

    def result(self) -> Result:
        result: Result = self.kb.evaluate(self.facts)  # KnowledgeBase.evaluate is not annotated yet
        return result

    def answer(self, fact: str, value: Answered) -> "Consultation":
        if fact in self.asked:  # the planner never offers it; a caller asking twice is a bug
            raise ValueError(f"{fact} was already asked")
        return Consultation(self.kb, self.given, self.answers + (Answer(fact, value),), self.complaint, self.thorough)

    def undo(self) -> "Consultation":
        """The consultation before the last answer (itself when nothing was answered)."""
        if not self.answers:
            return self
        return Consultation(self.kb, self.given, self.answers[:-1], self.complaint, self.thorough)

    # ------------------------------------------------------------- goals
    def goal(self) -> tuple[str, ...]:
        """The finding rules this consultation tries to decide."""
        if self.complaint is None:
            return tuple(r.id for r in self.kb.rules if r.is_finding)
        ids: list[str] = []
        for symptom in self.complaint.symptoms:
            for rule_id in (symptom, *transitive_causes(self.kb, symptom)):
                if rule_id not in ids and self.kb.by_id[rule_id].is_finding:
                    ids.append(rule_id)
        return tuple(ids)

    def explained(self, result: Result, symptom: str) -> bool:
        return any(result.outcomes.get(c) is True for c in transitive_causes(self.kb, symptom))

    def possible_causes(self, result: Result) -> tuple[str, ...]:
        """Undecided causes of a symptom that fired (or of the complaint) and is not explained yet."""
        symptoms = [f.id for f in result.findings]
        if self.complaint is not None:
            symptoms += [s for s in self.complaint.symptoms if s not in symptoms]
        causes: list[str] = []
        for symptom in symptoms:
            if self.explained(result, symptom):
                continue
            for cause in transitive_causes(self.kb, symptom):
                rule = self.kb.by_id[cause]
                if rule.is_finding and result.outcomes.get(cause) is None and cause not in causes:
                    causes.append(cause)
        return tuple(causes)

    def conclusion(self, result: Result) -> Conclusion | None:
        """What became of the customer's complaint: explained by a confirmed cause, or not established yet.

        The complaint is itself a problem whatever the facts show, so a consultation that could not
        confirm a cause says so and lists the causes still open with the facts that would decide them.
        """
        if self.complaint is None:
            return None
        explained = all(self.explained(result, s) for s in self.complaint.symptoms)
        confirmed = [c for s in self.complaint.symptoms for c in transitive_causes(self.kb, s)
                     if result.outcomes.get(c) is True]
        open_causes: list[OpenCause] = [] if explained else [
            {"cause": cause, "needs": list(rule_needs(self.kb, cause, result.facts))}
            for cause in self.possible_causes(result)]
        return {"problem": self.complaint.name, "symptoms": list(self.complaint.symptoms),
                "explained": explained, "confirmed": list(dict.fromkeys(confirmed)), "open_causes": open_causes}

    def done(self, result: Result | None = None) -> bool:
        """A complaint explained by a confirmed cause ends the consultation (unless thorough)."""
        result = result or self.result()
        if self.complaint is None or self.thorough:
            return False
        return all(self.explained(result, s) for s in self.complaint.symptoms)

    # --------------------------------------------------------- questions
    def candidates(self, result: Result | None = None) -> list[Candidate]:
        """Every question worth asking now, best first."""
        result = result or self.result()
        if self.done(result):
            return []
        facts = self.facts
        open_goal = [r for r in self.goal() if result.outcomes.get(r) is None]
        causes = set(self.possible_causes(result))
        needed: dict[str, list[str]] = {}
        for rule_id in open_goal:
            for name in rule_needs(self.kb, rule_id, result.facts):
                needed.setdefault(name, []).append(rule_id)
        order = {name: i for i, name in enumerate(self.kb.catalogue.facts)}
        found = []
        for name, rules in needed.items():
            fact = self.kb.catalogue.facts.get(name)
            if fact is None or not fact.askable or name in result.facts or name in self.asked:
                continue
            decides, expected = self._preview(facts, fact, open_goal)
            found.append(Candidate(
                fact=name, causes=tuple(r for r in decides if r in causes), decides=decides,
                needed_by=tuple(rules), cost=fact.cost, order=order[name], expected=expected,
            ))
        return sorted(found, key=lambda c: c.key)

    def next_question(self, result: Result | None = None) -> Candidate | None:
        found = self.candidates(result)
        return found[0] if found else None

    def _preview(self, facts: dict[str, Value], fact: Fact, rules: list[str]) -> tuple[tuple[str, ...], Fraction]:
        decided: set[str] = set()
        total = 0
        probes = probe_values(fact)
        for value in probes:
            outcomes = self.kb.evaluate({**facts, fact.name: value}).outcomes
            now = [r for r in rules if outcomes.get(r) is not None]
            decided.update(now)
            total += len(now)
        expected = Fraction(total, len(probes)) if probes else Fraction(0)
        return tuple(r for r in rules if r in decided), expected


def probe_values(fact: Fact) -> tuple[Value, ...]:
    """The answers a preview tries: all of them when they can be listed, else typical ones."""
    if fact.type == "bool":
        return (True, False)
    if fact.type == "enum":
        return fact.values
    probes: list[Value] = []
    if fact.sample is not None:
        try:
            probes.append(fact.coerce(fact.sample))
        except ValueError:  # a bad sample must not stop a consultation
            pass
    if fact.type in ("list", "records"):
        probes.append(())
    return tuple(probes)
