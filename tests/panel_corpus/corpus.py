"""The labelled lines of tests/panel_corpus/<lang>.tsv, and what the reader makes of one line.

Shared by tests/test_panel_corpus.py (each line's outcome) and
benchmarks/panel_recognition.py (precision and recall per language).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGUAGES = ("it", "en", "fr")
NONE = "NONE"


@dataclass(frozen=True)
class Case:
    lang: str
    number: int  # line in the .tsv file
    text: str
    expected: tuple[str, str] | None  # (check id, value as written: true/false), None: nothing to read


def cases(lang: str) -> list[Case]:
    found = []
    for number, row in enumerate((HERE / f"{lang}.tsv").read_text(encoding="utf-8").splitlines(), start=1):
        if not row.strip() or row.startswith("#"):
            continue
        text, *label = row.split("\t")
        expected = None if label == [NONE] else (label[0], label[1])
        found.append(Case(lang, number, text, expected))
    return found


_CHECK_IDS: dict[int, frozenset[str]] = {}


def _check_ids(kb, panel) -> frozenset[str]:
    """The ids of the knowledge base's panel checks, compiled once per knowledge base (not once per line:
    that was most of the time the recognition benchmark printed as the time of a line)."""
    key = id(kb.data)
    if key not in _CHECK_IDS:
        _CHECK_IDS[key] = frozenset(c.id for c in panel.patterns(kb.data, kb.catalogue).checks)
    return _CHECK_IDS[key]


def outcome(kb, text: str) -> tuple[str, str] | None:
    """(check id, value) when the line is read as exactly one check, else None."""
    from diagnostica.engine.inputs import panel

    reading = panel.read(text, kb.data, kb.catalogue)
    checks = [r for r in reading.recognised if r.check in _check_ids(kb, panel)]
    if len(checks) != 1:
        return None
    return checks[0].check, str(checks[0].value).lower()
