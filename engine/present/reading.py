"""What was read from a pasted diagnostic, for people and programs, and where each fact came from."""
from __future__ import annotations

from dataclasses import dataclass

from ..inputs.facts import JSON
from ..inputs.jsonable import jsonable
from ..inputs.panel import PanelReading
from .controls import escape
from .document import Section
from .render import Renderer


@dataclass(frozen=True)
class ReadLine:
    """A recognised line of a paste, in words: where it was, the fact it gave and its value."""

    line: int
    label: str
    value: str


def read_lines(reading: PanelReading, renderer: Renderer) -> list[ReadLine]:
    """The recognised lines as the web page lists them."""
    return [ReadLine(r.first_line, renderer.fact_label(r.fact), renderer.value(r.value, r.fact))
            for r in reading.recognised]


def reading_section(reading: PanelReading, renderer: Renderer) -> Section:
    """What a paste said, after the Markdown report (plain text shows it first: see :func:`reading_lines`)."""
    return Section((), ("", *reading_lines(reading, renderer, "## ")))


def fact_sources(renderer: Renderer, sources: dict[str, str], reading: PanelReading | None = None) -> dict[str, str]:
    """Where each starting fact came from, in words, for the ticket."""
    found = {name: renderer.text("ask.evidence.source", source=where) for name, where in sources.items()}
    if reading is not None:
        for line in reading.recognised:
            found[line.fact] = renderer.text("ask.evidence.report", line=line.first_line, text=line.text)
        for name, where in reading.facts.sources.items():
            if where.endswith("(--complete)"):
                found[name] = renderer.text("ask.evidence.report_complete")
    return found



def reading_json(reading: PanelReading) -> dict[str, JSON]:
    return {
        "recognised": [{"line": r.first_line, "last_line": r.last_line, "check": r.check, "fact": r.fact,
                        "value": jsonable(r.value), "text": r.text} for r in reading.recognised],
        "unrecognised": [{"line": u.line, "text": u.text, "warning": u.warning, "candidates": list(u.candidates)}
                         for u in reading.unrecognised],
    }



def reading_lines(reading: PanelReading, renderer: Renderer, heading: str = "") -> list[str]:
    """The recognised and unrecognised lines, for people (control characters of the paste escaped)."""
    t = renderer.text
    lines = [heading + t("panel.recognised_title") + ":"]
    for r in reading.recognised:
        lines.append(t("panel.recognised_line", line=r.first_line, label=renderer.fact_label(r.fact),
                       value=renderer.value(r.value, r.fact)))
    if not reading.recognised:
        lines.append(t("panel.nothing_recognised"))
    if reading.unrecognised:
        lines += ["", heading + t("panel.unrecognised_title") + ":"]
        for u in reading.unrecognised:
            if u.candidates:  # about two checks at once: the agent decides, the tool does not guess
                labels = ", ".join(renderer.fact_label(f) for f in u.candidates)
                lines.append(t("panel.unrecognised_ambiguous", line=u.line, text=u.text, checks=labels))
                continue
            key = "panel.unrecognised_warning" if u.warning else "panel.unrecognised_other"
            lines.append(t(key, line=u.line, text=u.text))
    return [escape(line) for line in lines]

