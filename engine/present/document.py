"""From a Result to the presentation document: built once, in one language, for one audience.

A :class:`Document` holds everything a reporter shows, already in words: each finding's severity
word, title, texts and the facts behind it as label = value, the headings, the causes still open,
the next steps, the evidence sections (DNS lookups, API calls, what a paste said), the ticket and
the date.  Reporters (:mod:`reporters`) only lay it out; they need no Renderer, knowledge base or
catalogue.  Every string meant for people has its control characters made visible here
(:func:`controls.escape`), and free text is masked here, so no reporter can leak or forget either.

``Document.data`` is the JSON shape (documented in the README, stable for integrations)::

    {"lang", "findings": [{"id", "severity", "title", "explanation", "remediation",
      "because": {fact: value}, "consequence_of": [ids], "links": [{"relation", "id"}]}],
     "undecided": [{"id", "needs": [facts]}], "possible_causes": [...],
     "facts": {...}, "derived": {fact: rule}, "next_steps": [...], "secrets_ignored": [...]}

``explain`` adds an ``explain`` section: every rule's outcome and the facts
behind it, and the texts shown in Italian because the language lacked them.
Commands add their own sections after these (``evidence``, ``report``, ``dns``, ``ovh``,
``complaint``), in the order given.
"""
from __future__ import annotations

import datetime
from typing import Mapping, NamedTuple, Sequence

from ..inputs.facts import JSON
from ..inputs.jsonable import jsonable
from ..inputs.redact import redact_data
from ..kb.load import KnowledgeBase
from ..run.result import PossibleCause, Result
from .controls import escape
from .render import Renderer

#: The document's JSON shape (values as :data:`inputs.facts.JSON`, the one alias).
JsonObject = dict[str, JSON]


# The records are NamedTuples, not frozen dataclasses: as immutable, and a command's start-up built ten
# dataclasses here (their generated methods compiled at import, about 5 ms of a 0.12 s `check`).
class Shown(NamedTuple):
    """A fact as people read it: its label and its value in words (masked)."""

    name: str
    label: str
    value: str


class Titled(NamedTuple):
    """A rule named by its title (the id beside it for the agent)."""

    id: str
    title: str


class Link(NamedTuple):
    """A linked rule: the relation (and its word), its title, and what this evaluation made of it."""

    relation: str  # causes, caused_by, see_also
    word: str
    id: str
    title: str
    status: str  # confirmed, excluded, open

    @property
    def shown(self) -> bool:
        """Worth reading: a cause this evaluation ruled out is no lead any more, and a "see also" is shown
        only when that rule fired too (a pointer to an unchecked rule reads like a finding)."""
        if self.relation == "caused_by":
            return self.status != "excluded"
        return self.relation != "see_also" or self.status == "confirmed"


class Finding(NamedTuple):
    id: str
    severity: str  # error, warning, info: the colour and the web page's class
    severity_word: str
    title: str
    explanation: str
    remediation: str
    because: tuple[Shown, ...]
    consequence_of: tuple[Titled, ...]
    links: tuple[Link, ...]


class OpenCause(NamedTuple):
    """A cause still possible: ``line`` says it with what would decide it, ``needs`` are those facts' labels."""

    id: str
    title: str
    line: str
    needs: tuple[str, ...]


class Words(NamedTuple):
    """The headings and connecting words of the report, in the document's language."""

    title: str
    no_findings: str
    consequence_of: str
    because: str
    remediation: str
    links: str
    possible_causes: str
    next_steps: str
    explain_title: str
    joiner: str  # the last item's « e » in a list


class CustomerWords(NamedTuple):
    """The message for the customer's own words (``--audience cliente``)."""

    greeting: str
    opening: str  # «… ho controllato l'account …», with or without findings
    what_to_do: str
    open_causes: str
    after_changes: str
    closing: str
    signature: str


class Section(NamedTuple):
    """An evidence section shown after the report (DNS lookups, API calls, lines read), in both layouts."""

    text: tuple[str, ...]
    markdown: tuple[str, ...]


