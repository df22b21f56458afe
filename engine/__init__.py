"""Diagnostica engine: a library first, the CLI is a thin layer over it.

    from diagnostica.engine import load_knowledge_base, Renderer
    kb = load_knowledge_base()                  # bundled rules and locales
    result = kb.evaluate({"dns.mx_valid": False})  # no I/O here
    text = Renderer(kb, "it").rule_text(result.findings[0].id, result.facts)

The names below are imported on first use (PEP 562's module ``__getattr__``),
not when the package is: every ``diagnostica.engine.x`` import runs this file
first, and importing the loader and the renderer here would put PyYAML and
Jinja on the path of every command -- also of ``--help`` and of an error
message, which need neither.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported for real
    from .errors import DiagnosticaError, InputError, KnowledgeBaseError, Location
    from .kb.load import KnowledgeBase, Rule
    from .kb.sources import bundled, from_directory
    from .present.render import Renderer
    from .run.load import load as load_knowledge_base
    from .run.result import Finding, PossibleCause, Result, Undecided

#: public name -> (module of this package, its name there)
_EXPORTS = {
    "DiagnosticaError": ("errors", "DiagnosticaError"),
    "InputError": ("errors", "InputError"),
    "KnowledgeBaseError": ("errors", "KnowledgeBaseError"),
    "Location": ("errors", "Location"),
    "KnowledgeBase": ("kb.load", "KnowledgeBase"),
    "Rule": ("kb.load", "Rule"),
    "load_knowledge_base": ("run.load", "load"),
    "Renderer": ("present.render", "Renderer"),
    "Finding": ("run.result", "Finding"),
    "PossibleCause": ("run.result", "PossibleCause"),
    "Result": ("run.result", "Result"),
    "Undecided": ("run.result", "Undecided"),
    "bundled": ("kb.sources", "bundled"),
    "from_directory": ("kb.sources", "from_directory"),
}

__all__ = [
    "DiagnosticaError", "InputError", "KnowledgeBaseError", "Location", "KnowledgeBase", "Rule",
    "load_knowledge_base", "Renderer", "Finding", "PossibleCause", "Result", "Undecided",
    "bundled", "from_directory",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # the next lookup is an ordinary global
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
