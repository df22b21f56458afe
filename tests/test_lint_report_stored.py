"""The lint report kept for the next lint of the same files (``engine/lint/stored.Report``): the same report
as a full run, never stale -- any file of the knowledge base edited, added or removed, another language, a
link in the tree, a damaged entry or the cache turned off is a full run.

A lint served from the store runs no check at all: the tests tell the two apart by making the checks
(``linter._lint``) fail, so a test that expects a full run fails if the store answered, and the reverse."""
from __future__ import annotations

from pathlib import Path

import pytest
from diagnostica.engine.kb import sources
from diagnostica.engine.lint import linter

from conftest import copy_small_kb

TEMPLATE = "locales/it/rules/mailbox-full.explanation.j2"


@pytest.fixture
def kb(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DIAGNOSTICA_NO_CACHE", raising=False)
    root = copy_small_kb(tmp_path / "kb")
    template = root / TEMPLATE  # a problem in the report, so that what is kept is not only "clean"
    template.write_text(template.read_text(encoding="utf-8") + "{{ facts.mailbox.flul }}\n", encoding="utf-8")
    return root


def full(kb: Path, lang: str = "it") -> linter.LintReport:
    return linter.lint(sources.from_directory(kb), lang)


def stored_only(kb: Path, monkeypatch, lang: str = "it") -> linter.LintReport:
    """A lint that can only be answered by the store: the checks raise if they are reached."""
    def no_checks(*args, **kwargs):
        raise AssertionError("the checks ran")

    with monkeypatch.context() as patch:
        patch.setattr(linter, "_lint", no_checks)
        return full(kb, lang)


def entries(kb: Path) -> list[Path]:
    return sorted((kb.parent / "cache" / "diagnostica").glob("lintreport-*.pickle"))


def test_the_next_lint_of_the_same_files_is_the_kept_report(kb, monkeypatch):
    first = full(kb)
    again = stored_only(kb, monkeypatch)
    assert (again == first, any(p.check_id == "template-undefined" for p in first.problems), len(entries(kb))) == \
        (True, True, 1)


@pytest.mark.parametrize("edit", ["template", "rules", "data", "new-file", "removed-file"])
def test_any_change_to_the_knowledge_base_is_a_full_lint(kb, monkeypatch, edit):
    full(kb)
    if edit == "template":
        (kb / TEMPLATE).write_text("{{ facts.mailbox.full }}\n", encoding="utf-8")
    elif edit == "rules":
        facts = kb / "rules" / "facts.yaml"
        facts.write_text(facts.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif edit == "data":
        (kb / "rules" / "data").mkdir(exist_ok=True)
        (kb / "rules" / "data" / "extra.yaml").write_text("extra: 1\n", encoding="utf-8")
    elif edit == "new-file":
        (kb / "locales" / "it" / "rules" / "nobody.explanation.j2").write_text("x\n", encoding="utf-8")
    else:
        (kb / "locales" / "en" / "rules" / "mailbox-full.explanation.j2").unlink()
    with pytest.raises(AssertionError, match="the checks ran"):
        stored_only(kb, monkeypatch)
    edited = full(kb)  # and what the full run finds is then kept, for the next one
    assert stored_only(kb, monkeypatch) == edited


def test_each_language_has_its_own_report(kb, monkeypatch):
    italian, english = full(kb, "it"), full(kb, "en")
    assert [p.message for p in italian.problems] != [p.message for p in english.problems]
    assert (stored_only(kb, monkeypatch, "it"), stored_only(kb, monkeypatch, "en")) == (italian, english)


def test_a_link_in_the_tree_is_never_kept(kb, monkeypatch):
    (kb / "locales" / "it" / "rules" / "link.j2").symlink_to(kb / TEMPLATE)
    full(kb)
    with pytest.raises(AssertionError, match="the checks ran"):
        stored_only(kb, monkeypatch)
    assert entries(kb) == []


def test_a_damaged_entry_is_a_full_lint(kb, monkeypatch):
    first = full(kb)
    (entry,) = entries(kb)
    entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")  # the signature no longer matches
    with pytest.raises(AssertionError, match="the checks ran"):
        stored_only(kb, monkeypatch)
    assert full(kb) == first


def test_nothing_is_kept_with_the_cache_off(kb, monkeypatch):
    monkeypatch.setenv("DIAGNOSTICA_NO_CACHE", "1")
    full(kb)
    with pytest.raises(AssertionError, match="the checks ran"):
        stored_only(kb, monkeypatch)
    assert not (kb.parent / "cache" / "diagnostica").exists() or entries(kb) == []


#: Runs the CLI as the console script does and prints its output, then which libraries it imported.
PROBE = ("import sys, io, contextlib\n"
         "from diagnostica.cli.main import main\n"
         "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
         "    code = main(sys.argv[1:])\n"
         "print(code, out.getvalue())\n"
         "print(' '.join(sorted({name.split('.')[0] for name in sys.modules} & {'jinja2', 'fastjsonschema'})))\n"
         "print('diagnostica.engine.kb.load' in sys.modules)\n")


def test_a_lint_answered_by_the_kept_report_imports_neither_the_loader_nor_jinja(kb):
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(kb.parent / "cache")}
    env.pop("DIAGNOSTICA_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", PROBE, "rules", "lint", str(kb), "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=120) for _ in range(2)]
    (first_out, first_libs, first_loader), (again_out, again_libs, again_loader) = \
        (run.stdout.rsplit("\n", 3)[:3] for run in runs)
    assert (again_out == first_out, first_out.startswith("1 "), first_libs, first_loader, again_libs,
            again_loader) == (True, True, "jinja2", "True", "", "False")
