"""Read a knowledge base: YAML validated, rules built and put in evaluation order.

The result, :class:`KnowledgeBase`, is immutable and does no I/O when it
evaluates facts; ``run.load`` compiles it (and caches it).  Every problem found while loading is collected and raised
together as :class:`KnowledgeBaseErrors`, each with its file:line.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..errors import DiagnosticaError, KnowledgeBaseError, KnowledgeBaseErrors, Location
from .catalogue import Catalogue, CoercionError, Fact, closest
from .conditions import Compiler, Node
from .schema import SchemaError, load_schema, violations
from .sources import KnowledgeBaseDir, Source
from .yamlload import LoadedYaml, load_yaml, position

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
RELATIONS = ("causes", "caused_by", "see_also")


@dataclass(frozen=True)
class Example:
    name: str
    facts: dict
    expect: str
    contains: tuple[str, ...]
    lang: str
    location: Location


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    condition: Node
    derives: tuple[tuple[str, Any], ...]
    derives_when_false: tuple[tuple[str, Any], ...]
    links: tuple[tuple[str, str], ...]
    explanation: str | None
    remediation: str | None
    examples: tuple[Example, ...]
    reads: frozenset[str]
    location: Location

    @property
    def is_finding(self) -> bool:
        return self.kind == "finding"

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.kind}/{self.severity} at {self.location}>"


class _LazyFiles:
    """``KnowledgeBase.files``: the parsed files, re-read on first use when the cache left them out.

    Evaluating never needs them (only tools that point into the YAML, such as
    ``rules show``), and they are the bulk of a cache entry.
    """

    def __get__(self, kb: Any, owner: Any = None) -> Any:
        if kb is None:
            return ()  # the dataclass default
        files = kb.__dict__.get("_files")
        if files is None:
            every = kb.directory.rule_sources() + kb.directory.data_sources()
            files = tuple(load_yaml(source.read(), source.display, fast=True) for source in every)
            kb.__dict__["_files"] = files
        return files

    def __set__(self, kb: Any, value: Any) -> None:
        kb.__dict__["_files"] = value


@dataclass(frozen=True)
class KnowledgeBase:
    catalogue: Catalogue
    data: dict
    rules: tuple[Rule, ...]  # in evaluation order: a rule after those deriving what it reads
    directory: KnowledgeBaseDir
    by_id: dict[str, Rule] = field(repr=False)
    causes: dict[str, tuple[str, ...]] = field(repr=False)  # cause id -> consequence ids
    derived_by: dict[str, tuple[str, ...]] = field(repr=False)  # fact -> ids of rules deriving it
    files: tuple[LoadedYaml, ...] = _LazyFiles()  # type: ignore[assignment]
    # The rules compiled for evaluation (compiled.Plan), built on first use or brought by the cache.
    compiled: Any = field(repr=False, default=None, compare=False)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {len(self.rules)} rules from {self.directory.rules_display}>"

    def caused_by(self, rule_id: str) -> tuple[str, ...]:
        return tuple(cause for cause, effects in self.causes.items() if rule_id in effects)

    def plan(self) -> Any:
        """The compiled rules (``run.plan.Plan``): attached by ``run.load`` when the knowledge base is loaded."""
        if self.compiled is None:
            raise RuntimeError("knowledge base read but not compiled: load it with diagnostica.engine.run.load.load")
        return self.compiled

    def fired(self, facts: dict) -> tuple[str, ...]:
        """Ids of the rules that fire (findings and derivations alike), in evaluation order.

        The batch path: the same forward chaining as :meth:`evaluate`, without
        building a Result -- nothing to explain.  ``facts`` must hold canonical
        values (as ``Fact.coerce`` gives) and is not modified.
        """
        return (self.compiled or self.plan()).fired(facts)

    def fired_many(self, fact_sets: Any) -> Any:
        """:meth:`fired` of each fact set of an iterable, lazily (a generator: memory stays flat)."""
        return (self.compiled or self.plan()).fired_many(fact_sets)

    def evaluate(self, facts: dict) -> Any:
        """The full ``run.result.Result`` of ``facts`` (see ``run.evaluate``)."""
        return (self.compiled or self.plan()).evaluate(self, facts)

    def evaluate_many(self, fact_sets: Any) -> Any:
        """:meth:`evaluate` of each fact set of an iterable, lazily (a generator: memory stays flat)."""
        return (self.compiled or self.plan()).evaluate_many(self, fact_sets)


@functools.lru_cache(maxsize=4)
def _validation_schema(name: str) -> dict:
    """The schema as validation uses it: conditions accepted as they are.

    Errors inside a ``when`` are dropped below (the compiler explains them
    better), and nothing outside a condition depends on its validity, so
    skipping the condition subschema reports the same errors -- while the
    recursive ``oneOf`` it holds was most of the time spent validating a
    large knowledge base.
    """
    schema = load_schema(name)
    defs = dict(schema.get("$defs", {}))
    if "condition" in defs:
        defs["condition"] = {}
    # With conditions out, nothing is recursive: inline every local reference,
    # which spares jsonschema a lookup per rule and per field (same errors).
    return _inline({**schema, "$defs": defs}, defs, ())


def _inline(node: Any, defs: dict, seen: tuple) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
        name = ref[len("#/$defs/"):]
        if name in defs and name not in seen:
            return _inline(defs[name], defs, seen + (name,))
    return {key: (value if key in ("$defs", "enum", "const") else _inline(value, defs, seen))
            for key, value in node.items()}


def schema_errors(document: Any, schema_name: str, source: str) -> list[KnowledgeBaseError]:
    """Schema violations of one file, the most relevant per rule first, in the linter's words."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_validation_schema(schema_name))
    # Conditions are checked by the compiler, which explains them better.
    errors = (e for e in validator.iter_errors(document) if "when" not in e.absolute_path)
    return [SchemaError(v, source) for v in violations(errors, document)]


