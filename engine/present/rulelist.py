"""The rules listed: ``rules list`` and ``GET /api/v1/rules`` show the same rows."""
from __future__ import annotations

from ..kb.load import KnowledgeBase
from .render import Renderer


def rule_rows(kb: KnowledgeBase, renderer: Renderer) -> list[dict[str, str]]:
    """Each rule's id, kind, severity, title (in the renderer's language) and where it is written, by id."""
    return [{"id": r.id, "kind": r.kind, "severity": r.severity, "title": renderer.text(f"rules.{r.id}.title"),
             "location": str(r.location)} for r in sorted(kb.rules, key=lambda r: r.id)]
