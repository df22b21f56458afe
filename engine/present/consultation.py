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
    from ..consult.session import Reason


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
