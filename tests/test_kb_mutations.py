"""The KB-mutation campaign, a sample: generated slips in a copy of the shipped knowledge base (seeded,
so the same every run), each through `rules lint`, `rules test` and `check`; none may end in exit 3 or
a traceback.  The sample takes the first PER_KIND mutations of every kind the generator makes (54 in
all, instead of 200 drawn blindly, which never reached the rarest kind); `python
benchmarks/kb_mutations.py` runs a thousand and more and prints counts."""
from __future__ import annotations

from collections import Counter

import pytest

from tests import kbmutations
from tests.conftest import run_cli

PER_KIND = 3
SEED = 11
PER_RUN = 5  # mutations of distinct files applied together, one run of the three commands
CHUNKS = 3  # the sample in three tests: a failure points at a third of it


@pytest.fixture(scope="module")
def sample() -> list[kbmutations.Mutation]:
    return kbmutations.sample(PER_KIND, SEED)


def test_the_generator_is_seeded_and_varied(sample):
    assert sample == kbmutations.sample(PER_KIND, SEED) and sample != kbmutations.sample(PER_KIND, SEED + 1)
    drawn = kbmutations.mutations(200, SEED)
    assert drawn == kbmutations.mutations(200, SEED)
    assert {m.kind for m in drawn} <= set(kbmutations.KINDS)  # KINDS names every operator there is
    kinds = Counter(m.kind for m in sample)
    assert set(kinds) == set(kbmutations.KINDS) and min(kinds.values()) >= PER_KIND, kinds
    assert {m.file.split("/")[0] for m in sample} == {"rules", "locales"}
    files = kbmutations.kb_files()
    assert all(m.text != files[m.file] for m in sample + drawn)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_mutation_of_the_shipped_kb_ends_in_exit_3(sample, tmp_path, chunk):
    runs = kbmutations.groups(sample, PER_RUN)
    mine = [m for group in runs[chunk::CHUNKS] for m in group]
    outcomes = kbmutations.run(mine, tmp_path, run_cli, per_run=PER_RUN)
    assert len(outcomes) == len(mine) > 0
    assert [f"{o.mutation}: {', '.join(o.crashed)}" for o in outcomes if not o.ok] == []
    codes = Counter(code for o in outcomes for code in o.codes)
    assert set(codes) <= {0, 1, 2} and codes[2] > 0  # the slips are seen (exit 2), never a crash
