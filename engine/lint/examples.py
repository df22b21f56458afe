"""Rule examples as tests, and sample facts for previews and template checks.

An example (in a rule file, under ``examples:``) gives facts and the outcome
expected of its own rule: ``fires``, ``does-not-fire`` or ``undecided``, and
optionally fragments the rendered text must contain.  ``run`` checks them
all and never stops at the first failure.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from ..errors import DiagnosticaError, Location
from ..kb.catalogue import CoercionError
from ..kb.load import Example, KnowledgeBase, Rule
from ..kb.texts import bundled_texts

OUTCOME = {True: "fires", False: "does-not-fire", None: "undecided"}


@dataclass(frozen=True)
class ExampleResult:
    rule: str
    name: str
    location: Location
    expected: str
    got: str | None  # None when the example could not run (bad facts)
    missing: tuple[str, ...] = ()  # `contains` fragments not found in the text
    problem: str | None = None  # bad facts or a template that failed, already in words
    needs: tuple[str, ...] = ()  # for an undecided outcome: what was missing
    text: str = ""  # the rendered text, when fragments were checked

    @property
    def passed(self) -> bool:
        return self.problem is None and self.got == self.expected and not self.missing

    @property
    def title(self) -> str:
        return f"{self.rule} › {self.name}"

    def __repr__(self) -> str:
        state = "ok" if self.passed else f"FAIL expected {self.expected}, got {self.got}"
        return f"<ExampleResult {self.title} at {self.location}: {state}>"


def sample_facts(kb: KnowledgeBase) -> dict[str, Any]:
    """Every catalogue ``sample`` in canonical form (a sample that does not fit is skipped)."""
    facts = {}
    for name, fact in kb.catalogue.facts.items():
        if fact.sample is None:
            continue
        try:
            facts[name] = fact.coerce(fact.sample)
        except CoercionError:
            continue
    return facts


def example_facts(kb: KnowledgeBase, example: Example) -> dict[str, Any]:
    """The example's facts through the catalogue, as if a writer had put them in a file."""
    from ..inputs.facts import parse_facts_document

    return parse_facts_document(example.facts, example.location.file, kb.catalogue, kb.data).values


def iter_examples(kb: KnowledgeBase, pattern: str | None = None):
    """(rule, example) pairs in file order; ``pattern`` filters on "rule-id › name" (substring or glob)."""
    rules = sorted(kb.by_id.values(), key=lambda r: (r.location.file, r.location.line or 0))
    for rule in rules:
        for example in rule.examples:
            label = f"{rule.id} › {example.name}"
            if pattern and not (pattern.lower() in label.lower() or fnmatch.fnmatch(label, pattern)):
                continue
            yield rule, example


def outcome(kb: KnowledgeBase, rule: Rule, facts: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    """The rule's outcome and the known facts: the same evaluation as ``check`` (``KnowledgeBase.evaluate``)."""
    from ..run.load import compiled

    result = compiled(kb).evaluate(facts)
    return result.outcomes[rule.id], result.facts


def derive(kb: KnowledgeBase, facts: dict[str, Any]) -> dict[str, Any]:
    """Given and derived facts: the forward pass of ``evaluate`` without the explanations (much cheaper)."""
    known = dict(facts)
    for rule in kb.rules:
        if not rule.derives and not rule.derives_when_false:
            continue
        value = rule.condition.evaluate(known)
        if value is None:
            continue
        for name, fact_value in rule.derives if value else rule.derives_when_false:
            known.setdefault(name, fact_value)
    return known


def run_one(kb: KnowledgeBase, rule: Rule, example: Example, renderers: dict) -> ExampleResult:
    from ..present.render import Renderer
    from ..run.explain import needs

    base: dict[str, Any] = dict(rule=rule.id, name=example.name, location=example.location,
                                expected=example.expect)
    try:
        facts = example_facts(kb, example)
    except DiagnosticaError as exc:
        return ExampleResult(**base, got=None, problem=exc.render(bundled_texts(example.lang)))
    value, known = outcome(kb, rule, facts)
    got = OUTCOME[value]
    missing_facts = needs(kb, rule.id, known) if value is None else ()
    if not example.contains:
        return ExampleResult(**base, got=got, needs=missing_facts)
    try:
        renderer = renderers.get(example.lang) or renderers.setdefault(
            example.lang, Renderer(kb, example.lang))
    except DiagnosticaError as exc:
        return ExampleResult(**base, got=got, problem=exc.render(bundled_texts(example.lang)), needs=missing_facts)
    # The text may use facts derived by rules outside the closure: derive them all.
    text = renderer.rule_text(rule.id, derive(kb, facts))
    body = "\n".join((text.title, text.explanation, text.remediation))
    missing = tuple(f for f in example.contains if f not in body)
    problem = "; ".join(text.errors) or None
    return ExampleResult(**base, got=got, missing=missing, problem=problem, needs=missing_facts, text=body)


def run(kb: KnowledgeBase, pattern: str | None = None) -> list[ExampleResult]:
    renderers: dict = {}
    return [run_one(kb, rule, example, renderers) for rule, example in iter_examples(kb, pattern)]
