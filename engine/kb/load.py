"""Read a knowledge base in one pass that finds every problem, each at its file:line:column.

:func:`examine` reads every file, validates it against its schema, builds the
catalogue, compiles every rule (each test of a broken condition on its own, so
one typo does not hide the next) and checks what ties rules together
(duplicate ids, links, derive cycles).  It never stops at a problem: what can
still be built is built, and every problem is one record, a
:class:`DiagnosticaError` with its code, location, parameters and check id.
:func:`iter_problems` yields them (as jsonschema's ``iter_errors``);
:func:`read` raises them all together as :class:`KnowledgeBaseErrors`, or
returns the :class:`KnowledgeBase`; the linter adds its own checks to the
same stream.  The result is immutable and does no I/O when it evaluates
facts; ``run.load`` compiles it (and caches it).
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import pickle
import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Iterator, NamedTuple

from ..errors import DiagnosticaError, KnowledgeBaseError, KnowledgeBaseErrors, Location
from .catalogue import Catalogue, CoercionError, Fact, closest, secret_spellings
from .conditions import Any_, Compiler, Node
from .order import strongly_connected
from .schema import SchemaError, load_schema, violations
from .sources import KnowledgeBaseDir, Source
from .yamlload import LoadedYaml, load_yaml, position

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
RELATIONS = ("causes", "caused_by", "see_also")
DERIVES = ("derives", "derives_when_false")


class Example(NamedTuple):
    name: str
    facts: dict
    expect: str
    contains: tuple[str, ...]
    lang: str
    location: Location


class Condition:
    """A rule's compiled condition -- or, after a load from the cache, its pickled bytes until first asked for.

    Evaluating runs the generated code (``run.plan``); only explanations, the
    linter and the code generator read the condition trees.  Rebuilding every
    tree was about half the objects and half the time of a warm load of a
    large knowledge base, so the cache keeps each rule's tree as bytes, read
    on first use (the entry holding them was authenticated by ``kb.cache``).
    """

    __slots__ = ("_node", "_pickled")

    def __init__(self, node: Node | None = None, pickled: bytes | None = None) -> None:
        self._node = node
        self._pickled = pickled

    def get(self) -> Node:
        node = self._node
        if node is None:
            assert self._pickled is not None  # one of the two is always set
            node = self._node = pickle.loads(self._pickled)
            self._pickled = None
        return node

    def __reduce__(self) -> tuple:
        pickled = self._pickled if self._node is None else pickle.dumps(self._node, protocol=pickle.HIGHEST_PROTOCOL)
        return Condition, (None, pickled)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    when: Condition  # see ``condition``
    derives: tuple[tuple[str, Any], ...]
    derives_when_false: tuple[tuple[str, Any], ...]
    links: tuple[tuple[str, str], ...]
    explanation: str | None
    remediation: str | None
    examples: tuple[Example, ...]
    reads: frozenset[str]
    location: Location

    @property
    def condition(self) -> Node:
        """The compiled ``when`` of the rule."""
        return self.when.get()

    @property
    def is_finding(self) -> bool:
        return self.kind == "finding"

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.kind}/{self.severity} at {self.location}>"


class ParsedFiles:
    """The parsed YAML files of a knowledge base, read again from its folder on first use when not given.

    Evaluating never needs them (only tools that point into the YAML, such as
    ``rules show``), and they are most of the memory a large knowledge base
    holds after its load and the bulk of a cache entry: ``run.load`` lets them
    go.  A plain mutable holder, so the frozen :class:`KnowledgeBase` that
    refers to it stays frozen.
    """

    __slots__ = ("directory", "_loaded")

    def __init__(self, directory: KnowledgeBaseDir, loaded: tuple[LoadedYaml, ...] | None = None) -> None:
        self.directory = directory
        self._loaded = loaded

    def get(self) -> tuple[LoadedYaml, ...]:
        if self._loaded is None:
            every = self.directory.rule_sources() + self.directory.data_sources()
            self._loaded = tuple(load_yaml(source.read(), source.display, fast=True) for source in every)
        return self._loaded


@dataclass(frozen=True)
class KnowledgeBase:
    catalogue: Catalogue
    data: dict
    rules: tuple[Rule, ...]  # in evaluation order: a rule after those deriving what it reads
    directory: KnowledgeBaseDir
    by_id: dict[str, Rule] = field(repr=False)
    causes: dict[str, tuple[str, ...]] = field(repr=False)  # cause id -> consequence ids
    derived_by: dict[str, tuple[str, ...]] = field(repr=False)  # fact -> ids of rules deriving it
    parsed: ParsedFiles = field(repr=False, compare=False)  # see ``files``
    # The rules compiled for evaluation (compiled.Plan), built on first use or brought by the cache.
    compiled: Any = field(repr=False, default=None, compare=False)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {len(self.rules)} rules from {self.directory.rules_display}>"

    @property
    def files(self) -> tuple[LoadedYaml, ...]:
        """The parsed rule and data files (read again on first use after a cached or compiled load)."""
        return self.parsed.get()

    def caused_by(self, rule_id: str) -> tuple[str, ...]:
        """The rules that may cause ``rule_id``, in the order of ``causes``."""
        return self._causes_of.get(rule_id, ())

    # ``causes`` turned round once: every render of a rule's texts asks for its causes, and a scan of every
    # link per call made rendering all the findings of a large knowledge base quadratic.
    @functools.cached_property
    def _causes_of(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = {}
        for cause, effects in self.causes.items():
            for effect in dict.fromkeys(effects):
                index.setdefault(effect, []).append(cause)
        return {effect: tuple(causes) for effect, causes in index.items()}

    def plan(self) -> Any:
        """The compiled rules (``run.plan.Plan``): attached by ``run.load`` when the knowledge base is loaded."""
        if self.compiled is None:
            raise RuntimeError("knowledge base read but not compiled: load it with diagnostica.engine.run.load.load")
        return self.compiled

    # ``evaluate`` and ``fired`` are the compiled plan's generated drivers themselves, read by a getter
    # written in C: one evaluation is one Python call (no method of ours in between).  On a knowledge
    # base that is not compiled, the getter fails and ``__getattr__`` says why.
    fired = property(attrgetter("compiled.fired"), doc="""\
        ``fired(facts)``: ids of the rules that fire (findings and derivations alike), in evaluation order.

        The batch path: the same forward chaining as :meth:`evaluate`, without
        building a Result -- nothing to explain.  ``facts`` must hold canonical
        values (as ``Fact.coerce`` gives) and is not modified.""")
    evaluate = property(attrgetter("compiled.evaluate"), doc="""\
        ``evaluate(facts)``: the full ``run.result.Result`` of ``facts`` (see ``run.evaluate``); ``facts``
        is not modified.""")

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: ``evaluate``/``fired`` of a knowledge base not compiled.
        if name in ("evaluate", "fired"):
            self.plan()
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def fired_many(self, fact_sets: Any) -> Any:
        """:meth:`fired` of each fact set of an iterable, lazily (an iterator: memory stays flat)."""
        return self.plan().fired_many(fact_sets)

    def evaluate_many(self, fact_sets: Any) -> Any:
        """:meth:`evaluate` of each fact set of an iterable, lazily (an iterator: memory stays flat)."""
        return self.plan().evaluate_many(fact_sets)


@functools.lru_cache(maxsize=1)
def inverse_relations() -> dict[str, str]:
    """Link relations and their inverse, as the rules schema declares them (``x-inverse``)."""
    links = load_schema("rules.schema.json")["$defs"]["rule"]["properties"]["links"]["properties"]
    return {name: spec["x-inverse"] for name, spec in links.items() if "x-inverse" in spec}


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


@functools.lru_cache(maxsize=4)
def _validator(schema_name: str) -> Any:
    """One validator per schema for the whole process (building one resolves every $ref anew)."""
    import jsonschema

    return jsonschema.Draft202012Validator(_validation_schema(schema_name))


@functools.lru_cache(maxsize=4)
def _acceptor(schema_name: str) -> Any:
    """A fast yes/no check of a whole file against the same validation schema (fastjsonschema).

    jsonschema walks the schema anew for every value, about 0.25 s for 5,000 rules; fastjsonschema
    compiles the schema into Python (kept in the cache) and accepts a valid file about five times faster.
    It only ever *accepts*: a file it rejects goes through jsonschema's ``iter_errors``, which tells
    every problem in the words and places the writer knows.  ``use_default=False``: it must not write
    the schema's defaults into the document.  The schema is the one shipped file (no copy of it),
    read as draft 7, whose keywords are all it uses once conditions are left out.
    """
    from . import acceptor

    # A deep copy: fastjsonschema rewrites the references of the schema it is given in place, and the
    # validation schema shares its parts with the shipped one (``rules schema`` prints that one).  Only
    # asked for when the validator's code is not in the cache (``kb.acceptor``).
    return acceptor.validator(schema_name, lambda: validation_definition(schema_name))


def validation_definition(schema_name: str) -> dict:
    return copy.deepcopy({**_validation_schema(schema_name), "$schema": "http://json-schema.org/draft-07/schema#"})


def _accepted(document: Any, schema_name: str) -> bool:
    from .acceptor import Rejected

    try:
        _acceptor(schema_name)(document)
    except Rejected:
        return False
    return True


def schema_errors(document: Any, schema_name: str, source: str) -> list[SchemaError]:
    """Schema violations of one file, the most relevant per rule first, in the linter's words."""
    if _accepted(document, schema_name):
        return []
    # Conditions are checked by the compiler, which explains them better.
    errors = (e for e in _validator(schema_name).iter_errors(document) if "when" not in e.absolute_path)
    return [SchemaError(v, source) for v in violations(errors, document)]


