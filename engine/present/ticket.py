"""The ticket summary: a plain-text support request to paste into a ticket.

Rendered once, when the document is built (:func:`document.build` calls :func:`render`), so the
reporter ``REPORTERS["ticket"]`` only prints it and every command that renders a document offers
it.  The words and the layout are the locale's template ``ticket.txt.j2``; this module only
gathers what goes in: the account, the domain, the date, each finding with the facts behind
it, the checks done with their evidence, what is still open and what the
customer already tried.  Facts never hold secrets (inputs drop them), and
every free text is masked again here, so a password typed in a note or
pasted with a report cannot reach the ticket.
"""
from __future__ import annotations

import datetime
from typing import Mapping

from ..inputs.facts import JSON
from ..inputs.redact import redact
from ..kb.load import KnowledgeBase
from .render import Renderer

#: The locale's template of the ticket (``locales/<lang>/ticket.txt.j2``).
TEMPLATE = "ticket.txt.j2"

# Facts shown in the heading, not among the checks.
_HEADING = ("account.email", "domain", "diagnostic.last_check", "customer.tried")


def _object(value: JSON) -> dict[str, JSON]:
    return value if isinstance(value, dict) else {}


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def render(kb: KnowledgeBase, renderer: Renderer, document: Mapping[str, JSON], evidence: Mapping[str, str],
           date: str) -> str:
    """The ticket's text for a document's JSON shape (see :mod:`document`, which calls this once)."""
    secrets = kb.catalogue.secret_names

    def clean(value: object, name: str | None = None) -> str:
        return redact(renderer.value(value, name), secrets)

    # The document's JSON as document.build writes it: the narrowing below only tells mypy its shape.
    facts = _object(document["facts"])
    derived = {name: rule for name, rule in _object(document.get("derived", {})).items() if isinstance(rule, str)}
    account = facts.get("account.email")
    domain = facts.get("domain") or (account.rpartition("@")[2]
                                     if isinstance(account, str) and "@" in account else None)
    findings = [{
        "id": f["id"],
        "title": f["title"],
        "severity": renderer.text(f"severity.{f['severity']}"),
        "because": [{"label": renderer.fact_label(n), "value": clean(v, n)} for n, v in _object(f["because"]).items()],
        "consequence_of": [renderer.rule_title(str(c)) for c in _list(f["consequence_of"])],
    } for f in map(_object, _list(document["findings"]))]
    checks = [{
        "label": renderer.fact_label(name),
        "value": clean(value, name),
        "evidence": redact(evidence.get(name, ""), secrets),
    } for name, value in facts.items() if name not in derived and name not in _HEADING]
    # A deduction names the facts it comes from, not the rule that made it: the ticket's reader
    # knows the facts, not the knowledge base.
    deductions = [{"label": renderer.fact_label(name), "value": clean(facts[name], name), "rule": rule,
                   "sources": ", ".join(renderer.fact_label(n) for n in _sources(kb, rule, facts, derived))}
                  for name, rule in derived.items() if name in facts]

    def quoted(name: str) -> str:
        return renderer.text("report.needs_item", label=renderer.fact_label(name))

    still_open = [{"title": p["title"], "needs": ", ".join(quoted(str(n)) for n in _list(p["needs"])),
                   "count": len(_list(p["needs"]))}
                  for p in map(_object, _list(document["possible_causes"]))]
    tried = _list(facts.get("customer.tried") or [])
    # The facts the template shows by name, as ``facts.<name>`` (like rule templates, so the linter
    # sees them used); always present, masked, None when unknown.
    date_format = renderer.text("report.date_format")  # as the language writes a date: 27/11/2026 16:42
    shown = {
        "customer": {"tried": [redact(str(item), secrets) for item in tried]},
        "diagnostic": {"last_check": clean(_minute(facts["diagnostic.last_check"], date_format))
                       if facts.get("diagnostic.last_check") else None},
    }
    context = {
        "account": clean(account) if account else None,
        "domain": clean(domain) if domain else None,
        "date": date,
        "findings": findings,
        "checks": checks,
        "deductions": deductions,
        "open": still_open,
        "facts": shown,
        "secrets_ignored": bool(document.get("secrets_ignored")),
    }
    fallbacks: list[str] = []
    return renderer.render_template(TEMPLATE, context, fallbacks).rstrip() + "\n"


def _sources(kb: KnowledgeBase, rule_id: str, facts: Mapping[str, object], derived: Mapping[str, str]) -> list[str]:
    """The known facts a deriving rule read, in the catalogue's order."""
    rule = kb.by_id.get(rule_id)
    reads = rule.reads if rule is not None else ()
    return [name for name in facts if name in reads and name != rule_id]


def _minute(value: JSON, date_format: str) -> JSON:
    """An ISO date and time as the ticket shows every date (``27/11/2026 16:42`` in Italian); anything
    else as it is."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime(date_format)

