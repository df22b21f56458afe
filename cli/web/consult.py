"""The guided consultation over HTTP: one step from the answers so far, for the API and the page alike.

Nothing is kept on the server: every request carries the whole state (the problem, the starting
facts, the answers in order), is checked as untrusted input, and is answered with the next question
or the conclusion.  A restart or a second worker changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from diagnostica.engine.consult.session import Question, Session
from diagnostica.engine.errors import InputError, Location
from diagnostica.engine.inputs import facts as facts_mod
from diagnostica.engine.kb.yamlload import position
from diagnostica.engine.present.render import Renderer

from ..ask_cmd import conclusion_document, why_lines

WHERE = "<body>"


@dataclass(frozen=True)
class Step:
    """One step of a consultation: the session, the question to ask now (None: it is over)."""

    session: Session
    question: Question | None
    secrets: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)  # where each starting fact came from


def read_step(kb, body: Any, where: str = WHERE) -> Step:
    """The session a request describes: ``{"problem", "facts", "answers", "thorough", "stop"}``."""
    if not isinstance(body, Mapping):
        raise InputError("facts_not_mapping", Location(where, 1))
    facts = body.get("facts") or {}
    if not isinstance(facts, Mapping):
        raise InputError("ask_bad_state", Location(where, *position(body, "facts")), field="facts")
    gathered = facts_mod.with_context(facts_mod.parse_facts_document(facts, where, kb.catalogue,
                                                                     kb.data), kb.catalogue)
    session = Session.from_dict(kb, body, given=gathered.values, where=where)
    if body.get("stop") is True:  # «fine»: the advice with what is known
        session = session.stop()
    return Step(session, session.question(), tuple(gathered.secrets), dict(gathered.sources))


def question_json(session: Session, question: Question, renderer: Renderer) -> dict[str, Any]:
    """The question with its choices (value and label; ``null`` is «non so») and its «perché?»."""
    fact = question.fact
    labels = renderer.text("ask.labels")
    if fact.type == "bool":
        choices = [{"value": True, "label": labels["yes"]}, {"value": False, "label": labels["no"]}]
    elif fact.type == "enum":
        named = renderer.fact_choices(fact.name)
        choices = [{"value": value, "label": named.get(value, value)} for value in fact.values]
    else:
        choices = []
    choices.append({"value": None, "label": labels["unknown"]})
    reasons = session.why(question)
    lines = why_lines(reasons, renderer)
    return {
        "n": question.number, "fact": fact.name, "type": fact.type, "text": renderer.fact_question(fact.name),
        "choices": choices,
        **({"example": renderer.value(fact.sample, fact.name)} if fact.type not in ("bool", "enum") else {}),
        "why": {"intro": lines[0], "lines": lines[1:],
                "rules": [{"rule": r.rule, "title": renderer.rule_title(r.rule), "decides": r.decides,
                           "cause_of": list(r.cause_of), **({"via": {"fact": r.via[0], "rule": r.via[1]}}
                                                            if r.via else {})} for r in reasons]},
    }


def step_json(kb, step: Step, *, lang: str, audience: str = "agente") -> dict[str, Any]:
    """The API's answer: ``state`` and ``question``, or the document of ``ask --format json``
    (``transcript``, ``ended``, ``result``) and ``state``."""
    session = step.session
    renderer = Renderer(kb, lang, audience=audience)
    state = session.to_dict()
    history = [{**event, "question": renderer.fact_question(event["fact"])} for event in session.history()]
    if step.question is not None:
        return {"state": state, "transcript": history, "question": question_json(session, step.question, renderer)}
    document, _, _ = conclusion(kb, step, lang=lang, audience=audience)
    return {"state": state, "transcript": history, "ended": session.ending(), "result": document}


def conclusion(kb, step: Step, *, lang: str, audience: str = "agente", tried: Any = None):
    return conclusion_document(kb, step.session, lang=lang, audience=audience, secrets=step.secrets,
                               sources=step.sources, tried=tried)