def _where(source: str):
    def where(container: Any, key: Any) -> Location:
        line, column = position(container, key)
        return Location(source, line, column)

    return where


class SourceFile(NamedTuple):
    """One file of the knowledge base as read: its text, and its YAML when it could be parsed."""

    source: Source
    text: str
    doc: LoadedYaml | None  # None when the YAML could not be read
    unreadable: bool = False  # not even text (not UTF-8, no permission): ``text`` is a best-effort decoding


class Written(NamedTuple):
    """A rule as written (its YAML and where it starts), compiled when it could be."""

    id: str
    spec: Any
    location: Location
    rule: Rule | None


class Reading(NamedTuple):
    """What one pass over a knowledge base found: every problem, and what could be built despite them."""

    directory: KnowledgeBaseDir
    problems: tuple[DiagnosticaError, ...]
    files: tuple[SourceFile, ...]  # facts.yaml, the rule files, then the data files
    rule_count: int  # how many of ``files`` are facts.yaml and rule files
    catalogue: Catalogue | None
    data: dict
    written: tuple[Written, ...]  # every rule whose YAML fits the schema, compiled or not
    # The knowledge base of the rules that compiled (None without a catalogue); when rules conflict
    # (a cycle, a repeated id) it is partial: rules in file order, not meant for evaluation.
    kb: KnowledgeBase | None
    evaluable: bool  # no cycle and no repeated id: ``kb`` evaluates facts as a loaded one would
    complete: bool  # every rule of every file was read and compiled

    @property
    def catalogue_file(self) -> SourceFile | None:
        return self.files[0] if self.rule_count else None

    @property
    def rule_files(self) -> tuple[SourceFile, ...]:
        return self.files[1:self.rule_count]

    @property
    def data_files(self) -> tuple[SourceFile, ...]:
        return self.files[self.rule_count:]

    @property
    def rules(self) -> list[Rule]:
        return [w.rule for w in self.written if w.rule is not None]

    def with_every_rule(self) -> KnowledgeBase | None:
        """:attr:`kb` with every written rule in ``by_id``, compiled or not, for checks of texts only.

        A rule that did not compile stands in with a condition that is never
        true and nothing derived (``rules`` and the order are those of
        :attr:`kb`): its templates and titles are still checked, so one
        mistake in a condition does not hide the mistakes in its texts.
        """
        if self.kb is None:
            return None
        by_id = dict(self.kb.by_id)
        for item in self.written:
            if item.rule is None and item.id not in by_id:
                by_id[item.id] = _stand_in(item)
        return dataclasses.replace(self.kb, by_id=by_id)


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
        raise KnowledgeBaseError("kb_no_catalogue", Location(directory.rules_display), check_id="no-catalogue")
    every = sources + directory.data_sources()
    return sources, every, _texts(every)


