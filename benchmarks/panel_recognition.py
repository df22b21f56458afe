"""Benchmark: how well pasted panel lines are read, per language (tests/panel_corpus/<lang>.tsv).

    python benchmarks/panel_recognition.py

For each language: recall (labelled lines read as their check and value),
precision (lines read that were read right), and false positives on the
negative lines (labelled NONE: unrelated text, or text about something
else), which must stay at 0.  Targets: recall >= 95 %, no false positive.
Then the lines read wrongly or missed, to tune the words in rules/data/panel.yaml.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "panel_corpus"))
from corpus import LANGUAGES, cases, outcome  # noqa: E402


def main() -> int:
    from diagnostica.engine import load_knowledge_base

    kb = load_knowledge_base()
    print(f"{'lang':<5}{'lines':>6}{'recall':>9}{'precision':>11}{'false pos.':>12}{'ms/line':>9}")
    misses = []
    worst_recall, false_positives = 1.0, 0
    for lang in LANGUAGES:
        labelled = cases(lang)
        start = time.perf_counter()
        got = [(case, outcome(kb, case.text)) for case in labelled]
        per_line = (time.perf_counter() - start) * 1000 / len(labelled)
        positives = [(c, o) for c, o in got if c.expected is not None]
        read = [(c, o) for c, o in got if o is not None]
        right = sum(o == c.expected for c, o in positives)
        fp = sum(1 for c, o in got if c.expected is None and o is not None)
        recall = right / len(positives)
        precision = sum(o == c.expected for c, o in read) / len(read) if read else 1.0
        worst_recall, false_positives = min(worst_recall, recall), false_positives + fp
        print(f"{lang:<5}{len(labelled):>6}{recall:>9.1%}{precision:>11.1%}{fp:>12}{per_line:>9.2f}")
        misses += [(c, o) for c, o in got if o != c.expected]
    for case, got in misses:
        print(f"  {case.lang}:{case.number} expected {case.expected}, got {got}: {case.text}")
    print(f"target recall >= 95 %: {'met' if worst_recall >= 0.95 else 'NOT met'}; "
          f"false positives on negative lines: {false_positives}")
    return 0 if worst_recall >= 0.95 and not false_positives else 1


if __name__ == "__main__":
    sys.exit(main())
