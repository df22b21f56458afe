"""The guided consultation over HTTP: one step from the answers so far, for the API and the page alike.

Nothing is kept on the server: every request carries the whole state (the problem, the starting
facts, the answers in order), is checked as untrusted input, and is answered with the next question
or the conclusion.  A restart or a second worker changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Mapping
from urllib.parse import urlencode

from diagnostica.engine.consult.session import Question, Session
from diagnostica.engine.dns.collect import DnsReport
from diagnostica.engine.errors import InputError, Location
from diagnostica.engine.inputs import facts as facts_mod
from diagnostica.engine.inputs.redact import redact, redact_data
from diagnostica.engine.kb.catalogue import Value
from diagnostica.engine.kb.yamlload import load_yaml, position
from diagnostica.engine.present import compose
from diagnostica.engine.present.consultation import (
    answered_lines,
    complaint_words,
    invalid_text,
    question_json,
    why_items,
)
from diagnostica.engine.present.render import Renderer

from ..common import customer_text
from .render import web_renderer

WHERE = "<body>"


@dataclass(frozen=True)
class Step:
    """One step of a consultation: the session, the question to ask now (None: it is over)."""

    session: Session
    question: Question | None
    secrets: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)  # where each starting fact came from
    facts: Mapping[str, Value] = field(default_factory=dict)  # the starting facts, secrets dropped
    dns_report: DnsReport | None = None  # the domain's lookups, when the DNS was looked up for this step


def read_step(kb, body: object, where: str = WHERE) -> Step:
    """The session a request describes: ``{"problem", "facts", "answers", "thorough", "stop"}``."""
    if not isinstance(body, Mapping):
        raise InputError("facts_not_mapping", Location(where, 1))
    facts = body.get("facts") or {}
    if not isinstance(facts, Mapping):
        raise InputError("ask_bad_state", Location(where, *position(body, "facts")), field="facts")
    document = facts if isinstance(facts, dict) else dict(facts)  # the YAML loader's Map keeps its positions
    gathered = facts_mod.with_context(facts_mod.parse_facts_document(document, where, kb.catalogue, kb.data),
                                      kb.catalogue)
    # Free text in the starting facts («password: ...» as an address) is masked before it can go back out
    # in the page's state, its permalink or its language switch.
    given = redact_data(dict(gathered.values), kb.catalogue.secret_names)
    session = Session.from_dict(kb, body, given=given, where=where)
    if body.get("stop") is True:  # «fine»: the advice with what is known
        session = session.stop()
    return Step(session, session.question(), secrets=tuple(gathered.secrets), sources=dict(gathered.sources),
                facts=given)


def step_json(kb, step: Step, *, lang: str, audience: str = "agente") -> dict[str, Any]:
    """The API's answer: ``state`` and ``question``, or the document of ``ask --format json``
    (``transcript``, ``ended``, ``result``) and ``state``."""
    session = step.session
    renderer = web_renderer(kb, lang, audience)
    state = session.to_dict()
    history = [{**event, "question": renderer.fact_question(event["fact"])} for event in session.history()]
    offer = session.dns_offer()
    if offer is not None:  # send the state back with "dns": "collected" (look it up) or "declined"
        return {"state": state, "transcript": history, "dns_offer": {"domain": offer}}
    if step.question is not None:
        return {"state": state, "transcript": history, "question": question_json(session, step.question, renderer)}
    _, document = conclusion(kb, step, lang=lang, audience=audience)
    return {"state": state, "transcript": history, "ended": session.ending(), "result": document.data}


def conclusion(kb, step: Step, *, lang: str, audience: str = "agente", tried: list[str] | None = None):
    """(result, document): the advice the step's session reached, as ``ask --format json`` gives it."""
    return compose.conclusion(kb, step.session, web_renderer(kb, lang, audience), secrets=step.secrets,
                              sources=step.sources, tried=tried, dns_report=step.dns_report)


# ------------------------------------------------------------------ the «Consultazione guidata» page

def page_state(step: Step) -> str:
    """The hidden field (and the permalink's ``state``): the API's body, compact JSON."""
    from diagnostica.engine.inputs.jsonable import jsonable

    data: dict[str, object] = dict(step.session.to_dict())
    if step.facts:
        data["facts"] = jsonable(dict(step.facts))
    if step.session.ended == "stopped":
        data["stop"] = True
    # ASCII only (\u escapes): a field value and a URL whatever was typed, a lone surrogate included.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


def state_from_field(text: str) -> dict[str, Any]:
    """The page's ``state`` field, read back as untrusted JSON (duplicate keys caught, positions kept)."""
    if not text.strip():
        raise InputError("ask_bad_state", Location("state"), field="state")
    data = load_yaml(text, "state").data
    if not isinstance(data, Mapping):
        raise InputError("ask_bad_state", Location("state"), field="state")
    return dict(data)