def iter_problems(directory: KnowledgeBaseDir) -> Iterator[DiagnosticaError]:
    """Every problem of the knowledge base, each with its file:line:column and check id."""
    yield from examine(directory).problems


def read(directory: KnowledgeBaseDir, sources: list[Source] | None = None, every: list[Source] | None = None,
         texts: list[str] | None = None) -> KnowledgeBase:
    """Read and validate a knowledge base (every problem raised together); not compiled yet."""
    reading = examine(directory, sources, every, texts)
    if reading.problems or reading.kb is None:
        raise KnowledgeBaseErrors(list(reading.problems))
    return reading.kb


def examine(directory: KnowledgeBaseDir, sources: list[Source] | None = None, every: list[Source] | None = None,
            texts: list[str] | None = None) -> Reading:
    """The one pass: read, validate, build and cross-check; each step skips only what an earlier one broke.

    ``sources``, ``every`` and ``texts`` are :func:`source_texts`' answer when the caller has it already.
    """
    if sources is None or every is None:
        sources = directory.rule_sources()
        every = sources + directory.data_sources()
    problems: list[DiagnosticaError] = []
    given: list[str | None] = list(texts) if texts is not None else [None] * len(every)
    files = tuple(_read(source, problems, text) for source, text in zip(every, given))
    rule_count = len(sources)
    if not sources or sources[0].node.name != "facts.yaml":
        problems.append(KnowledgeBaseError("kb_no_catalogue", Location(directory.rules_display),
                                           check_id="no-catalogue"))
        return Reading(directory, tuple(problems), files, 0, None, {}, (), None, False, False)
    catalogue = _catalogue(files[0], problems)
    data = _merge_data([f.doc for f in files[rule_count:] if f.doc is not None], problems)
    written: list[Written] = []
    specs = 0
    for file in files[1:rule_count]:
        found, total = _rules(file, catalogue, data, problems)
        written += found
        specs += total
    if catalogue is None:
        return Reading(directory, tuple(problems), files, rule_count, None, data, tuple(written), None, False, False)
    kb, evaluable = _assemble(catalogue, data, written, _declared_ids(files[1:rule_count]), directory,
                              tuple(f.doc for f in files if f.doc is not None), problems)
    complete = (all(f.doc is not None for f in files[:rule_count]) and specs == len(written)
                and all(w.rule is not None for w in written) and len({w.id for w in written}) == len(written))
    return Reading(directory, tuple(problems), files, rule_count, catalogue, data, tuple(written), kb, evaluable,
                   complete)