def _where(source: str):
    def where(container: Any, key: Any) -> Location:
        line, column = position(container, key)
        return Location(source, line, column)

    return where


def _read(src: Source, problems: list, text: str | None = None) -> LoadedYaml | None:
    try:
        return load_yaml(src.read() if text is None else text, src.display, fast=True)
    except DiagnosticaError as exc:
        problems.append(exc)
        return None


def _texts(sources: list[Source]) -> list[str] | None:
    """Every file's text, or None when one cannot be read (the loader then reports it)."""
    try:
        return [source.read() for source in sources]
    except DiagnosticaError:
        return None


def source_texts(directory: KnowledgeBaseDir) -> tuple[list[Source], list[Source], list[str] | None]:
    """The rule sources (facts.yaml first), every source (rules then data) and their texts.

    The texts are None when a file cannot be read (:func:`read` then reports it at its place).
    """
    sources = directory.rule_sources()
    if not sources or sources[0].node.name != "facts.yaml":
        raise KnowledgeBaseError("kb_no_catalogue", Location(directory.rules_display))
    every = sources + directory.data_sources()
    return sources, every, _texts(every)


def read(directory: KnowledgeBaseDir, sources: list[Source], every: list[Source],
         texts: list[str] | None) -> KnowledgeBase:
    """Read and validate a knowledge base (every problem raised together); not compiled yet."""
    problems: list[DiagnosticaError] = []
    docs = [_read(s, problems, None if texts is None else t) for s, t in zip(every, texts or [None] * len(every))]
    loaded = [doc for doc in docs[:len(sources)] if doc is not None]
    data_docs = [doc for doc in docs[len(sources):] if doc is not None]
    if problems:
        raise KnowledgeBaseErrors(problems)

    catalogue_doc, rule_docs = loaded[0], loaded[1:]
    problems += schema_errors(catalogue_doc.data, "facts.schema.json", catalogue_doc.file)
    for doc in rule_docs:
        problems += schema_errors(doc.data, "rules.schema.json", doc.file)
    if problems:
        raise KnowledgeBaseErrors(problems)

    catalogue = _catalogue(catalogue_doc)
    data = _merge_data(data_docs, problems)
    rules = []
    for doc in rule_docs:
        compiler = Compiler(catalogue, data, doc.file, _where(doc.file))
        for index, spec in enumerate(doc.data["rules"]):
            try:
                rules.append(_rule(spec, compiler, catalogue, Location(doc.file, *position(doc.data["rules"], index))))
            except DiagnosticaError as exc:
                problems.append(exc)
    if problems:
        raise KnowledgeBaseErrors(problems)
    return _assemble(catalogue, data, rules, directory, tuple(loaded + data_docs))


def _catalogue(doc: LoadedYaml) -> Catalogue:
    facts = {}
    for name, spec in doc.data["facts"].items():
        facts[name] = Fact(
            name=name, type=spec["type"], values=tuple(spec.get("values", ())),
            fields=tuple((k, v) for k, v in spec.get("fields", {}).items()),
            hostname=spec.get("hostname", False), cost=spec.get("cost", 5),
            askable=spec.get("askable", True), sample=spec.get("sample"),
            line=position(doc.data["facts"], name)[0], file=doc.file,
        )
    return Catalogue(facts, tuple(w.lower() for w in doc.data.get("secret_names", ())))


