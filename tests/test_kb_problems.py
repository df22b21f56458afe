"""The loader's one pass: every problem of a knowledge base as a record (code, file:line:column, check id),
the same records that ``read`` raises and ``rules lint`` reports."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from diagnostica.engine.errors import KnowledgeBaseErrors
from diagnostica.engine.kb import sources
from diagnostica.engine.kb.load import examine, iter_problems, read

BASE = Path(__file__).parent / "lint_corpus" / "_base"

MORE = """rules:
  - id: loop-a
    kind: derive
    when: {fact: mailbox.full, equals: true}
    derives: {quota.used: 100}
  - id: self-loop
    kind: derive
    when: {fact: offer, equals: hosted}
    derives: {offer: private}
  - id: typo
    severity: info
    when: {all: [{fact: domian, exists: true}, {fact: offer, in: [hosted, privat]}]}
    derives: {mailbox.fulll: true}
    links: {see_also: [quota-chek]}
    explanation: x.j2
    remediation: x.j2
  - id: quota-check
    kind: derive
    when: {fact: offer, exists: true}
    derives: {mailbox.full: false}
"""


@pytest.fixture
def broken(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(BASE, root)
    (root / "rules" / "zz_more.yaml").write_text(MORE, encoding="utf-8")
    return sources.from_directory(root)


def test_every_problem_at_once_with_its_place_and_check(broken):
    found = sorted((Path(p.location.file).name, p.location.line, p.check_id) for p in iter_problems(broken))
    assert found == [
        ("mailbox.yaml", 4, "derive-cycle"),  # quota-check -> loop-a -> quota-check
        ("zz_more.yaml", 6, "derive-cycle"),  # self-loop reads what it derives
        ("zz_more.yaml", 12, "enum-value"),
        ("zz_more.yaml", 12, "unknown-fact"),  # both tests of one condition
        ("zz_more.yaml", 13, "unknown-fact"),  # and the derived fact
        ("zz_more.yaml", 14, "unknown-link"),
        ("zz_more.yaml", 17, "duplicate-rule"),
    ]


def test_read_raises_the_same_problems(broken):
    with pytest.raises(KnowledgeBaseErrors) as caught:
        read(broken)
    assert [(e.code, e.location) for e in caught.value.errors] == [
        (p.code, p.location) for p in iter_problems(broken)]


def test_what_could_be_built_is_kept(broken):
    reading = examine(broken)
    assert {w.id for w in reading.written} == {"quota-check", "mailbox-full", "loop-a", "self-loop", "typo"}
    assert {w.id for w in reading.written if w.rule is None} == {"typo"}
    assert not reading.evaluable and not reading.complete
    assert "typo" in reading.with_every_rule().by_id and "typo" not in reading.kb.by_id


def test_rules_come_after_the_rules_deriving_what_they_read(kb):
    seen: set[str] = set()
    for rule in kb.rules:
        assert all(d in seen for f in rule.reads for d in kb.derived_by.get(f, ()) if d != rule.id), rule.id
        seen.add(rule.id)


def test_a_clean_knowledge_base_has_no_problem():
    assert list(iter_problems(sources.from_directory(BASE))) == []
