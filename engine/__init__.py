"""Diagnostica engine: a library first, the CLI is a thin layer over it.

    from diagnostica.engine import load_knowledge_base, Renderer
    kb = load_knowledge_base()                  # bundled rules and locales
    result = kb.evaluate({"dns.mx_valid": False})  # no I/O here
    text = Renderer(kb, "it").rule_text(result.findings[0].id, result.facts)
"""
from .errors import DiagnosticaError, InputError, KnowledgeBaseError, Location
from .kb.load import KnowledgeBase, Rule
from .kb.sources import bundled, from_directory
from .present.render import Renderer
from .run.load import load as load_knowledge_base
from .run.result import Finding, PossibleCause, Result, Undecided

__all__ = [
    "DiagnosticaError", "InputError", "KnowledgeBaseError", "Location", "KnowledgeBase", "Rule",
    "load_knowledge_base", "Renderer", "Finding", "PossibleCause", "Result", "Undecided",
    "bundled", "from_directory",
]
