"""A pasted diagnostic: the panel's text, or the API's diagnosis JSON, as facts."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError, Location
from . import facts as facts_mod
from . import panel
from .panel import PanelReading

if TYPE_CHECKING:
    from ..kb.load import KnowledgeBase


def read_report(kb: KnowledgeBase, source: str, complete: bool = False,
                limit: int = facts_mod.DEFAULT_MAX_SIZE) -> tuple[facts_mod.FactSet, PanelReading | None]:
    """(FactSet, PanelReading or None) from a file (``-``: standard input) of :func:`parse_report`'s kind;
    reading stops past ``limit`` bytes."""
    text, display = facts_mod.read_text(source, limit)
    return parse_report(kb, text, display, complete)


def parse_report(kb: KnowledgeBase, text: str, display: str = "<testo>",
                 complete: bool = False) -> tuple[facts_mod.FactSet, PanelReading | None]:
    """(FactSet, PanelReading or None) from a pasted panel text or the API's diagnosis JSON (no reading)."""
    if not text.strip():
        raise InputError("report_empty", Location(display))
    if text.lstrip().startswith(("{", "[")):  # the API's diagnosis JSON (or any JSON facts file)
        return facts_mod.parse_facts_text(text, display, kb.catalogue, kb.data), None
    reading = panel.read(text, kb.data, kb.catalogue, display=display, complete=complete)
    return reading.facts, reading

