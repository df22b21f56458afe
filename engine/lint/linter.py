"""The linter's driver: the report the last lint kept when nothing changed since, else every check.

The checks themselves (the loader's one pass, then the checks only a writer
needs) are in ``checks``, imported only when they run: a lint of unchanged
files is answered by ``stored.Report`` without the loader or Jinja.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass

from ..kb.sources import KnowledgeBaseDir, bundled
from .collect import Collector
from .problem import Problem
from .stored import Analyses, Report


@dataclass(frozen=True)
class LintReport:
    problems: tuple[Problem, ...]
    rules: int
    files: int

    @property
    def failed(self) -> bool:
        """Errors and warnings fail the lint; notes (info) do not."""
        return any(p.severity in ("error", "warning") for p in self.problems)

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)


def lint(directory: KnowledgeBaseDir | None = None, lang: str = "it") -> LintReport:
    directory = directory or bundled()
    kept = Report(directory, bundled().locales, lang)  # the last lint's report, if nothing changed since
    found = kept.get()
    if found is not None:
        problems, rules, files = found
        return LintReport(tuple(Problem(*fields) for fields in problems), rules, files)
    out = Collector(lang)
    store = Analyses(f"{directory.locales}")  # what earlier runs parsed: see ``stored``
    try:
        report = _lint(directory, out, store)
    finally:
        store.save()
    kept.put(tuple(astuple(problem) for problem in report.problems), report.rules, report.files)
    return report


def _lint(directory: KnowledgeBaseDir, out: Collector, store: Analyses) -> LintReport:
    from . import checks  # the loader, Jinja and every check: only for a lint that runs them

    rules, files = checks.run(directory, out, store)
    return LintReport(tuple(out.sorted()), rules, files)
