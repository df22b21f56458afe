"""Checks across rules: duplicate ids, dangling links, derived-fact cycles,
conditions that can never be true, facts nothing uses, example coverage."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Location
from ..kb.catalogue import Catalogue, closest
from ..kb.load import RELATIONS, Rule
from ..kb.yamlload import position
from . import satisfiable
from .collect import Collector


@dataclass(frozen=True)
class Written:
    """A rule as written (its YAML and where it starts), compiled when it could be."""

    id: str
    spec: Any
    location: Location
    rule: Rule | None


def duplicates_and_links(written: list[Written], out: Collector, declared: set[str] = frozenset()) -> None:
    """``declared``: ids of rules present in the files but not compiled (a schema or compile error, or
    a file that could not be read): their own error is already reported, so a link to them is no error."""
    first: dict[str, Written] = {}
    for item in written:
        if item.id in first:
            out.add(item.location.file, *position(item.spec, "id"), "error", "duplicate-rule", "duplicate_rule",
                    id=item.id, first=str(first[item.id].location))
        first.setdefault(item.id, item)
    for item in written:
        links = item.spec.get("links") or {}
        for relation in RELATIONS:
            targets = links.get(relation) or []
            for index, target in enumerate(targets):
                if target not in first and target not in declared:
                    suggestion = closest(target, set(first) | set(declared))
                    out.add(item.location.file, *position(targets, index), "error", "unknown-link",
                            "unknown_link", hint="did_you_mean" if suggestion else None,
                            hint_params={"suggestion": suggestion}, rule=item.id, relation=relation,
                            id=target)


def cycles(rules: list[Rule], out: Collector) -> bool:
    """Report each group of rules that derive facts from each other; True when there is one."""
    by_id = {}
    for rule in rules:
        by_id.setdefault(rule.id, rule)
    derived_by: dict[str, set[str]] = {}
    for rule in by_id.values():
        for name, _ in rule.derives + rule.derives_when_false:
            derived_by.setdefault(name, set()).add(rule.id)
    edges = {rid: sorted({d for f in r.reads for d in derived_by.get(f, ())}) for rid, r in by_id.items()}
    found = False
    for group in strongly_connected(edges):
        looped = len(group) > 1 or group[0] in edges[group[0]]
        if not looped:
            continue
        found = True
        members = sorted((by_id[g] for g in group), key=lambda r: (r.location.file, r.location.line or 0))
        path = " -> ".join([r.id for r in members] + [members[0].id])
        loc = members[0].location
        out.add(loc.file, loc.line, loc.column, "error", "derive-cycle", "derive_cycle", hint="derive_cycle_hint",
                rules=path)
    return found


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (knowledge bases can be large)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position_ = work.pop()
            if position_ == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            targets = edges.get(node, [])
            for i in range(position_, len(targets)):
                target = targets[i]
                if target not in index:
                    work.append((node, i + 1))
                    work.append((target, 0))
                    recurse = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recurse:
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


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
