"""Each command's document: the evaluation, its evidence and its sections, built once.

``check`` is :func:`document.build` itself; the others add what they looked at -- the DNS
lookups (``dns``, ``check --collect-dns``), the lines of a paste (``report``), the API's calls
(``ovh``), a consultation's answers (``ask``, the web page's conclusion, ``POST /api/v1/ask``).
The CLI, the web page and the HTTP API call these and hand the result to a reporter, unchanged.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence, cast

from ..inputs import facts as facts_mod
from ..inputs.facts import JSON
from ..inputs.panel import PanelReading
from ..kb.load import KnowledgeBase
from ..run.result import Result
from . import evidence as dns_evidence
from .document import Document, JsonObject, Section, build
from .reading import fact_sources, reading_json, reading_lines, reading_section
from .render import Renderer

if TYPE_CHECKING:
    from ..consult.session import Session
    from ..dns.collect import DnsReport
    from ..ovh.collect import OvhReport


def with_dns(kb: KnowledgeBase, result: Result, report: "DnsReport", renderer: Renderer, *,
             explain: bool = False, secrets: Sequence[str] = ()) -> Document:
    """``dns`` and ``check --collect-dns``: the lookups under ``dns`` in JSON, a section in text and Markdown."""
    dns_doc = report.to_json()
    section = dns_evidence.section(dns_doc, renderer, explain=explain)
    # Beside the agent's ticket too (the customer's message never shows the lookups).
    notes = section.text[1:] if renderer.audience != "cliente" else ()
    return build(kb, result, renderer, explain=explain, secrets=secrets, extra={"dns": dns_doc},
                 sections=(section,), ticket_notes=notes)


def pasted(kb: KnowledgeBase, gathered: facts_mod.FactSet, reading: PanelReading | None, renderer: Renderer, *,
           explain: bool = False) -> tuple[Result, Document]:
    """``report`` (and the web API's ``/report``): the paste's facts evaluated, each fact's source, the lines
    read (before the plain-text report, after the Markdown one)."""
    facts_mod.with_context(gathered, kb.catalogue)
    result = kb.evaluate(gathered.values)
    extra: dict[str, JSON] = {"evidence": dict[str, JSON](fact_sources(renderer, gathered.sources, reading))}
    if reading is None:
        return result, build(kb, result, renderer, explain=explain, secrets=gathered.secrets, extra=extra)
    extra["report"] = reading_json(reading)
    return result, build(kb, result, renderer, explain=explain, secrets=gathered.secrets, extra=extra,
                         preface=reading_lines(reading, renderer), sections=(reading_section(reading, renderer),))


def from_api(kb: KnowledgeBase, result: Result, report: "OvhReport", renderer: Renderer, *, explain: bool = False,
             dns_report: "DnsReport | None" = None) -> Document:
    """``ovh`` (and the «Account Exchange» page): the API's evidence under ``ovh`` in JSON, a section in text
    and Markdown, its notes after the ticket; with ``--collect-dns`` the lookups too, as ``dns`` shows them."""
    from ..ovh import live_dns
    from . import apicalls

    api_doc = report.to_json()
    notes = apicalls.notes(report, renderer)
    api_doc["notes"] = list[JSON](notes)
    extra: dict[str, JSON] = {"ovh": api_doc}
    sections = [apicalls.section(report, renderer, explain=explain)]
    if dns_report is not None:
        dns_doc = dns_report.to_json()
        extra["dns"] = dns_doc
        sections.append(dns_evidence.section(dns_doc, renderer, explain=explain))
    extra["evidence"] = dict[str, JSON](live_dns.evidence(report, dns_report, renderer.text))
    from .controls import escape

    return build(kb, result, renderer, explain=explain, extra=extra, sections=sections,
                 ticket_notes=[escape(note) for note in notes])


def conclusion(kb: KnowledgeBase, session: "Session", renderer: Renderer, *, secrets: Sequence[str] = (),
               sources: Mapping[str, str] | None = None, reading: PanelReading | None = None,
               dns_report: "DnsReport | None" = None,
               tried: Sequence[str] | None = None) -> tuple[Result, Document]:
    """The advice a consultation reached, with the evidence of every fact (``ask``, the web page's conclusion
    and ``POST /api/v1/ask``); ``tried``: what the customer already tried, for the ticket."""
    final: dict[str, object] = dict(session.facts)  # tried: the caller's list, as the facts file would give it
    if tried:
        final["customer.tried"] = tried
    result = kb.evaluate(final)
    found = fact_sources(renderer, dict(sources or {}), reading)
    if dns_report is not None:  # what the user gave wins over the DNS, in the facts as in the evidence
        from ..dns.gather import fact_evidence

        found = {**fact_evidence(dns_report, renderer.text), **found}
    extra: dict[str, JSON] = {"evidence": dict[str, JSON](session.evidence(renderer, found))}
    sections: tuple[Section, ...] = ()
    if dns_report is not None:
        dns_doc = dns_report.to_json()
        extra["dns"] = dns_doc
        sections = (dns_evidence.section(dns_doc, renderer),)
    complaint = session.conclusion(result)
    if complaint is not None:
        extra["complaint"] = cast(JsonObject, complaint)  # a Conclusion is a JSON object: texts, lists, a bool
    return result, build(kb, result, renderer, secrets=secrets, extra=extra, sections=sections)


def exit_code(result: Result, document: Document) -> int:
    """1 when problems were found, and when a complaint's cause is not established: it is a problem still."""
    complaint = document.data.get("complaint")
    unexplained = isinstance(complaint, dict) and not complaint.get("explained")
    return 1 if result.problems_found or unexplained else 0