def _read(source: Source, problems: list, text: str | None = None) -> SourceFile:
    try:
        text = source.read() if text is None else text
    except DiagnosticaError as exc:
        problems.append(exc)
        try:  # a stray byte: the rest of the text still tells which rule ids the file holds
            text = source.node.read_bytes().decode("utf-8", "replace")
        except OSError:
            text = ""
        return SourceFile(source, text, None, unreadable=True)
    try:
        return SourceFile(source, text, load_yaml(text, source.display, fast=True))
    except DiagnosticaError as exc:
        problems.append(exc)
        return SourceFile(source, text, None)


def _catalogue(file: SourceFile, problems: list) -> Catalogue | None:
    if file.doc is None:
        return None
    found = schema_errors(file.doc.data, "facts.schema.json", file.source.display)
    if found:
        problems += found
        return None
    doc = file.doc
    facts = {}
    for name, spec in doc.data["facts"].items():
        facts[name] = Fact(
            name=name, type=spec["type"], values=tuple(spec.get("values", ())),
            fields=tuple((k, v) for k, v in spec.get("fields", {}).items()),
            hostname=spec.get("hostname", False), cost=spec.get("cost", 5),
            askable=spec.get("askable", True), sample=spec.get("sample"),
            line=position(doc.data["facts"], name)[0], file=doc.file,
        )
    for name in list(facts):
        parent = _parent_fact(name, facts)
        if parent is not None:
            # Templates see facts nested (``facts.domain.expired``): a fact with a value cannot also hold
            # others.  Left out, so the rest of the knowledge base is still checked without it.
            head, _, rest = name[len(parent) + 1:].partition(".")
            problems.append(KnowledgeBaseError(
                "fact_nested_in_fact", Location(doc.file, *position(doc.data["facts"], name)), check_id="fact-name",
                name=name, parent=parent, type=facts[parent].type,
                alternative=f"{parent}_{head}" + (f".{rest}" if rest else "")))
            del facts[name]
    return Catalogue(facts, secret_spellings(tuple(doc.data.get("secret_names", ()))))


def _parent_fact(name: str, facts: dict[str, Fact]) -> str | None:
    """The nearest fact whose name ``name`` extends by one or more ``.part``, if any."""
    parts = name.split(".")
    for length in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:length])
        if parent in facts:
            return parent
    return None


def _merge_data(docs: list[LoadedYaml], problems: list) -> dict:
    data: dict = {}
    for doc in docs:
        if not isinstance(doc.data, dict):
            problems.append(KnowledgeBaseError("data_not_mapping", Location(doc.file, 1), check_id="data"))
            continue
        for key, value in doc.data.items():
            if key in data:
                where = Location(doc.file, *position(doc.data, key))
                problems.append(KnowledgeBaseError("data_duplicate", where, check_id="data", key=key))
            data[key] = value
    return data


