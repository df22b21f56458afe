"""The knowledge-base linter: every problem in one run, each at its file:line.

One module per family of checks (``yamlfiles``, ``structure``,
``satisfiable``, ``templates``, ``locales``); ``linter.lint`` runs them all
and returns a :class:`LintReport` of :class:`Problem` records.
"""
from .linter import LintReport, lint
from .problem import Problem

__all__ = ["LintReport", "Problem", "lint"]
