"""From a Result to a presentation document: the stable JSON shape every reporter formats.

Shape (documented in the README, stable for integrations)::

    {"lang", "findings": [{"id", "severity", "title", "explanation", "remediation",
      "because": {fact: value}, "consequence_of": [ids], "links": [{"relation", "id"}]}],
     "undecided": [{"id", "needs": [facts]}], "possible_causes": [...],
     "facts": {...}, "derived": {fact: rule}, "next_steps": [...], "secrets_ignored": [...]}

``explain`` adds an ``explain`` section: every rule's outcome and the facts
behind it, and the texts shown in Italian because the language lacked them.
"""
from __future__ import annotations

from typing import Any

from ..inputs.redact import redact_data
from ..kb.load import KnowledgeBase
from ..run.result import Result
from .render import Renderer


def jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def next_steps(kb: KnowledgeBase, renderer: Renderer, fallbacks: list[str]) -> list[str]:
    """The seed's two follow-up actions, with the diagnostic's duration from rules/data."""
    section = kb.data.get("diagnostic")
    duration = section.get("duration_minutes") if isinstance(section, dict) else None
    duration = _Known(duration if isinstance(duration, dict) else {})
    steps = renderer.text("next_steps", fallbacks)
    # A writer's slip in the data or the locale (a number retyped, a key deleted) leaves the placeholder
    # as written rather than stopping the report.
    return [step.format_map(duration) for step in steps if isinstance(step, str)] if isinstance(steps, list) else []


class _Known(dict):
    """The values a step names; one that is missing stays ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


#: A linked rule's outcome in this evaluation, as the document says it.
_STATUS = {True: "confirmed", False: "excluded", None: "open"}


def build(kb: KnowledgeBase, result: Result, renderer: Renderer, *, explain: bool = False,
          secrets: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    fallbacks: list[str] = []
    findings = []
    secret_names = kb.catalogue.secret_names
    for finding in result.findings:
        text = renderer.rule_text(finding.id, result.facts, result.outcomes)
        fallbacks.extend(text.fallbacks)
        item = {
            "id": finding.id,
            "severity": finding.severity,
            "title": text.title,
            "explanation": text.explanation,
            "remediation": text.remediation,
            "because": redact_data(jsonable(finding.because), secret_names),
            "consequence_of": list(finding.consequence_of),
            # Each linked rule's title and what this evaluation made of it (confirmed, excluded, open).
            "links": [{"relation": rel, "id": target, "title": renderer.rule_title(target),
                       "status": _STATUS[result.outcomes.get(target)]} for rel, target in finding.links],
        }
        if text.errors:
            item["template_errors"] = list(text.errors)
        findings.append(item)
    document: dict[str, Any] = {
        "lang": renderer.lang,
        "findings": findings,
        "undecided": [{"id": u.id, "needs": list(u.needs)} for u in result.undecided],
        "possible_causes": [
            {"symptom": p.symptom, "cause": p.cause, "title": renderer.text(f"rules.{p.cause}.title", fallbacks),
             "needs": list(p.needs)}
            for p in result.possible_causes
        ],
        # Free-text facts (customer.tried, notes) may hold a typed password: every format shows them masked.
        "facts": redact_data(jsonable(result.facts), secret_names),
        "derived": dict(result.derived),
        "next_steps": next_steps(kb, renderer, fallbacks),
        "secrets_ignored": sorted(set(secrets)),
    }
    if explain:
        document["explain"] = _explain(kb, result, fallbacks)
    return document


def _explain(kb: KnowledgeBase, result: Result, fallbacks: list[str]) -> dict[str, Any]:
    from ..run.explain import because, needs

    rules = []
    for rule in sorted(kb.rules, key=lambda r: r.id):
        outcome = result.outcomes.get(rule.id)
        entry: dict[str, Any] = {"id": rule.id, "kind": rule.kind,
                                 "outcome": {True: "fired", False: "not-fired", None: "undecided"}[outcome]}
        if outcome is None:
            entry["needs"] = list(needs(kb, rule.id, result.facts))
        else:
            entry["facts"] = jsonable(because(kb, rule.id, result.facts, result.derived))
        rules.append(entry)
    return {"rules": rules, "fallbacks": sorted(set(fallbacks))}