def _rules(file: SourceFile, catalogue: Catalogue | None, data: dict, problems: list) -> tuple[list[Written], int]:
    """The rules of one file, and how many it holds; a rule that breaks the schema is left out."""
    if file.doc is None:
        return [], 0
    display = file.source.display
    found = schema_errors(file.doc.data, "rules.schema.json", display)
    problems += found
    specs = file.doc.data.get("rules") if isinstance(file.doc.data, dict) else None
    if not isinstance(specs, list):
        return [], 0
    paths = [error.violation.path.split("/") for error in found]
    if catalogue is None or any(path[0] != "rules" or len(path) < 2 for path in paths):
        return [], len(specs)
    broken = {path[1] for path in paths}
    compiler = Compiler(catalogue, data, display, _where(display))
    written = []
    for index, spec in enumerate(specs):
        if str(index) in broken:
            continue
        location = Location(display, *position(specs, index))
        written.append(Written(spec["id"], spec, location, _rule(spec, compiler, catalogue, location, problems)))
    return written, len(specs)


def _rule(spec: dict, compiler: Compiler, catalogue: Catalogue, location: Location, problems: list) -> Rule | None:
    """The compiled rule, or None when any part of it is wrong (every problem of it in ``problems``)."""
    before = len(problems)
    condition = _condition(spec, compiler, problems)
    derived = {key: _derived(spec, key, compiler, catalogue, problems) for key in DERIVES}
    if condition is None or len(problems) > before:
        return None
    links = tuple((rel, target) for rel in RELATIONS for target in spec.get("links", {}).get(rel, ()))
    examples = _examples(spec, location)
    return Rule(
        id=spec["id"], kind=spec.get("kind", "finding"), severity=spec.get("severity", "info"),
        when=Condition(condition), derives=derived["derives"], derives_when_false=derived["derives_when_false"],
        links=links, explanation=spec.get("explanation"), remediation=spec.get("remediation"),
        examples=examples, reads=frozenset(condition.facts()), location=location,
    )


def _examples(spec: dict, location: Location) -> tuple[Example, ...]:
    return tuple(
        Example(ex["name"], ex["facts"], ex["expect"], tuple(ex.get("contains", ())), ex.get("lang", "it"),
                Location(location.file, *position(spec["examples"], i)))
        for i, ex in enumerate(spec.get("examples", ()))
    )


def _stand_in(item: Written) -> Rule:
    """A rule that did not compile, as its texts see it: never true, deriving nothing."""
    spec = item.spec
    return Rule(
        id=item.id, kind=spec.get("kind", "finding"), severity=spec.get("severity", "info"), when=Condition(Any_([])),
        derives=(), derives_when_false=(), links=(), explanation=spec.get("explanation"),
        remediation=spec.get("remediation"), examples=_examples(spec, item.location), reads=frozenset(),
        location=item.location,
    )


def _condition(spec: dict, compiler: Compiler, problems: list) -> Node | None:
    """The compiled ``when``; when it is wrong, each of its tests compiled on its own to tell every mistake."""
    try:
        return compiler.compile(spec["when"], spec, "when")
    except KnowledgeBaseError as first:
        before = len(problems)
        for leaf, parent, key in _leaves(spec["when"], spec, "when"):
            try:
                compiler.compile(leaf, parent, key)
            except KnowledgeBaseError as exc:
                problems.append(exc)
        if len(problems) == before:  # the mistake is in how the tests are combined
            problems.append(first)
        return None


_JUNCTIONS = ("all", "any")


def _leaves(spec: Any, parent: Any, key: Any) -> Iterator[tuple[Any, Any, Any]]:
    """The tests of a condition, through every well-formed ``all``/``any``/``not``."""
    if isinstance(spec, dict) and len(spec) == 1:
        (head, inner), = spec.items()
        if head in _JUNCTIONS and isinstance(inner, list) and inner:
            for index, child in enumerate(inner):
                yield from _leaves(child, inner, index)
            return
        if head == "not":
            yield from _leaves(inner, spec, "not")
            return
    yield spec, parent, key