def page_move(kb, fields: Mapping[str, str], renderer: Renderer) -> tuple[Step, str | None]:
    """The step a form post leads to, and the message for a free-text answer that was refused.

    ``action``: start (the problem and the account's address), back, stop, text (the typed answer);
    a pressed choice button sends ``answer`` (JSON: true, false, an enum value, null for «non so»).
    The question answered is the one the state leads to, never one named by the client.
    """
    action = fields.get("action", "")
    if action == "start":
        body: dict[str, Any] = {"problem": fields.get("problem") or None}
        if fields.get("dns"):  # ask the domain first when the DNS can settle something, then offer the lookup
            body["dns"] = "offer"
        email = fields.get("email", "").strip()
        if email:
            body["facts"] = {"account.email": email}
        return read_step(kb, body, where="email"), None
    body = state_from_field(fields.get("state", ""))
    if action == "back":
        body.pop("stop", None)
        answers = Session.from_dict(kb, body, where="state").to_dict()["answers"]
        return read_step(kb, {**body, "answers": answers[:-1]}, where="state"), None
    if action == "stop":
        return read_step(kb, {**body, "stop": True}, where="state"), None
    if action in ("dns_yes", "dns_no"):  # the answer to the offer of a lookup
        return read_step(kb, {**body, "dns": "collected" if action == "dns_yes" else "declined"},
                         where="state"), None
    if action == "tried":  # what the customer already tried, for the ticket: free text, secrets masked first
        facts = dict(body.get("facts") or {}) if isinstance(body.get("facts") or {}, Mapping) else {}
        typed = redact(fields.get("tried", ""), kb.catalogue.secret_names)
        items = [item.strip() for item in typed.split(",") if item.strip()]
        facts.pop("customer.tried", None)
        return read_step(kb, {**body, "facts": {**facts, **({"customer.tried": items} if items else {})}},
                         where="state"), None
    step = read_step(kb, body, where="state")
    if step.question is None:
        return step, None
    if "answer" in fields:
        try:
            value = json.loads(fields["answer"])
        except json.JSONDecodeError:
            raise InputError("ask_bad_state", Location("answer"), field="answer") from None
        answered = step.session.to_dict()["answers"] + [[step.question.fact.name, value]]
        return read_step(kb, {**body, "answers": answered}, where="answer"), None
    if action == "text":
        moved, reply = step.session.reply(fields.get("text", ""), renderer)
        if reply.kind == "invalid":
            if reply.parsed.problem == "text":
                problem = invalid_text(reply.parsed, step.question.fact, renderer)
                return step, renderer.text("ask.invalid.text", problem=problem)
            return step, renderer.text("ask.invalid.empty")
        answers = moved.to_dict()["answers"]
        return read_step(kb, {**body, "answers": answers, **({"stop": True} if reply.kind == "stop" else {})},
                         where="state"), None
    return step, None


async def with_dns(kb, step: Step, source, gate) -> Step:
    """The step with the domain's DNS facts when its lookup was accepted: looked up again at every step
    (bounded by the server's gate), so the state stays small and the evidence is the lookups' own."""
    from diagnostica.engine.dns import collect as dnsfacts

    session = step.session
    domain = session.facts.get("domain")
    if session.dns != "collected" or not isinstance(domain, str):
        return step
    name = dnsfacts.domain_name(domain, Location("domain"))
    report = await gate.run(lambda: dnsfacts.collect(name, source, kb.catalogue))
    learned = session.learn(report.facts)
    return replace(step, session=learned, question=learned.question(), dns_report=report)


def page_context(kb, step: Step, renderer: Renderer, lang: str) -> dict[str, Any]:
    """What ``consult.html.j2`` shows for a step: the answers so far, then the question or the conclusion."""
    session = step.session
    answered = answered_lines(session, renderer)
    state = page_state(step)
    context: dict[str, Any] = {"state": state, "answered": answered, "start": False,
                               "can_go_back": bool(answered), "known": [],
                               "question": None, "complaint": None, "offer": None}
    offer = session.dns_offer()
    if offer is not None:  # the domain is known: the lookup is offered before the next question
        context.update(offer=offer, known=[renderer.rule_title(f.id) for f in session.result().findings])
        return context
    if step.question is not None:
        result = session.result()
        context.update(question=question_json(session, step.question, renderer),
                       why=why_items(session, step.question, renderer),
                       known=[renderer.rule_title(f.id) for f in result.findings])
        return context
    result, document = conclusion(kb, step, lang=lang)
    reached = session.conclusion(result)  # what the document holds under "complaint"
    complaint = complaint_words(reached, renderer) if reached is not None else None
    tried = step.facts.get("customer.tried")  # a list fact: its items, as the catalogue coerced them
    tried = tried if isinstance(tried, tuple) else ()
    if step.dns_report is not None:
        from diagnostica.engine.present import evidence as dns_evidence

        context["evidence"] = "\n".join(dns_evidence.lines(document.data["dns"], renderer, explain=True)).strip("\n")
    context.update(result=document.data, causes=document.possible_causes, complaint=complaint,
                   ticket=document.ticket, tried=", ".join(str(item) for item in tried),
                   customer=customer_text(kb, result, lang),
                   permalink="/consultazione?" + urlencode({"lang": lang, "state": state}))
    return context
