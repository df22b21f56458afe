"""Read the control panel's diagnostic as support agents paste it.  No I/O here.

The recognition patterns are data (``rules/data/panel.yaml``); this module
only normalises text and applies them.  Pasted text is messy: other
capitals, accents lost or added, no final full stop, extra spaces, a line
broken in two, several warnings run together on one line, the rest of the
web page around them.  Every line that is not recognised is returned too,
so the caller can show it: nothing is dropped silently.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..kb.catalogue import Catalogue
from ..errors import KnowledgeBaseError, Location
from .facts import FactSet, coerce
from .redact import redact, secret_key

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_DATA_FILE = "rules/data/panel.yaml"


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces, no final full stops."""
    text = re.sub(r"\s+", " ", _plain(text).lower()).strip()
    return text.rstrip(" .;!").strip()


@dataclass(frozen=True)
class Check:
    id: str
    fact: str
    failed: Any  # the value when a line matches; None: the pattern's (?P<value>...) group is the value
    passed: Any
    patterns: tuple[re.Pattern, ...]

    def value(self, found: re.Match) -> Any:
        return found.group("value") if self.failed is None else self.failed


@dataclass(frozen=True)
class Recognised:
    first_line: int
    last_line: int
    check: str
    fact: str
    value: Any
    text: str  # the pasted line(s), spaces tidied, secrets masked


@dataclass(frozen=True)
class Unrecognised:
    line: int
    text: str  # secrets masked
    warning: bool  # it starts like a diagnostic line ("ATTENZIONE:") but says something unknown


@dataclass(frozen=True)
class PanelReading:
    facts: FactSet
    recognised: tuple[Recognised, ...]
    unrecognised: tuple[Unrecognised, ...]


@dataclass(frozen=True)
class Patterns:
    markers: re.Pattern
    checks: tuple[Check, ...]


def patterns(data: dict, catalogue: Catalogue) -> Patterns:
    """Compile ``panel`` from the knowledge base data, checking facts and regular expressions."""
    spec = data.get("panel") or {}
    where = Location(_DATA_FILE)
    markers = [normalize(m) for m in spec.get("markers", ())]
    marker_re = re.compile(r"(?:^|(?<=[\s\-*•>]))(?:" + "|".join(map(re.escape, markers)) + r") ?:") if markers \
        else re.compile(r"(?!x)x")
    checks = []
    for item in [*spec.get("checks", ()), *spec.get("values", ())]:
        fact = item.get("fact")
        if fact not in catalogue:
            raise KnowledgeBaseError("unknown_fact", where, name=fact)
        compiled = []
        for pattern in item.get("patterns", ()):
            try:
                # Accents and apostrophes as in the text; case is ignored (lowering would break (?P<...>)).
                compiled.append(re.compile(_plain(str(pattern)), re.IGNORECASE))
            except re.error as exc:
                raise KnowledgeBaseError("cond_bad_regex", where, pattern=pattern, problem=str(exc)) from None
        if "failed" in item:
            failed, passed = catalogue[fact].coerce(item["failed"]), catalogue[fact].coerce(item["passed"])
        else:  # a value read from the line itself, such as the account's address
            if any("value" not in p.groupindex for p in compiled):
                raise KnowledgeBaseError("cond_bad_regex", where, pattern=fact, problem="(?P<value>...) missing")
            failed = passed = None
        checks.append(Check(str(item.get("id", fact)), fact, failed, passed, tuple(compiled)))
    return Patterns(marker_re, tuple(checks))


@dataclass(frozen=True)
class _Piece:
    line: int
    original: str
    text: str  # normalised
    marked: bool  # starts with a marker word
    marker_only: bool


def _pieces(text: str, markers: re.Pattern) -> list[_Piece | None]:
    """One piece per line, or several when warnings run together; None stands for a blank line."""
    pieces: list[_Piece | None] = []
    for number, original in enumerate(text.splitlines(), start=1):
        norm = normalize(original)
        if not norm:
            pieces.append(None)
            continue
        starts = [m.start() for m in markers.finditer(norm)]
        cuts = sorted({0, *starts})
        for begin, end in zip(cuts, [*cuts[1:], len(norm)]):
            part = norm[begin:end].strip().rstrip(" .;!")
            if not part.strip(" -*•>#|"):  # a list bullet before the marker
                continue
            marked = begin in starts
            rest = markers.sub("", part, count=1).strip(" -*•>") if marked else part
            pieces.append(_Piece(number, original.strip(), part, marked, marked and not rest))
    return pieces


def read(text: str, kb_data: dict, catalogue: Catalogue, *, display: str = "<testo>",
         complete: bool = False) -> PanelReading:
    """Facts from a pasted panel diagnostic; ``complete``: checks not shown passed."""
    compiled = patterns(kb_data, catalogue)
    secrets = catalogue.secret_names
    pieces = _pieces(text, compiled.markers)

    def matches(norm: str) -> list[tuple[Check, Any]]:
        found = []
        for check in compiled.checks:
            hit = next((m for m in (p.search(norm) for p in check.patterns) if m), None)
            if hit:
                found.append((check, check.value(hit)))
        return found

    facts = FactSet()
    recognised: list[Recognised] = []
    unrecognised: list[Unrecognised] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece is None:
            i += 1
            continue
        found = matches(piece.text)
        last, original = piece.line, piece.original
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if not found and nxt is not None and not nxt.marked and nxt.line == piece.line + 1:
            joined = matches(f"{piece.text} {nxt.text}")
            # A line broken in two: join it, unless the next line stands on its own
            # (then this one is unrelated text, and joining would hide it).
            if joined and (piece.marker_only or not matches(nxt.text)):
                found, last, original = joined, nxt.line, f"{piece.original} {nxt.original}"
                i += 1
        if found:
            shown = redact(re.sub(r"\s+", " ", original), secrets)
            for check, value in found:
                facts.values[check.fact] = value
                facts.sources[check.fact] = f"{display}:{piece.line}"
                recognised.append(Recognised(piece.line, last, check.id, check.fact, value, shown))
        else:
            key = secret_key(piece.original, secrets)
            if key and key not in facts.secrets:
                facts.secrets.append(key)
            unrecognised.append(Unrecognised(piece.line, redact(piece.original, secrets), piece.marked))
        i += 1
    if complete:
        for check in compiled.checks:
            if check.passed is not None and check.fact not in facts.values:
                facts.values[check.fact] = check.passed
                facts.sources[check.fact] = f"{display} (--complete)"
    for name, value in list(facts.values.items()):  # through the catalogue, like every other input
        facts.values[name] = coerce(catalogue, name, value, Location(display))
    return PanelReading(facts, tuple(recognised), tuple(unrecognised))
