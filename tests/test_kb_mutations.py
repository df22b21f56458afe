"""The KB-mutation campaign, a sample: 200 generated slips in a copy of the shipped knowledge base
(seeded, so the same every run), each through `rules lint`, `rules test` and `check`; none may end
in exit 3 or a traceback.  `python benchmarks/kb_mutations.py` runs a thousand and prints counts."""
from __future__ import annotations

from collections import Counter

from tests import kbmutations
from tests.conftest import run_cli

SAMPLE = 200
SEED = 11


def test_the_generator_is_seeded_and_varied():
    first, again = kbmutations.mutations(SAMPLE, SEED), kbmutations.mutations(SAMPLE, SEED)
    assert first == again and first != kbmutations.mutations(SAMPLE, SEED + 1)
    kinds = Counter(m.kind.split("-")[0] for m in first)
    assert {"rename", "retype", "reindent", "delete", "template", "structural"} <= set(kinds)
    assert {m.file.split("/")[0] for m in first} == {"rules", "locales"}
    files = kbmutations.kb_files()
    assert all(m.text != files[m.file] for m in first)


def test_no_mutation_of_the_shipped_kb_ends_in_exit_3(tmp_path):
    outcomes = kbmutations.run(kbmutations.mutations(SAMPLE, SEED), tmp_path, run_cli, per_run=5)
    assert len(outcomes) == SAMPLE
    assert [f"{o.mutation}: {', '.join(o.crashed)}" for o in outcomes if not o.ok] == []
    codes = Counter(code for o in outcomes for code in o.codes)
    assert set(codes) <= {0, 1, 2} and codes[2] > 0  # the slips are seen (exit 2), never a crash
