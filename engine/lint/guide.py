"""The whole knowledge base as one document for reviewers (``diagnostica rules docs``).

This module only gathers the content; the words and the layout are Jinja
templates in ``locales/<lang>/docs/`` (``guide.md.j2``, ``guide.html.j2``),
so writers can reword and translate them like any other text.  Each rule's
texts are rendered with the facts of its first example where it fires (the
catalogue's samples otherwise); a template that fails is shown as failed
and the other rules still render.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import DiagnosticaError, InputError, Location
from ..kb.load import KnowledgeBase, Rule
from ..kb.sources import bundled
from ..kb.texts import DEFAULT_LANG
from ..present.render import Renderer, _TraversableLoader
from .examples import derive, example_facts, sample_facts

FORMATS = {"markdown": "guide.md.j2", "html": "guide.html.j2"}


@dataclass(frozen=True)
class Block:
    """A piece of rendered advice: a paragraph, numbered steps, a bulleted list, or lines to copy as
    they are (zone records)."""

    kind: str  # "text" | "steps" | "list" | "code"
    text: str
    items: tuple[str, ...] = ()  # the steps or the list's items, without their numbers or bullets
    start: int = 1  # the number of the first step


_STEP = re.compile(r"^(\d+)[.)][ \t]+(\S.*)$")
_BULLET = re.compile(r"^[-*•][ \t]+(\S.*)$")


def blocks(text: str) -> list[Block]:
    """Paragraphs (split at blank lines); inside one, a run of ``1.``/``2.`` lines is an ordered list and
    of ``-`` lines a bulleted one (an indented line continues the item above), the rest stays text."""
    result = []
    for chunk in [c.strip("\n") for c in text.split("\n\n") if c.strip()]:
        lines = chunk.splitlines()
        if all(" IN " in line or line.startswith(("    ", "\t")) for line in lines):
            result.append(Block("code", chunk))
            continue
        runs: list[tuple[str, list[str], int]] = []
        for line in lines:
            step, bullet = _STEP.match(line), _BULLET.match(line)
            kind = "steps" if step else "list" if bullet else "text"
            if kind == "text" and runs and runs[-1][0] != "text" and line.startswith((" ", "\t")):
                runs[-1][1][-1] += " " + line.strip()  # the item goes on
                continue
            if not runs or runs[-1][0] != kind:
                runs.append((kind, [], int(step.group(1)) if step else 1))
            runs[-1][1].append(step.group(2) if step else bullet.group(1) if bullet else line)
        for kind, items, start in runs:
            if kind == "text":
                result.append(Block("text", "\n".join(items)))
            else:
                result.append(Block(kind, "\n".join(items), tuple(items), start))
    return result


def _facts_for(kb: KnowledgeBase, rule: Rule) -> tuple[Any, dict[str, Any]]:
    """The first example where the rule fires and its facts (None and the catalogue's samples if none)."""
    for example in rule.examples:
        if example.expect == "fires":
            try:
                return example, derive(kb, example_facts(kb, example))
            except DiagnosticaError:
                continue
    return None, derive(kb, sample_facts(kb))


def _examples(kb: KnowledgeBase, rule: Rule, renderer: Renderer, shown: Any, text: Any) -> list[dict]:
    """Every example of a rule: its facts and outcome, and, where it fires with other words than the
    example the rule's texts are shown with, those words too."""
    found = []
    for example in rule.examples:
        entry: dict[str, Any] = {"name": example.name, "expect": example.expect, "facts": [],
                                 "explanation": [], "remediation": [], "errors": []}
        try:
            given = example_facts(kb, example)
        except DiagnosticaError:
            given = {}
        entry["facts"] = [{"name": name, "label": renderer.fact_label(name), "value": renderer.value(value, name)}
                          for name, value in sorted(given.items())]
        if example.expect == "fires" and example is not shown:
            other = renderer.rule_text(rule.id, derive(kb, given))
            if (other.explanation, other.remediation) != (text.explanation, text.remediation):
                entry.update(explanation=blocks(other.explanation), remediation=blocks(other.remediation),
                             errors=list(other.errors))
        found.append(entry)
    return found


def context(kb: KnowledgeBase, lang: str) -> dict[str, Any]:
    renderer = Renderer(kb, lang)
    titles = {rid: renderer.rule_title(rid) for rid in kb.by_id}
    topics: dict[str, list] = {}
    checks = []
    for rule in sorted(kb.by_id.values(), key=lambda r: (r.location.file, r.location.line or 0)):
        reads = [{"name": n, "label": renderer.fact_label(n)} for n in sorted(rule.reads)]
        if not rule.is_finding:
            checks.append({"id": rule.id, "title": titles[rule.id], "reads": reads,
                           "derives": [{"name": n, "label": renderer.fact_label(n), "value": renderer.value(v, n)}
                                       for n, v in rule.derives + rule.derives_when_false]})
            continue
        shown, facts = _facts_for(kb, rule)
        text = renderer.rule_text(rule.id, facts)
        links = [{"relation": renderer.text(f"report.relation.{rel}"), "id": target,
                  "title": titles.get(target, target)} for rel, target in rule.links]
        links += [{"relation": renderer.text("report.relation.caused_by"), "id": cause, "title": titles[cause]}
                  for cause in kb.caused_by(rule.id) if ("caused_by", cause) not in rule.links]
        topic = rule.location.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        topics.setdefault(topic, []).append({
            "id": rule.id, "title": text.title, "severity": rule.severity,
            "severity_label": renderer.text(f"severity.{rule.severity}"),
            "explanation": blocks(text.explanation), "remediation": blocks(text.remediation),
            "errors": list(text.errors), "links": links, "reads": reads,
            "examples": _examples(kb, rule, renderer, shown, text),
            "source": str(rule.location),
        })
    catalogue = [{"name": name, "label": renderer.fact_label(name), "type": fact.type,
              "values": [renderer.value(v, name) for v in fact.values], "question": renderer.fact_question(name)}
             for name, fact in sorted(kb.catalogue.facts.items())]
    return {"lang": lang, "topics": topics, "checks": checks, "facts": catalogue, "data": kb.data,
            "rule_count": len(kb.by_id)}


def _env(kb: KnowledgeBase, lang: str, html: bool) -> SandboxedEnvironment:
    """Templates from the knowledge base's own locale, else the bundled one, else Italian."""
    own, shipped = kb.directory, bundled()
    roots = [(own.locale(lang) / "docs", f"{own.locales_display}/{lang}/docs"),
             (shipped.locale(lang) / "docs", f"{shipped.locales_display}/{lang}/docs"),
             (shipped.locale(DEFAULT_LANG) / "docs", f"{shipped.locales_display}/{DEFAULT_LANG}/docs")]
    env = SandboxedEnvironment(loader=_TraversableLoader(roots), undefined=jinja2.StrictUndefined,
                               autoescape=html, trim_blocks=True, lstrip_blocks=True)
    env.filters["anchor"] = lambda rule_id: f"rule-{rule_id}"
    return env


def render(kb: KnowledgeBase, lang: str = DEFAULT_LANG, fmt: str = "markdown") -> str:
    if fmt not in FORMATS:
        raise InputError("unknown_format", Location("--format"), format=fmt, available=", ".join(FORMATS))
    env = _env(kb, lang, html=fmt == "html")
    return env.get_template(FORMATS[fmt]).render(context(kb, lang)).strip() + "\n"
