"""Each labelled line of tests/panel_corpus/ is read as its label says (check and value, or nothing)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "panel_corpus"))
from corpus import LANGUAGES, cases, outcome  # noqa: E402

CASES = [c for lang in LANGUAGES for c in cases(lang)]


def test_every_language_has_enough_lines():
    for lang in LANGUAGES:
        labelled = cases(lang)
        assert len(labelled) >= 40, lang
        assert sum(c.expected is None for c in labelled) >= 5, lang  # lines that must NOT be read


@pytest.mark.parametrize("case", CASES, ids=[f"{c.lang}:{c.number}" for c in CASES])
def test_line(kb, case):
    assert outcome(kb, case.text) == case.expected, case.text
