"""Reporters: format a presentation document (see :mod:`presentation`) for people or programs.

Chosen by name from :data:`REPORTERS`; each is a function ``(document, renderer, color) -> str``.
Every word comes from the locale's messages.yaml, never from here.
"""
from __future__ import annotations

import json
import textwrap
from typing import Any, Callable

from . import customer
from .controls import escape, escape_data, json_safe
from .render import Renderer

_COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_RESET = "\033[0m"


def _facts_line(renderer: Renderer, facts: dict[str, Any]) -> str:
    return "; ".join(f"{renderer.fact_label(name)} = {renderer.value(value, name)}" for name, value in facts.items())


def _needs(renderer: Renderer, names: list[str]) -> str:
    """«Etichetta A», «Etichetta B» e «Etichetta C»: the facts still needed, as people read them."""
    items = [renderer.text("report.needs_item", label=renderer.fact_label(n)) for n in names]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + renderer.text("report.needs_last_joiner") + items[-1]


def _joined(renderer: Renderer, items: list[str]) -> str:
    """«A, B e C»: a list as a sentence says it."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + renderer.text("report.needs_last_joiner") + items[-1]


def _indent(text: str, prefix: str = "   ") -> str:
    return textwrap.indent(text, prefix, lambda line: True).rstrip()


def complaint_lines(document: dict, renderer: Renderer) -> list[str]:
    """«Causa non accertata» and the causes still open, each with what would decide it."""
    complaint = document.get("complaint")
    if not complaint or complaint["explained"]:
        return []
    t = renderer.text
    lines = ["", t("ask.not_established")]
    for item in complaint["open_causes"]:
        needs = ", ".join(renderer.fact_label(name) for name in item["needs"])
        lines.append(t("ask.open_cause", title=renderer.rule_title(item["cause"]), needs=needs) if needs
                     else t("ask.open_cause_plain", title=renderer.rule_title(item["cause"])))
    if not complaint["open_causes"]:
        lines.append(t("ask.no_open_cause"))
    return lines


def _shown_links(finding: dict) -> list[dict]:
    """The links worth reading: a cause this evaluation ruled out is no lead any more, and a "see also"
    is shown only when that rule fired too (a pointer to an unchecked rule reads like a finding)."""
    return [link for link in finding["links"]
            if not (link["relation"] == "caused_by" and link["status"] == "excluded")
            and not (link["relation"] == "see_also" and link["status"] != "confirmed")]


def text(document: dict, renderer: Renderer, color: bool = False) -> str:
    if renderer.audience == "cliente":
        return customer.message(document, renderer)
    t = renderer.text
    lines = [t("report.title")]
    domain = document["facts"].get("domain")
    if domain:
        lines[0] += f" — {domain}"
    lines.append("=" * len(lines[0]))
    if not document["findings"] and not complaint_lines(document, renderer):
        lines += ["", t("report.no_findings")]
    lines += complaint_lines(document, renderer)
    for finding in document["findings"]:
        tag = f"[{t('severity.' + finding['severity'])}]"
        if color:
            tag = f"{_COLORS[finding['severity']]}{tag}{_RESET}"
        lines += ["", f"{tag} {finding['title']} ({finding['id']})"]
        if finding["consequence_of"]:
            causes = ", ".join(f"{renderer.rule_title(c)} ({c})" for c in finding["consequence_of"])
            lines.append(f"   {t('report.consequence_of')}: {causes}")
        lines.append(f"   {t('report.because')}: {_facts_line(renderer, finding['because'])}")
        lines += ["", _indent(finding["explanation"]), "", f"   {t('report.remediation')}:",
                  _indent(finding["remediation"], "   ")]
        shown = _shown_links(finding)
        if shown:
            # One relation word per group: «causato da A, B e C; vedi anche D».
            groups: dict[str, list[str]] = {}
            for link in shown:
                groups.setdefault(link["relation"], []).append(link["title"])
            links = "; ".join(f"{t('report.relation.' + relation)} {_joined(renderer, titles)}"
                              for relation, titles in groups.items())
            lines.append(f"   {t('report.links')}: {links}")
    lines += _secondary_sections(document, renderer)
    return "\n".join(lines).rstrip() + "\n"


def _heading(markup: str, title: str) -> str:
    """`## Title` in Markdown, `Title:` in plain text."""
    return f"{markup}{title}" if markup else f"{title}:"


def _secondary_sections(document: dict, renderer: Renderer, bullet: str = " - ", heading: str = "") -> list[str]:
    t = renderer.text
    lines: list[str] = []
    if document["possible_causes"]:
        lines += ["", _heading(heading, t("report.possible_causes"))]
        for cause in document["possible_causes"]:
            key = "report.possible_cause_line_one" if len(cause["needs"]) == 1 else "report.possible_cause_line"
            lines.append(bullet + t(key, cause=f"{cause['title']} ({cause['cause']})",
                                    needs=_needs(renderer, cause["needs"])))
    if "explain" in document:
        lines += _explain_lines(document, renderer, bullet, heading)
    elif document["undecided"]:
        lines += ["", t("report.undecided_hint", count=len(document["undecided"]))]
    if document["findings"] or document["possible_causes"]:
        lines += ["", _heading(heading, t("report.next_steps"))] + [bullet + step for step in document["next_steps"]]
    if document["secrets_ignored"]:
        lines += ["", t("report.secrets_dropped", names=", ".join(document["secrets_ignored"]))]
    return lines


def _explain_lines(document: dict, renderer: Renderer, bullet: str, heading: str) -> list[str]:
    t = renderer.text
    lines = ["", _heading(heading, t("report.explain_title"))]
    for entry in document["explain"]["rules"]:
        if entry["outcome"] == "not-fired":
            facts = _facts_line(renderer, entry["facts"])
            key = "report.explain_not_fired" if facts else "report.explain_not_fired_nofacts"
            lines.append(bullet + t(key, rule=entry["id"], facts=facts))
        elif entry["outcome"] == "undecided":
            key = "report.explain_undecided_one" if len(entry["needs"]) == 1 else "report.explain_undecided"
            lines.append(bullet + t(key, rule=entry["id"], needs=_needs(renderer, entry["needs"])))
    for fact, rule in document["derived"].items():
        lines.append(bullet + t("report.explain_derived", fact=renderer.fact_label(fact),
                                value=renderer.value(document["facts"][fact], fact), rule=rule))
    for what in document["explain"]["fallbacks"]:
        lines.append(bullet + t("report.explain_fallback", lang=document["lang"], what=what))
    return lines


def markdown(document: dict, renderer: Renderer, color: bool = False) -> str:
    if renderer.audience == "cliente":  # a message to paste into an e-mail: the same plain text
        return customer.message(document, renderer)
    t = renderer.text
    title = t("report.title")
    if document["facts"].get("domain"):
        title += f" — {document['facts']['domain']}"
    lines = [f"# {title}"]
    if not document["findings"] and not complaint_lines(document, renderer):
        lines += ["", t("report.no_findings")]
    lines += complaint_lines(document, renderer)
    for finding in document["findings"]:
        lines += ["", f'<a id="{finding["id"]}"></a>', "", f"## {finding['title']}", "",
                  f"**{t('severity.' + finding['severity'])}** · `{finding['id']}`"]
        if finding["consequence_of"]:
            lines[-1] += f" · {t('report.consequence_of')}: " + ", ".join(
                f"[{renderer.rule_title(c)}](#{c})" for c in finding["consequence_of"])
        lines += ["", f"*{t('report.because')}:* {_facts_line(renderer, finding['because'])}", "",
                  finding["explanation"], "", f"### {t('report.remediation')}", "",
                  _fence_records(finding["remediation"])]
    lines += _secondary_sections(document, renderer, bullet="- ", heading="## ")
    return "\n".join(lines).rstrip() + "\n"


def is_record_line(line: str) -> bool:
    """A zone-file line of the remediation (a record to copy into the «zona DNS»)."""
    return " IN MX " in line or " IN SRV " in line or " IN TXT " in line


def _fence_records(text: str) -> str:
    """Zone-file lines go into code blocks so Markdown keeps them copyable."""
    out, block = [], []
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


def json_(document: dict, renderer: Renderer, color: bool = False) -> str:
    return json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def _for_terminals(reporter: Callable[[dict, Renderer, bool], str]) -> Callable[[dict, Renderer, bool], str]:
    """A text reporter whose output no control character from the input can turn into terminal commands.

    Without color the whole output is escaped (knowledge base texts included); with color, the
    document's strings are, so that the reporter's own color sequences stay effective."""
    def report(document: dict, renderer: Renderer, color: bool = False) -> str:
        out = reporter(escape_data(document), renderer, color)
        return out if color else escape(out)

    report.__doc__ = reporter.__doc__
    return report


from .ticket import ticket  # noqa: E402 - the ticket summary is one more reporter

REPORTERS: dict[str, Callable[[dict, Renderer, bool], str]] = {
    "text": _for_terminals(text),
    "markdown": _for_terminals(markdown),
    "json": json_,
    "ticket": _for_terminals(ticket),
}
