"""A broken knowledge base stops `check` with exit 2 and every problem at its file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_kb

REPO = Path(__file__).resolve().parent.parent

RULE = """rules:
  - id: {id}
    severity: error
    when: {when}
    explanation: account-locked.explanation.j2
    remediation: account-locked.remediation.j2
{extra}"""


@pytest.fixture
def kb_dir(tmp_path):
    copy_kb(tmp_path)
    return tmp_path


def add_rule_file(kb_dir, text):
    (kb_dir / "rules" / "zz_extra.yaml").write_text(text, encoding="utf-8")
    return f"{kb_dir}/rules/zz_extra.yaml"


@pytest.mark.parametrize("when, extra, line, fragment", [
    ("{fact: accout.locked, equals: true}", "", 4, "forse intendevi «account.locked»"),
    ("{fact: account.locked, equal: true}", "", 4, "forse intendevi «equals»"),
    ("{fact: offer, equals: shared}", "", 4, "valori possibili hosted, private"),
    ("{fact: account.locked, all_in: [a]}", "", 4, "non si applica"),
    ("{fact: domain, matches: '('}", "", 4, "espressione regolare"),
    ("{fact: account.locked, equals: true}", "    links: {causes: [mx-invalidd]}\n", 7, "forse intendevi «mx-invalid»"),
])
def test_rule_problems_are_located(cli, kb_dir, when, extra, line, fragment):
    path = add_rule_file(kb_dir, RULE.format(id="extra-rule", when=when, extra=extra))
    run = cli("check", "--kb", str(kb_dir), "--fact", "account.locked=true")
    assert run.code == 2, run.out
    assert "Traceback" not in run.err
    assert f"{path}:{line}:" in run.err
    assert fragment in run.err


def test_schema_violation_in_writers_words(cli, kb_dir):
    path = add_rule_file(kb_dir, RULE.format(id="extra-rule", when="{fact: account.locked, equals: true}",
                                             extra="    severity_level: high\n"))
    run = cli("check", "--kb", str(kb_dir))
    assert run.code == 2
    assert f"{path}:" in run.err and "severity_level" in run.err


def test_duplicate_rule_id(cli, kb_dir):
    path = add_rule_file(kb_dir, RULE.format(id="mx-invalid", when="{fact: account.locked, equals: true}", extra=""))
    run = cli("check", "--kb", str(kb_dir))
    assert run.code == 2
    assert f"{path}:2:" in run.err and "«mx-invalid» ripetuto" in run.err


def test_derivation_cycle_names_the_rules(cli, kb_dir):
    add_rule_file(kb_dir, """rules:
  - id: loop-a
    kind: derive
    when: {fact: account.locked, equals: true}
    derives: {account.suspended: true}
  - id: loop-b
    kind: derive
    when: {fact: account.suspended, equals: true}
    derives: {account.locked: true}
""")
    run = cli("check", "--kb", str(kb_dir))
    assert run.code == 2
    assert "ciclo" in run.err and "loop-a" in run.err and "loop-b" in run.err


def test_several_problems_are_reported_together(cli, kb_dir):
    add_rule_file(kb_dir, RULE.format(id="one", when="{fact: nope, equals: true}", extra="")
                  + RULE.format(id="two", when="{fact: nada, equals: true}", extra="").replace("rules:\n", ""))
    run = cli("check", "--kb", str(kb_dir))
    assert run.code == 2
    assert "«nope»" in run.err and "«nada»" in run.err


def test_yaml_traps_in_rule_files(cli, kb_dir):
    path = add_rule_file(kb_dir, "rules:\n  - id: a\n    id: b\n")
    run = cli("check", "--kb", str(kb_dir))
    assert run.code == 2 and f"{path}:3:5" in run.err and "ripetuta" in run.err