class Document(NamedTuple):
    lang: str
    audience: str
    words: Words
    customer: CustomerWords
    domain: str | None  # in the report's title
    findings: tuple[Finding, ...]
    complaint: tuple[str, ...]  # «Causa non accertata» and the causes still open, when not explained
    possible_causes: tuple[OpenCause, ...]
    explain: tuple[str, ...] | None  # with --explain: one line per rule not fired, derivation, fallback
    undecided_hint: str | None  # without --explain: how many checks lacked data
    next_steps: tuple[str, ...]
    secrets_line: str | None
    date: str
    ticket: str
    data: JsonObject  # the JSON shape above, never changed after the build
    preface: tuple[str, ...] = ()  # text shown before the report (what a paste said, before what it means)
    sections: tuple[Section, ...] = ()
    ticket_notes: tuple[str, ...] = ()  # after the ticket (the API's warnings)

    @property
    def open_titles(self) -> tuple[str, ...]:
        """The causes still possible, each title once (the customer reads titles, not what decides them)."""
        return tuple(dict.fromkeys(cause.title for cause in self.possible_causes))


def next_steps(kb: KnowledgeBase, renderer: Renderer, fallbacks: list[str]) -> list[str]:
    """The seed's two follow-up actions, with the diagnostic's duration from rules/data."""
    duration = _Known(_duration(kb))
    steps = renderer.section("next_steps", fallbacks)
    # A writer's slip in the data or the locale (a number retyped, a key deleted) leaves the placeholder
    # as written rather than stopping the report.
    return [step.format_map(duration) for step in steps if isinstance(step, str)] if isinstance(steps, list) else []


def _duration(kb: KnowledgeBase) -> dict[str, object]:  # rules/data, as its writer typed it
    section = kb.data.get("diagnostic")
    duration = section.get("duration_minutes") if isinstance(section, dict) else None
    return duration if isinstance(duration, dict) else {}