def _merge_data(docs: list[LoadedYaml], problems: list) -> dict:
    data: dict = {}
    for doc in docs:
        if not isinstance(doc.data, dict):
            problems.append(KnowledgeBaseError("data_not_mapping", Location(doc.file, 1)))
            continue
        for key, value in doc.data.items():
            if key in data:
                where = Location(doc.file, *position(doc.data, key))
                problems.append(KnowledgeBaseError("data_duplicate", where, key=key))
            data[key] = value
    return data


def _rule(spec: dict, compiler: Compiler, catalogue: Catalogue, location: Location) -> Rule:
    condition = compiler.compile(spec["when"], spec, "when")
    derived = {}
    for key in ("derives", "derives_when_false"):
        pairs = []
        for name, value in spec.get(key, {}).items():
            if name not in catalogue:
                raise compiler.error(spec[key], name, "unknown_fact", name=name,
                                     suggestion=closest(name, catalogue.facts))
            try:
                pairs.append((name, catalogue[name].coerce(value)))
            except CoercionError as exc:
                raise compiler.error(spec[key], name, exc.code, **{"name": name, **exc.params}) from None
        derived[key] = tuple(pairs)
    links = tuple((rel, target) for rel in RELATIONS for target in spec.get("links", {}).get(rel, ()))
    examples = tuple(
        Example(ex["name"], ex["facts"], ex["expect"], tuple(ex.get("contains", ())), ex.get("lang", "it"),
                Location(location.file, *position(spec["examples"], i)))
        for i, ex in enumerate(spec.get("examples", ()))
    )
    return Rule(
        id=spec["id"], kind=spec.get("kind", "finding"), severity=spec.get("severity", "info"),
        condition=condition, derives=derived["derives"], derives_when_false=derived["derives_when_false"],
        links=links, explanation=spec.get("explanation"), remediation=spec.get("remediation"),
        examples=examples, reads=frozenset(condition.facts()), location=location,
    )


def _assemble(catalogue: Catalogue, data: dict, rules: list[Rule], directory: KnowledgeBaseDir,
              files: tuple) -> KnowledgeBase:
    problems: list[DiagnosticaError] = []
    by_id: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in by_id:
            problems.append(KnowledgeBaseError("duplicate_rule", rule.location, id=rule.id,
                                               first=str(by_id[rule.id].location)))
        by_id.setdefault(rule.id, rule)
    causes: dict[str, set[str]] = {}
    for rule in rules:
        for relation, target in rule.links:
            if target not in by_id:
                problems.append(KnowledgeBaseError("unknown_rule", rule.location, id=target, relation=relation,
                                                   rule=rule.id, suggestion=closest(target, by_id)))
            elif relation == "causes":
                causes.setdefault(rule.id, set()).add(target)
            elif relation == "caused_by":
                causes.setdefault(target, set()).add(rule.id)
    derived_by: dict[str, list[str]] = {}
    for rule in rules:
        for name, _ in rule.derives + rule.derives_when_false:
            if rule.id not in derived_by.setdefault(name, []):
                derived_by[name].append(rule.id)
    ordered = []
    try:
        ordered = _evaluation_order(rules, derived_by, by_id)
    except KnowledgeBaseError as exc:
        problems.append(exc)
    if problems:
        raise KnowledgeBaseErrors(problems)
    return KnowledgeBase(
        catalogue=catalogue, data=data, rules=tuple(ordered), directory=directory, by_id=by_id,
        causes={k: tuple(sorted(v)) for k, v in causes.items()},
        derived_by={k: tuple(v) for k, v in derived_by.items()}, files=files,
    )


def _evaluation_order(rules: list[Rule], derived_by: dict[str, list[str]], by_id: dict[str, Rule]) -> list[Rule]:
    """Rules that derive a fact come before the rules reading it; a cycle is an error."""
    depends = {r.id: {d for f in r.reads for d in derived_by.get(f, ()) if d != r.id} for r in rules}
    for rule in rules:  # a rule reading what it derives itself is a cycle of one
        if any(name in rule.reads for name, _ in rule.derives + rule.derives_when_false):
            raise KnowledgeBaseError("derive_cycle", rule.location, rules=rule.id)
    order, done, visiting = [], set(), []

    def visit(rule_id: str) -> None:
        if rule_id in done:
            return
        if rule_id in visiting:
            cycle = visiting[visiting.index(rule_id):] + [rule_id]
            raise KnowledgeBaseError("derive_cycle", by_id[rule_id].location, rules=" -> ".join(cycle))
        visiting.append(rule_id)
        for dep in sorted(depends[rule_id]):
            visit(dep)
        visiting.pop()
        done.add(rule_id)
        order.append(by_id[rule_id])

    for rule in rules:
        visit(rule.id)
    return order
