"""Reporters: lay out a presentation document (see :mod:`document`) for people or programs.

Chosen by name from :data:`REPORTERS`; each is a pure function ``(document, color=False) -> str``
of a document already in words: no Renderer, no knowledge base, no catalogue.  Every word comes
from the document (and so from the locale), never from here.
"""
from __future__ import annotations

import json
import textwrap
from typing import Iterable, Protocol

from . import customer
from .controls import escape, json_safe
from .document import Document, Finding, joined

_COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_RESET = "\033[0m"


class Reporter(Protocol):
    def __call__(self, document: Document, color: bool = False) -> str: ...


def _facts_line(finding: Finding) -> str:
    return "; ".join(f"{fact.label} = {fact.value}" for fact in finding.because)


def _indent(text: str, prefix: str = "   ") -> str:
    return textwrap.indent(text, prefix, lambda line: True).rstrip()


def text(document: Document, color: bool = False) -> str:
    if document.audience == "cliente":
        return customer.message(document)
    words = document.words
    lines = [words.title + (f" — {document.domain}" if document.domain else "")]
    lines.append("=" * len(lines[0]))
    if not document.findings and not document.complaint:
        lines += ["", words.no_findings]
    lines += document.complaint
    for finding in document.findings:
        tag = f"[{finding.severity_word}]"
        if color:
            tag = f"{_COLORS[finding.severity]}{tag}{_RESET}"
        lines += ["", f"{tag} {finding.title} ({finding.id})"]
        if finding.consequence_of:
            causes = ", ".join(f"{cause.title} ({cause.id})" for cause in finding.consequence_of)
            lines.append(f"   {words.consequence_of}: {causes}")
        lines.append(f"   {words.because}: {_facts_line(finding)}")
        lines += ["", _indent(finding.explanation), "", f"   {words.remediation}:",
                  _indent(finding.remediation, "   ")]
        shown = [link for link in finding.links if link.shown]
        if shown:
            # One relation word per group: «causato da A, B e C; vedi anche D».
            groups: dict[str, list[str]] = {}
            for link in shown:
                groups.setdefault(link.word, []).append(link.title)
            links = "; ".join(f"{word} {joined(titles, words.joiner)}" for word, titles in groups.items())
            lines.append(f"   {words.links}: {links}")
    lines += _secondary_sections(document)
    preface = "\n".join(document.preface) + "\n\n" if document.preface else ""
    return preface + "\n".join(lines).rstrip() + "\n" + _after(section.text for section in document.sections)


def _after(sections: Iterable[tuple[str, ...]]) -> str:
    """The evidence sections, after the report (each begins with its own blank line)."""
    return "".join("\n".join(lines) + "\n" for lines in sections if lines)


def _heading(markup: str, title: str) -> str:
    """`## Title` in Markdown, `Title:` in plain text."""
    return f"{markup}{title}" if markup else f"{title}:"


def _secondary_sections(document: Document, bullet: str = " - ", heading: str = "") -> list[str]:
    words = document.words
    lines: list[str] = []
    if document.possible_causes:
        lines += ["", _heading(heading, words.possible_causes)]
        lines += [bullet + cause.line for cause in document.possible_causes]
    if document.explain is not None:
        lines += ["", _heading(heading, words.explain_title)] + [bullet + line for line in document.explain]
    elif document.undecided_hint:
        lines += ["", document.undecided_hint]
    if document.findings or document.possible_causes:
        lines += ["", _heading(heading, words.next_steps)] + [bullet + step for step in document.next_steps]
    if document.secrets_line:
        lines += ["", document.secrets_line]
    return lines


def markdown(document: Document, color: bool = False) -> str:
    if document.audience == "cliente":  # a message to paste into an e-mail: the same plain text
        return customer.message(document)
    words = document.words
    lines = [f"# {words.title}" + (f" — {document.domain}" if document.domain else "")]
    if not document.findings and not document.complaint:
        lines += ["", words.no_findings]
    lines += document.complaint
    for finding in document.findings:
        lines += ["", f'<a id="{finding.id}"></a>', "", f"## {finding.title}", "",
                  f"**{finding.severity_word}** · `{finding.id}`"]
        if finding.consequence_of:
            lines[-1] += f" · {words.consequence_of}: " + ", ".join(
                f"[{cause.title}](#{cause.id})" for cause in finding.consequence_of)
        lines += ["", f"*{words.because}:* {_facts_line(finding)}", "",
                  finding.explanation, "", f"### {words.remediation}", "",
                  _fence_records(finding.remediation)]
    lines += _secondary_sections(document, bullet="- ", heading="## ")
    return "\n".join(lines).rstrip() + "\n" + _after(section.markdown for section in document.sections)


def is_record_line(line: str) -> bool:
    """A zone-file line of the remediation (a record to copy into the «zona DNS»)."""
    return " IN MX " in line or " IN SRV " in line or " IN TXT " in line


def _fence_records(text: str) -> str:
    """Zone-file lines go into code blocks so Markdown keeps them copyable."""
    out: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if is_record_line(line):
            block.append(line)
            continue
        if block:
            out += ["```", *block, "```"]
            block = []
        out.append(line)
    if block:
        out += ["```", *block, "```"]
    return "\n".join(out)


def json_(document: Document, color: bool = False) -> str:
    return json_safe(json.dumps(document.data, ensure_ascii=False, indent=2)) + "\n"


def ticket(document: Document, color: bool = False) -> str:
    """The support request, as the document holds it, then the notes a command adds (the API's warnings)."""
    notes = "".join(f"\n{line}" for line in document.ticket_notes)
    return document.ticket + (notes + "\n" if notes else "")


def _for_terminals(reporter: Reporter) -> Reporter:
    """A text reporter whose output no control character can turn into terminal commands.

    The document's strings are escaped when it is built; without color the whole output is escaped
    once more (a no-op on escaped text), so that nothing added by a layout slips through either."""
    def report(document: Document, color: bool = False) -> str:
        out = reporter(document, color)
        return out if color else escape(out)

    report.__doc__ = reporter.__doc__
    return report


REPORTERS: dict[str, Reporter] = {
    "text": _for_terminals(text),
    "markdown": _for_terminals(markdown),
    "json": json_,
    "ticket": _for_terminals(ticket),
}
