"""Checks across rules that only writers need: one-way links, conditions that can never be true,
facts nothing uses, example coverage (repeated ids, dangling links and cycles are the loader's)."""
from __future__ import annotations

from ..errors import Location
from ..kb.catalogue import Catalogue
from ..kb.load import RELATIONS, Reading, Rule, Written, inverse_relations
from ..kb.yamlload import position
from . import satisfiable
from .collect import Collector


def one_way_links(reading: Reading, out: Collector) -> None:
    """A link whose relation has an inverse (``causes``/``caused_by``) is written on both rules.

    Either side alone gives the engine the same link, so a one-sided one is
    no error; but a writer reading the other rule does not see it, and the
    two sides drift apart.  Only links between rules that are both written
    (and fit the schema) are checked: a link to a missing rule is reported
    by the loader.
    """
    inverse = inverse_relations()
    by_id: dict[str, Written] = {}
    for item in reading.written:
        by_id.setdefault(item.id, item)
    for item in reading.written:
        links = item.spec.get("links") or {}
        for relation in RELATIONS:
            back = inverse.get(relation)
            targets = links.get(relation) or []
            for index, target in enumerate(targets):
                other = by_id.get(target)
                if back is None or other is None or target == item.id:
                    continue
                if item.id in ((other.spec.get("links") or {}).get(back) or ()):
                    continue
                out.add(item.location.file, *position(targets, index), "warning", "one-way-link", "one_way_link",
                        hint="one_way_link_hint", rule=item.id, relation=relation, target=target, inverse=back,
                        where=_where_to_add(other, back))


def _where_to_add(rule: Written, relation: str) -> str:
    """Where the missing entry goes: the rule's list for ``relation``, its ``links:``, or the rule itself."""
    links = rule.spec.get("links")
    if isinstance(links, dict) and relation in links:
        container, key = links, relation
    elif isinstance(links, dict):
        container, key = rule.spec, "links"
    else:
        return str(rule.location)
    line, column = position(container, key)
    return str(Location(rule.location.file, line, column))


def never_true(rules: list[Rule], catalogue: Catalogue, out: Collector) -> None:
    for rule in rules:
        if not satisfiable.can_be_true(rule.condition, catalogue):
            loc = rule.location
            key = "never_fires" if rule.is_finding else "never_derives"
            out.add(loc.file, loc.line, loc.column, "error", "never-fires", key, hint="never_fires_hint",
                    rule=rule.id, facts=", ".join(satisfiable.contradictory_facts(rule.condition)))


def unused_facts(rules: list[Rule], catalogue: Catalogue, template_refs: set[str], out: Collector) -> None:
    used = set(template_refs)
    for rule in rules:
        used |= rule.reads
        used |= {name for name, _ in rule.derives + rule.derives_when_false}
    for name, fact in catalogue.facts.items():
        parts = name.split(".")
        if any(".".join(parts[:i]) in used for i in range(1, len(parts) + 1)):
            continue
        out.add(fact.file or "facts.yaml", fact.line, 1, "info", "unused-fact", "unused_fact",
                hint="unused_fact_hint", name=name)


def coverage(rules: list[Rule], out: Collector) -> None:
    for rule in rules:
        expected = {e.expect for e in rule.examples}
        loc = rule.location
        for outcome, key in (("fires", "coverage_fires"), ("does-not-fire", "coverage_not_fires")):
            if outcome not in expected:
                out.add(loc.file, loc.line, loc.column, "warning", "example-coverage", key,
                        hint="coverage_hint", rule=rule.id)
