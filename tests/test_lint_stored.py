"""What a lint keeps for the next one (``engine/lint/stored.py``): the same report as without it, never stale,
a problem told afresh in each run's language.  The next lint must read only what the cache holds: the
first test runs each lint as a real process; the others lint in this process (a fifth of the time) with
the memory a fresh process starts with -- the two in-memory memos of parsed and compiled templates
emptied for that run (see ``fresh``), so a template is found only on disk or parsed anew."""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import copy_kb, run_cli
from diagnostica.engine.lint import templates
from diagnostica.engine.present import sandbox

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "locales/it/rules/mx-invalid.explanation.j2"


@pytest.fixture
def kb_copy(tmp_path):
    copy_kb(tmp_path / "kb")
    return tmp_path / "kb"


def lint(process, kb: Path, *options: str):
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
    cold = lint(process, kb_copy)
    warm = lint(process, kb_copy)
    assert (warm == cold, len(stored(kb_copy))) == (True, 1)


@pytest.mark.parametrize("edit, check_id", [
    ("{% if facts.dns.mx %}", "template-syntax"),              # an unclosed block
    ("{{ facts.dns.mx_vaild }}", "template-undefined"),         # a misspelt fact
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