class _Known(dict[str, object]):
    """The values a step names; one that is missing stays ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


#: A linked rule's outcome in this evaluation, as the document says it.
_STATUS = {True: "confirmed", False: "excluded", None: "open"}


def build(kb: KnowledgeBase, result: Result, renderer: Renderer, *, explain: bool = False,
          secrets: Sequence[str] = (), extra: Mapping[str, JSON] | None = None,
          sections: Sequence[Section] = (), preface: Sequence[str] = (),
          ticket_notes: Sequence[str] = ()) -> Document:
    """The document of ``result`` in the renderer's language and audience.

    ``extra``: the command's own JSON sections, in their order; its ``evidence`` (where each fact came
    from, in words) is shown in the ticket too, and its ``complaint`` (a consultation's conclusion) in
    the report.  ``sections``, ``preface`` and ``ticket_notes`` are already in words (and escaped)."""
    fallbacks: list[str] = []
    secret_names = kb.catalogue.secret_names
    t = renderer.text
    findings: list[Finding] = []
    found_json: list[JSON] = []
    for finding in result.findings:
        text = renderer.rule_text(finding.id, result.facts, result.outcomes)
        fallbacks.extend(text.fallbacks)
        because = redact_data(jsonable(result.because(finding.id)), secret_names)
        links = [Link(rel, escape(t(f"report.relation.{rel}")), target, renderer.rule_title(target),
                      _STATUS[result.outcomes.get(target)]) for rel, target in finding.links]
        item: JsonObject = {
            "id": finding.id,
            "severity": finding.severity,
            "title": text.title,
            "explanation": text.explanation,
            "remediation": text.remediation,
            "because": because,
            "consequence_of": list[JSON](finding.consequence_of),
            # Each linked rule's title and what this evaluation made of it (confirmed, excluded, open).
            "links": [{"relation": link.relation, "id": link.id, "title": link.title, "status": link.status}
                      for link in links],
        }
        if text.errors:
            item["template_errors"] = list[JSON](text.errors)
        found_json.append(item)
        findings.append(Finding(
            id=escape(finding.id), severity=finding.severity, severity_word=escape(t(f"severity.{finding.severity}")),
            title=escape(text.title), explanation=escape(text.explanation), remediation=escape(text.remediation),
            because=tuple(_shown(renderer, name, value) for name, value in because.items()),
            consequence_of=tuple(Titled(escape(c), escape(renderer.rule_title(c))) for c in finding.consequence_of),
            links=tuple(Link(link.relation, link.word, escape(link.id), escape(link.title), link.status)
                        for link in links)))
    facts = redact_data(jsonable(result.facts), secret_names)
    causes_json: list[JSON] = [{"symptom": p.symptom, "cause": p.cause, "title": t(f"rules.{p.cause}.title", fallbacks),
                                "needs": list[JSON](p.needs)} for p in result.possible_causes]
    steps = next_steps(kb, renderer, fallbacks)
    data: JsonObject = {
        "lang": renderer.lang,
        "findings": found_json,
        "undecided": [{"id": u.id, "needs": list(u.needs)} for u in result.undecided],
        "possible_causes": causes_json,
        # Free-text facts (customer.tried, notes) may hold a typed password: every format shows them masked.
        "facts": facts,
        "derived": dict(result.derived),
        "next_steps": list[JSON](steps),
        "secrets_ignored": list[JSON](sorted(set(secrets))),
    }
    explained = _explain(kb, result, fallbacks) if explain else None
    if explained is not None:
        data["explain"] = explained
    data.update(extra or {})
    given_evidence = data.get("evidence")
    evidence = {name: line for name, line in given_evidence.items() if isinstance(line, str)} \
        if isinstance(given_evidence, dict) else {}
    complaint = data.get("complaint")
    date_format = t("report.date_format")  # as the language writes a date: 27/11/2026 16:42
    date = datetime.datetime.now().astimezone().strftime(date_format)
    account = facts.get("account.email")
    words = _words(renderer)
    domain = facts.get("domain")
    return Document(
        lang=renderer.lang, audience=renderer.audience, words=words,
        customer=_customer_words(kb, renderer, account, facts.get("domain"), bool(findings)),
        domain=escape(str(domain)) if domain else None,
        findings=tuple(findings),
        complaint=_complaint_lines(renderer, complaint),
        possible_causes=tuple(_open_cause(renderer, cause) for cause in result.possible_causes),
        explain=_explain_lines(renderer, data, explained) if explained is not None else None,
        undecided_hint=escape(t("report.undecided_hint", count=len(result.undecided))) if result.undecided else None,
        next_steps=tuple(escape(step) for step in steps),
        secrets_line=escape(t("report.secrets_dropped", names=", ".join(sorted(set(secrets)))))
        if secrets else None,
        date=date,
        ticket=escape(_ticket(kb, renderer, data, evidence, date)),
        data=data, preface=tuple(preface), sections=tuple(sections), ticket_notes=tuple(ticket_notes),
    )


def _ticket(kb: KnowledgeBase, renderer: Renderer, data: JsonObject, evidence: Mapping[str, str], date: str) -> str:
    """The ticket's text; a knowledge base whose ticket template is missing or broken gets the problem in its
    place (as a rule's text does), and every other part of the document still renders."""
    from . import ticket

    try:
        return ticket.render(kb, renderer, data, evidence, date)
    except Exception as exc:  # noqa: BLE001 - a writer's slip in the ticket must not stop the report
        return renderer.failed(renderer.describe(exc, ticket.TEMPLATE)) + "\n"


def _shown(renderer: Renderer, name: str, value: JSON) -> Shown:
    return Shown(escape(name), escape(renderer.fact_label(name)), escape(renderer.value(value, name)))


def _words(renderer: Renderer) -> Words:
    t = renderer.text
    return Words(*(escape(t(key)) for key in (
        "report.title", "report.no_findings", "report.consequence_of", "report.because", "report.remediation",
        "report.links", "report.possible_causes", "report.next_steps", "report.explain_title",
        "report.needs_last_joiner")))


def _customer_words(kb: KnowledgeBase, renderer: Renderer, account: JSON, domain: JSON, found: bool) -> CustomerWords:
    t = renderer.text
    # What was checked: the account, else (a check of the domain's DNS alone) the domain.
    where = t("customer.intro_account", account=account) if account else \
        t("customer.intro_domain", domain=domain) if domain else ""
    opening = t("customer.intro", account=where) if found else t("customer.no_findings", account=where)
    return CustomerWords(
        greeting=escape(t("customer.greeting")), opening=escape(opening), what_to_do=escape(t("customer.what_to_do")),
        open_causes=escape(t("customer.open_causes")),
        after_changes=escape(t("customer.after_changes", **_duration(kb))),
        closing=escape(t("customer.closing")), signature=escape(t("customer.signature")))


def joined(items: Sequence[str], joiner: str) -> str:
    """«A, B e C»: a list as a sentence says it."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + joiner + items[-1]


def needs_text(renderer: Renderer, names: Sequence[str]) -> str:
    """«Etichetta A», «Etichetta B» e «Etichetta C»: the facts still needed, as people read them."""
    items = [renderer.text("report.needs_item", label=renderer.fact_label(n)) for n in names]
    return joined(items, renderer.text("report.needs_last_joiner"))


def _open_cause(renderer: Renderer, cause: PossibleCause) -> OpenCause:
    title = renderer.rule_title(cause.cause)  # for the customer, in plain words where the locale has them
    key = "report.possible_cause_line_one" if len(cause.needs) == 1 else "report.possible_cause_line"
    line = renderer.text(key, cause=f"{title} ({cause.cause})", needs=needs_text(renderer, cause.needs))
    return OpenCause(escape(cause.cause), escape(str(title)), escape(line),
                     tuple(escape(renderer.fact_label(name)) for name in cause.needs))


def _complaint_lines(renderer: Renderer, complaint: JSON) -> tuple[str, ...]:
    """«Causa non accertata» and the causes still open, each with what would decide it."""
    if not isinstance(complaint, dict) or complaint.get("explained"):
        return ()
    t = renderer.text
    causes = complaint.get("open_causes")
    causes = causes if isinstance(causes, list) else []
    lines = ["", t("ask.not_established")]
    for item in causes:
        if not isinstance(item, dict):
            continue
        title = renderer.rule_title(str(item["cause"]))
        needs_list = item.get("needs")
        needs = ", ".join(renderer.fact_label(str(name)) for name in needs_list) if isinstance(needs_list, list) else ""
        lines.append(t("ask.open_cause", title=title, needs=needs) if needs else t("ask.open_cause_plain", title=title))
    if not causes:
        lines.append(t("ask.no_open_cause"))
    return tuple(escape(line) for line in lines)


def _explain(kb: KnowledgeBase, result: Result, fallbacks: list[str]) -> JsonObject:
    from ..run.explain import because, needs

    rules: list[JSON] = []
    for rule in sorted(kb.rules, key=lambda r: r.id):
        outcome = result.outcomes.get(rule.id)
        entry: JsonObject = {"id": rule.id, "kind": rule.kind,
                             "outcome": {True: "fired", False: "not-fired", None: "undecided"}[outcome]}
        if outcome is None:
            entry["needs"] = list(needs(kb, rule.id, result.facts))
        else:
            entry["facts"] = jsonable(because(kb, rule.id, result.facts, result.derived))
        rules.append(entry)
    return {"rules": rules, "fallbacks": list[JSON](sorted(set(fallbacks)))}


def _explain_lines(renderer: Renderer, data: JsonObject, explained: JsonObject) -> tuple[str, ...]:
    """What ``--explain`` adds, one line each (the reporter adds the bullet)."""
    t = renderer.text
    lines = []
    rules = explained["rules"]
    for entry in rules if isinstance(rules, list) else []:
        if not isinstance(entry, dict):
            continue
        if entry["outcome"] == "not-fired":
            shown = entry["facts"]
            facts = "; ".join(f"{renderer.fact_label(n)} = {renderer.value(v, n)}"
                              for n, v in (shown.items() if isinstance(shown, dict) else ()))
            key = "report.explain_not_fired" if facts else "report.explain_not_fired_nofacts"
            lines.append(t(key, rule=entry["id"], facts=facts))
        elif entry["outcome"] == "undecided":
            needed = entry["needs"]
            names = [str(n) for n in needed] if isinstance(needed, list) else []
            key = "report.explain_undecided_one" if len(names) == 1 else "report.explain_undecided"
            lines.append(t(key, rule=entry["id"], needs=needs_text(renderer, names)))
    known, derived = data["facts"], data["derived"]
    if isinstance(known, dict) and isinstance(derived, dict):
        for fact, rule in derived.items():
            lines.append(t("report.explain_derived", fact=renderer.fact_label(fact),
                           value=renderer.value(known[fact], fact), rule=rule))
    fallbacks = explained["fallbacks"]
    for what in fallbacks if isinstance(fallbacks, list) else []:
        lines.append(t("report.explain_fallback", lang=renderer.lang, what=what))
    return tuple(escape(line) for line in lines)
