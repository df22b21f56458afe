"""The text for the customer (``--audience cliente``): a message the agent can send as it is.

Titles instead of rule ids, no severities, no facts by their internal names,
no commands: what was found, what to do, what is still needed, a polite
closing.  Every word comes from the locale's ``customer`` section (already in the
document); the rule texts themselves drop sources and commands where the templates
test ``audience`` (see :mod:`render`).
"""
from __future__ import annotations

from .document import Document


def _indent(text: str) -> list[str]:
    return [f"   {line}" if line else "" for line in text.splitlines()]


def message(document: Document) -> str:
    words = document.customer
    lines = [words.greeting, "", words.opening]
    for number, finding in enumerate(document.findings, start=1):
        lines += ["", f"{number}. {finding.title}", *_indent(finding.explanation)]
        if finding.remediation:
            lines += ["", f"   {words.what_to_do}:", *_indent(finding.remediation)]
    if document.possible_causes:
        lines += ["", words.open_causes]
        # What would decide them is the agent's work (facts, look-ups): the customer reads the titles.
        lines += [f" - {title}" for title in document.open_titles]
    if document.findings:
        lines += ["", words.after_changes]
    lines += ["", words.closing, "", words.signature]
    return "\n".join(lines).rstrip() + "\n"
