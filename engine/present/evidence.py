"""The DNS evidence section of a report: what was asked, to whom, what came back, how fast.

Folded (one line per lookup) in text and Markdown; with ``explain`` every
answer, alias and failure detail follows its line.  JSON carries the
complete records as they are (see :meth:`DnsReport.to_json`).
"""
from __future__ import annotations

from typing import Mapping

from ..inputs.facts import JSON
from .controls import escape
from .document import Section
from .render import Renderer


def section(dns_doc: Mapping[str, JSON], renderer: Renderer, *, explain: bool = False) -> Section:
    """The lookups as a section of the report, in both layouts (answers and details with ``explain``)."""
    return Section(tuple(escape(line) for line in lines(dns_doc, renderer, explain=explain)),
                   tuple(escape(line) for line in lines(dns_doc, renderer, explain=explain, markdown=True)))


def lines(dns_doc: Mapping[str, JSON], renderer: Renderer, *, explain: bool = False,
          markdown: bool = False) -> list[str]:
    """The section: a blank line, its heading, one line per lookup, then (folded) how to see every answer."""
    t = renderer.text
    heading = f"## {t('dns.evidence_title')}" if markdown else f"{t('dns.evidence_title')}:"
    out = ["", heading, *([""] if markdown else []), *lookup_lines(dns_doc, renderer, explain=explain,
                                                                   markdown=markdown)]
    if not explain:
        out.append(t("dns.evidence_hint"))
    return out


def lookup_lines(dns_doc: Mapping[str, JSON], renderer: Renderer, *, explain: bool = False,
                 markdown: bool = False) -> list[str]:
    """One line per lookup (its aliases below it; with ``explain`` its answers and failure detail too),
    without the section's heading: what ``ask`` shows as it looks a domain up."""
    t = renderer.text
    out = []
    if dns_doc.get("domain_ascii") and dns_doc["domain_ascii"] != dns_doc.get("domain"):
        out.append(f"{dns_doc['domain']}: {t('dns.ascii', ascii=dns_doc['domain_ascii'])}")
    bullet, sub = ("- ", "  - ") if markdown else (" - ", "     ")
    # The report's JSON as DnsReport.to_json writes it: the narrowing only tells mypy its shape.
    for lookup in map(_object, _list(dns_doc["lookups"])):
        answers = _list(lookup["answers"])
        outcome = t(f"dns.outcome.{lookup['outcome']}")
        if answers:
            outcome += ", " + t("dns.records", count=len(answers))
        query = f"`{lookup['query']}`" if markdown else lookup["query"]
        duration = lookup["duration_ms"]
        out.append(bullet + t("dns.evidence_line", query=query, server=lookup["server"], outcome=outcome,
                              duration=_ms(duration if isinstance(duration, (int, float)) else 0.0)))
        for alias in map(_object, _list(lookup["cnames"])):  # aliases change what the answer means: always shown
            out.append(f"{sub}{t('dns.alias')}: {alias['alias']} → {alias['target']}")
        if not explain:
            continue
        for answer in answers:
            out.append(f"{sub}{t('dns.answer')}: {answer}")
        if lookup["detail"]:
            out.append(f"{sub}{t('dns.detail')}: {lookup['detail']}")
    return out


def _object(value: JSON) -> dict[str, JSON]:
    return value if isinstance(value, dict) else {}


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
