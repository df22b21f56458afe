"""More slips from the KB-mutation campaign (benchmarks/kb_mutations.py, seed 11) that ended in exit 3:
each now gives a clear problem or a working text (issue 11)."""
from __future__ import annotations

import pytest

from conftest import copy_kb
from tests.conftest import REPO

FACTS = str(REPO / "examples" / "mx-foreign.yaml")


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("slips")
    copy_kb(root)
    return root


SLIPS = [
    # (file, text to replace, its replacement)
    ("rules/account.yaml", "when: {fact: account.spam_blocked, equals: true}",
     "when: {fact: [account.spam_blocked], equals: true}"),
    ("rules/data/records.yaml", "  duration_minutes: {min: 3, max: 10}\n", "  duration_minutes: 1.5\n"),
    ("rules/data/records.yaml", "  duration_minutes: {min: 3, max: 10}\n", "  duration_minutes: {min: 3}\n"),
    ("rules/data/records.yaml", "diagnostic:\n  duration_minutes: {min: 3, max: 10}\n", "diagnostic: text\n"),
    ("rules/data/records.yaml", "diagnostic:\n  duration_minutes: {min: 3, max: 10}\n", "diagnostic:\n"),
    ("rules/data/api.yaml", "  account.expired: {fact: account.suspended}", "  account.expired: {fact: ''}"),
    ("rules/data/api.yaml", "  account.expired: {fact: account.suspended}", "  account.expired: {invert: true}"),
    ("rules/data/api.yaml", "  account.expired: {fact: account.suspended}", "  account.expired: 42"),
    ("rules/data/api.yaml", "fact_aliases:\n  account.expired: {fact: account.suspended}", "fact_aliases:"),
    ("locales/it/mail-auth.yaml", '{title: "Record DMARC assente"}', "{title: [a, b]}"),
    ("locales/it/mail-auth.yaml", 'customer_title: "Più record SPF per il dominio, dove ne è ammesso uno solo"',
     "customer_title: [a, b]"),
]


@pytest.mark.parametrize("file, old, new", SLIPS)
def test_slip_is_never_an_internal_error(cli, kb_root, file, old, new):
    path = kb_root / file
    original = (REPO / file).read_text(encoding="utf-8")
    assert original.count(old) == 1
    path.write_text(original.replace(old, new), encoding="utf-8")
    try:
        runs = [cli("rules", "lint", str(kb_root)), cli("rules", "test", str(kb_root)),
                cli("check", "--kb", str(kb_root), FACTS, "--fact", "account.locked=true")]
    finally:
        path.write_text(original, encoding="utf-8")
    for run in runs:
        assert run.code in (0, 1, 2) and "Traceback" not in run.err + run.out, run.err
