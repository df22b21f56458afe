"""What a lint keeps for the next one (``engine/lint/stored.py``): the same report as without it, never stale,
a problem told afresh in each run's language.  The next lint must read only what the cache holds: the
first test's second lint is a real process; the other lints run in this process (a fifth of the time)
with the memory a fresh process starts with -- the two in-memory memos of parsed and compiled templates
emptied for that run (see ``fresh``), so a template is found only on disk or parsed anew.

What is tested is the store, not the shipped content: the lints read the small knowledge base of
``conftest.SMALL_KB`` (a rule template of each part, a locale file per language) with a template beside
the rules' added (kept with no code), not a copy of the shipped one (a few times the cost each)."""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import pytest
from diagnostica.engine.lint import templates
from diagnostica.engine.present import sandbox

from conftest import copy_small_kb, run_cli

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "locales/it/rules/mailbox-full.explanation.j2"


@pytest.fixture
def kb_copy(tmp_path):
    root = copy_small_kb(tmp_path / "kb")
    common = root / "locales" / "_common"  # a template no rule names: parsed for its facts, never compiled
    common.mkdir()
    (common / "lines.j2").write_text("{% macro domain_line() %}{{ facts.domain }}{% endmacro %}\n",
                                     encoding="utf-8")
    return root


def lint(process, kb: Path, *options: str):
    # The last lint's whole report (``stored.Report``, tested in test_lint_report_stored.py) would answer a
    # lint of unchanged files before any template is read: removed, so every lint here reads the templates.
    for report in (kb.parent / "cache" / "diagnostica").glob("lintreport-*.pickle"):
        report.unlink()
    env = {"XDG_CACHE_HOME": str(kb.parent / "cache"), "DIAGNOSTICA_NO_CACHE": ""}
    run = process("rules", "lint", str(kb), "--format", "json", *options, env=env)
    assert run.code in (0, 1), run.err
    return run.json()["problems"]


@contextmanager
def fresh():
    """This process's memory of templates as a new process has it (empty), for one run; put back after,
    so the rest of the suite keeps what it had."""
    saved = templates._ANALYSES, sandbox._CODE
    templates._ANALYSES, sandbox._CODE = {}, OrderedDict()
    try:
        yield
    finally:
        templates._ANALYSES, sandbox._CODE = saved


def fresh_lint(kb: Path, *options: str):
    """A lint in this process that finds nothing in memory: only what the cache on disk holds."""
    with fresh():
        return lint(run_cli, kb, *options)


def stored(kb: Path) -> list[Path]:
    return sorted((kb.parent / "cache" / "diagnostica").glob("lint-*.pickle"))


def test_a_lint_with_what_the_last_one_kept_reports_the_same(process, kb_copy):
    cold = fresh_lint(kb_copy)
    (entry,) = stored(kb_copy)
    warm = lint(process, kb_copy)  # a new process: nothing in memory, only the entry on disk
    assert (warm == cold, stored(kb_copy)) == (True, [entry])


@pytest.mark.parametrize("edit, check_id", [
    ("{% if facts.mailbox.full %}", "template-syntax"),         # an unclosed block
    ("{{ facts.mailbox.flul }}", "template-undefined"),         # a misspelt fact
    ("{% include '../../rules/dns.yaml' %}", "template-outside"),
])
def test_a_template_edited_after_a_lint_is_read_again(kb_copy, edit, check_id):
    clean = lint(run_cli, kb_copy)  # fills the cache (from memory or afresh: the same entries)
    template = kb_copy / TEMPLATE
    template.write_text(template.read_text(encoding="utf-8") + edit + "\n", encoding="utf-8")
    found = [fresh_lint(kb_copy, "--lang", lang) for lang in ("it", "en")]
    ids = [{p["check_id"] for p in problems if p["file"].endswith(TEMPLATE)} for problems in found]
    messages = [[p["message"] for p in problems if p["file"].endswith(TEMPLATE)] for problems in found]
    assert (clean == [p for p in clean if not p["file"].endswith(TEMPLATE)], ids, messages[0] != messages[1]) == \
        (True, [{check_id}] * 2, True)  # found after a clean run, and told in each run's language


def test_a_damaged_entry_is_ignored(kb_copy):
    first = lint(run_cli, kb_copy)  # fills the cache
    (entry,) = stored(kb_copy)
    entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")  # the signature no longer matches
    assert fresh_lint(kb_copy) == first