def _derived(spec: dict, key: str, compiler: Compiler, catalogue: Catalogue,
             problems: list) -> tuple[tuple[str, Any], ...]:
    pairs = []
    derived = spec.get(key) or {}
    for name, value in derived.items():
        if name not in catalogue:
            problems.append(compiler.error(derived, name, "unknown_fact", name=name,
                                           suggestion=closest(name, tuple(catalogue.facts))))
            continue
        try:
            pairs.append((name, catalogue[name].coerce(value)))
        except CoercionError as exc:
            problems.append(compiler.error(derived, name, exc.code, exc.check_id, **{"name": name, **exc.params}))
    return tuple(pairs)


_ID_LINE = re.compile(r"""^[ \t]*(?:-[ \t]+)?id[ \t]*:[ \t]*["']?([^"'\s#,}]+)""", re.MULTILINE)


def _declared_ids(files: tuple[SourceFile, ...]) -> set[str]:
    """Every rule id the files hold, compiled or not, so a link to a broken rule is not a second error.

    A file whose YAML cannot be read is scanned line by line for ``id:``
    (best effort: the YAML error is what the writer must fix first).
    """
    ids = set()
    for file in files:
        if file.doc is None:
            ids.update(_ID_LINE.findall(file.text))
        elif isinstance(file.doc.data, dict) and isinstance(file.doc.data.get("rules"), list):
            ids.update(spec["id"] for spec in file.doc.data["rules"]
                       if isinstance(spec, dict) and isinstance(spec.get("id"), str))
    return ids


def _assemble(catalogue: Catalogue, data: dict, written: list[Written], declared: set[str],
              directory: KnowledgeBaseDir, files: tuple, problems: list) -> tuple[KnowledgeBase, bool]:
    """Repeated ids, links, derived facts and the evaluation order; the knowledge base and whether it evaluates."""
    first: dict[str, Written] = {}
    repeated = False
    for item in written:
        if item.id in first:
            repeated = True
            where = Location(item.location.file, *position(item.spec, "id"))
            problems.append(KnowledgeBaseError("duplicate_rule", where, id=item.id,
                                               first=str(first[item.id].location)))
        first.setdefault(item.id, item)
    by_id = {rule_id: item.rule for rule_id, item in first.items() if item.rule is not None}
    causes: dict[str, set[str]] = {}
    for item in written:
        links = item.spec.get("links") or {}
        for relation in RELATIONS:
            targets = links.get(relation) or []
            for index, target in enumerate(targets):
                if target not in first and target not in declared:
                    problems.append(KnowledgeBaseError(
                        "unknown_rule", Location(item.location.file, *position(targets, index)),
                        check_id="unknown-link", id=target, relation=relation, rule=item.id,
                        suggestion=closest(target, set(first) | declared)))
                elif item.rule is None or target not in by_id:
                    continue  # a rule that did not compile: its own error is already reported
                elif relation == "causes":
                    causes.setdefault(item.id, set()).add(target)
                elif relation == "caused_by":
                    causes.setdefault(target, set()).add(item.id)
    derived_by: dict[str, list[str]] = {}
    for rule in by_id.values():
        for name, _ in rule.derives + rule.derives_when_false:
            if rule.id not in derived_by.setdefault(name, []):
                derived_by[name].append(rule.id)
    ordered = _evaluation_order(by_id, derived_by, problems)
    evaluable = ordered is not None and not repeated
    kb = KnowledgeBase(
        catalogue=catalogue, data=data, rules=tuple(ordered if ordered is not None else by_id.values()),
        directory=directory, by_id=by_id, causes={k: tuple(sorted(v)) for k, v in causes.items()},
        derived_by={k: tuple(v) for k, v in derived_by.items()}, parsed=ParsedFiles(directory, files),
    )
    return kb, evaluable


def _evaluation_order(by_id: dict[str, Rule], derived_by: dict[str, list[str]],
                      problems: list) -> list[Rule] | None:
    """Rules that derive a fact come before the rules reading it; None (and a problem per cycle) on a cycle."""
    edges = {rid: sorted({d for f in r.reads for d in derived_by.get(f, ())}) for rid, r in by_id.items()}
    groups = strongly_connected(edges)
    cyclic = False
    for group in groups:
        if len(group) == 1 and group[0] not in edges[group[0]]:
            continue
        cyclic = True  # a rule reading what it derives itself is a cycle of one
        members = sorted((by_id[g] for g in group), key=lambda r: (r.location.file, r.location.line or 0))
        loc = members[0].location
        problems.append(KnowledgeBaseError("derive_cycle", loc, rules=" -> ".join([r.id for r in members]
                                                                                  + [members[0].id])))
    return None if cyclic else [by_id[group[0]] for group in groups]
