"""What an answer typed during a consultation means.  No I/O here.

The words (sì, no, non so, perché?, indietro, ...) come from the locale
(``ask.words``), so they can be reworded or translated; they are compared
without case, accents, extra spaces or a final full stop.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kb.catalogue import CoercionError, Fact, Value
from ..kb.fold import fold
from ..kb.texts import Message

COMMANDS = ("why", "back", "help", "stop")


@dataclass(frozen=True)
class Parsed:
    kind: str  # "answer", "unknown", one of COMMANDS, or "invalid"
    value: Value | None = None
    problem: str | None = None  # for "invalid": which hint to give (bool, enum, empty, text)
    params: tuple[tuple[str, object], ...] = ()


def _word(text: str, words: Message | None, kind: str) -> bool:
    listed = words.get(kind) if isinstance(words, dict) else None
    return isinstance(listed, list) and text in {fold(w) for w in listed}


def parse(line: str, fact: Fact, words: Message | None, choices: dict[str, str] | None = None) -> Parsed:
    """The meaning of ``line`` as an answer about ``fact`` (commands first)."""
    text = fold(line)
    for command in COMMANDS:
        if text and _word(text, words, command):
            return Parsed(command)
    if text and _word(text, words, "unknown"):
        return Parsed("unknown")
    if not text:
        return Parsed("invalid", problem="empty")
    if fact.type == "bool":
        if _word(text, words, "yes"):
            return Parsed("answer", True)
        if _word(text, words, "no"):
            return Parsed("answer", False)
        return Parsed("invalid", problem="bool")
    if fact.type == "enum":
        return _enum(text, fact, choices or {})
    raw: str | list[str] = line.strip()
    if fact.type == "records":
        raw = [item.strip() for item in line.split(",") if item.strip()]
    try:
        return Parsed("answer", fact.coerce(raw))
    except CoercionError as exc:
        return Parsed("invalid", problem="text", params=(("code", exc.code), *sorted(exc.params.items())))


def _enum(text: str, fact: Fact, choices: dict[str, str]) -> Parsed:
    if text.isdigit() and 1 <= int(text) <= len(fact.values):
        return Parsed("answer", fact.values[int(text) - 1])
    for value in fact.values:
        if text in (fold(value), fold(choices.get(value, value))):
            return Parsed("answer", value)
    return Parsed("invalid", problem="enum")
