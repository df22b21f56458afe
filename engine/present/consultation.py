"""A consultation's words beside its questions: «perché?» and why a typed answer was refused.

The same lines for ``ask`` on a terminal, the «Consultazione guidata» page and ``POST /api/v1/ask``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..inputs.redact import redact
from ..kb.catalogue import Fact
from ..kb.texts import format_message
from .render import Renderer

if TYPE_CHECKING:
    from ..consult.answers import Parsed
    from ..consult.planner import Conclusion
    from ..consult.session import Question, Reason, Session


def why_lines(reasons: Sequence["Reason"], renderer: Renderer) -> list[str]:
    """«perché?» in words: the intro, then one line per rule the answer can decide."""
    t = renderer.text
    lines = [t("ask.why.intro")]
    for reason in reasons:
        if not reason.decides:
            lines.append(t("ask.why.together", title=renderer.rule_title(reason.rule), id=reason.rule))
            continue
        notes = [t("ask.why.cause_of", symptom=renderer.rule_title(s)) for s in reason.cause_of]
        if reason.via:
            notes.append(t("ask.why.via", fact=renderer.fact_label(reason.via[0]), rule=reason.via[1]))
        line = t("ask.why.rule", title=renderer.rule_title(reason.rule), id=reason.rule)
        lines.append(line + (f" — {'; '.join(notes)}" if notes else ""))
    return lines


def invalid_text(parsed: "Parsed", fact: Fact, renderer: Renderer) -> str:
    """Why a free-text answer was refused, in the catalogue's error words (a typed secret masked)."""
    secrets = renderer.kb.catalogue.secret_names
    params = {key: redact(value, secrets) if isinstance(value, str) else value for key, value in parsed.params}
    code = params.pop("code")
    return format_message(f"errors.{code}", renderer.lang, name=renderer.fact_label(fact.name), **params)


def question_json(session: "Session", question: "Question", renderer: Renderer) -> dict[str, object]:
    """The question with its choices (value and label; ``null`` is «non so») and its «perché?»."""
    fact = question.fact
    if fact.type == "bool":
        choices = [{"value": True, "label": renderer.text("ask.labels.yes")},
                   {"value": False, "label": renderer.text("ask.labels.no")}]
    elif fact.type == "enum":
        named = renderer.fact_choices(fact.name)
        choices = [{"value": value, "label": named.get(value, value)} for value in fact.values]
    else:
        choices = []
    choices.append({"value": None, "label": renderer.text("ask.labels.unknown")})
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


def answered_lines(session: "Session", renderer: Renderer) -> list[dict[str, str]]:
    """The answers so far, each with its question, as the page lists them («non so» for an unknown)."""
    from ..consult.session import UNKNOWN

    unknown = renderer.text("ask.labels.unknown")
    return [{"question": renderer.fact_question(a.fact),
             "answer": unknown if a.value is UNKNOWN else renderer.value(a.value, a.fact)}
            for a in session.state.answers]


def why_items(session: "Session", question: "Question", renderer: Renderer) -> list[dict[str, object]]:
    """«perché?» as the page lists it: each rule's title, the symptoms it may cause and the derived fact the
    answer goes through, by their titles and labels."""
    return [{"title": renderer.rule_title(r.rule), "decides": r.decides,
             "cause_of": [renderer.rule_title(s) for s in r.cause_of],
             "via": renderer.fact_label(r.via[0]) if r.via else None} for r in session.why(question)]


def complaint_words(complaint: "Conclusion", renderer: Renderer) -> dict[str, object]:
    """A consultation's conclusion as the page shows it: the confirmed causes' titles, and each open cause's
    title with the labels of the facts that would decide it."""
    return {"explained": complaint["explained"],
            "confirmed": [renderer.rule_title(c) for c in complaint["confirmed"]],
            "open": [{"title": renderer.rule_title(c["cause"]), "needs": [renderer.fact_label(n) for n in c["needs"]]}
                     for c in complaint["open_causes"]]}
