"""The text for the customer (``--audience cliente``): a message the agent can send as it is.

Titles instead of rule ids, no severities, no facts by their internal names,
no commands: what was found, what to do, what is still needed, a polite
closing.  Every word comes from the locale's ``customer`` section; the rule
texts themselves drop sources and commands where the templates test
``audience`` (see :mod:`render`).
"""
from __future__ import annotations

from .render import Renderer


def _indent(text: str) -> list[str]:
    return [f"   {line}" if line else "" for line in text.splitlines()]


def message(document: dict, renderer: Renderer, color: bool = False) -> str:
    t = renderer.text
    account = document["facts"].get("account.email")
    where = t("customer.intro_account", account=account) if account else ""
    lines = [t("customer.greeting"), ""]
    if not document["findings"]:
        lines.append(t("customer.no_findings", account=where))
    else:
        lines.append(t("customer.intro", account=where))
    for number, finding in enumerate(document["findings"], start=1):
        lines += ["", f"{number}. {finding['title']}", *_indent(finding["explanation"])]
        if finding["remediation"]:
            lines += ["", f"   {t('customer.what_to_do')}:", *_indent(finding["remediation"])]
    if document["possible_causes"]:
        lines += ["", t("customer.open_causes")]
        # What would decide them is the agent's work (facts, look-ups): the customer reads the titles.
        lines += [f" - {title}" for title in dict.fromkeys(c["title"] for c in document["possible_causes"])]
    if document["findings"]:
        duration = renderer.kb.data.get("diagnostic", {}).get("duration_minutes", {})
        lines += ["", t("customer.after_changes", **duration)]
    lines += ["", t("customer.closing"), "", t("customer.signature")]
    return "\n".join(lines).rstrip() + "\n"
