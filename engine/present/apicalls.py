"""The OVHcloud API's evidence, in words: the warnings, the calls whose facts stay unknown, every call made."""
from __future__ import annotations

import json
from typing import Mapping, Sequence

from ..ovh.collect import OvhReport
from .controls import escape
from .document import Section
from .render import Renderer


def notes(report: OvhReport, renderer: Renderer) -> list[str]:
    """The warnings and the calls whose facts stay unknown, in words."""
    t = renderer.text
    lines = [t(f"ovh.warning.{w['code']}", **{k: v for k, v in w.items() if k != "code"}) for w in report.warnings]
    if report.task is not None and not any(w["code"] == "diagnostic_not_updated" for w in report.warnings):
        lines.insert(0, t("ovh.task_done", task=report.task["id"], waited=int(report.task["waited_s"])))
    for call in report.failed:
        what = f"{call.method} {call.path}"
        if call.outcome == "refused":
            lines.append(t("ovh.refused", call=what, code=f"HTTP {call.status} {call.error_code or ''}".strip()))
        else:
            lines.append(t("ovh.unchecked", call=what, outcome=t(f"ovh.outcome.{call.outcome}")))
    return lines


def lines(report: OvhReport, renderer: Renderer, *, markdown: bool, explain: bool) -> list[str]:
    """The API section: its title, the notes, then the calls that read facts (every call with ``explain``)."""
    t = renderer.text
    title = t("ovh.title", endpoint=report.endpoint, product=report.product or "-", service=report.service or "-")
    out = ["", f"## {title}" if markdown else f"{title}:"]
    bullet = "- " if markdown else " - "
    for line in notes(report, renderer):
        out.append(bullet + line)
    calls = report.calls if explain else [c for c in report.calls if c.reads]
    for call in calls:
        out.append(bullet + t("ovh.call", method=call.method, path=call.path, outcome=t(f"ovh.outcome.{call.outcome}"),
                              status=call.status or "-", at=call.at, duration=call.duration_ms))
    return out


def section(report: OvhReport, renderer: Renderer, *, explain: bool) -> Section:
    # The API's words (paths, error codes, values) shown as text: no control character reaches the terminal.
    return Section(tuple(escape(line) for line in lines(report, renderer, markdown=False, explain=explain)),
                   tuple(escape(line) for line in lines(report, renderer, markdown=True, explain=explain)))


def task_progress(renderer: Renderer, task: object, status: str, waited: float) -> str:
    """A new diagnostic's progress line; the task's id shown, so after a Ctrl-C it can be looked up."""
    status_text = renderer.text(f"ovh.task_status.{status}") if status in ("todo", "doing", "done") else escape(status)
    return str(renderer.text("ovh.progress", task=task, status=status_text, waited=int(waited)))


def key_request(renderer: Renderer, url: str, rules: Sequence[Mapping[str, object]], new: bool) -> str:
    """``ovh --create-key``: where to ask for a consumer key, the exact body, then what to do with the key."""
    t = renderer.text
    return "\n".join([t("ovh.create_key.intro", url=url), "", rules_text(rules), "", t("ovh.create_key.then"),
                      t("ovh.create_key.new" if new else "ovh.create_key.without_new")]) + "\n"


def rules_text(rules: Sequence[Mapping[str, object]]) -> str:
    """The request body, one rule a line: easy to read, and valid JSON to paste."""
    return '{"accessRules": [\n' + ",\n".join(f"  {json.dumps(rule)}" for rule in rules) + "\n]}"
