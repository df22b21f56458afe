"""Slips the KB-mutation campaign found that ended in exit 3: each is now one clear problem (issue 11)."""
from __future__ import annotations

import pytest

from tests.test_lint_corpus import build


def test_a_fact_under_a_fact_with_a_value_is_one_error_never_a_crash(cli, tmp_path):
    root = build(tmp_path, None)
    facts = root / "rules" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").rstrip("\n")
                     + "\n  domain.expired:\n    type: bool\n    description: x\n    sample: true\n", encoding="utf-8")
    lint = cli("rules", "lint", str(root), "--format", "json")
    assert lint.code == 1 and "Traceback" not in lint.err
    found = [p for p in lint.json()["problems"] if "domain.expired" in p["message"] and p["severity"] == "error"]
    assert len(found) == 1 and "«domain»" in found[0]["message"]
    for argv in (("rules", "preview", "mailbox-full", "--kb", str(root)), ("rules", "test", str(root)),
                 ("rules", "docs", "--kb", str(root))):
        run = cli(*argv)
        assert run.code in (0, 1, 2) and "interno" not in run.err, (argv, run.err)


def test_nest_keeps_a_value_and_puts_a_fact_under_it_aside():
    from diagnostica.engine.present.render import nest

    assert nest({"domain.expired": True, "domain": "x", "dns.mx": ("a",)}) == {
        "domain": "x", "domain.expired": True, "dns": {"mx": ["a"]}}


@pytest.mark.parametrize("text", ["42\n", "- a\n- b\n", "just text\n"])
def test_a_locale_file_that_is_not_a_mapping_is_one_problem(cli, tmp_path, text):
    root = build(tmp_path, None)
    (root / "locales" / "it" / "messages.yaml").write_text(text, encoding="utf-8")
    lint = cli("rules", "lint", str(root), "--format", "json")
    assert lint.code == 1 and "Traceback" not in lint.err, lint.err
    assert [p["check_id"] for p in lint.json()["problems"] if p["file"].endswith("it/messages.yaml")] == [
        "locale-shape"]
    check = cli("check", "--kb", str(root), "--fact", "offer=hosted")
    assert check.code == 2 and "it/messages.yaml:1" in check.err and "mappa" in check.err, check.err
