"""The linter's driver: the loader's steps, each collecting problems instead of raising.

The order follows ``knowledge.load``: read every YAML file, validate it
against its schema, build the catalogue, compile each rule (each test of a
condition on its own, so one typo does not hide the next), then the checks
across rules, the templates and the locales.  A step that cannot run
because an earlier one failed is skipped for that file or rule only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DiagnosticaError, KnowledgeBaseErrors, Location
from ..kb import load as knowledge
from ..kb import schema as schemamessages
from ..kb.catalogue import Catalogue, CoercionError, closest
from ..kb.conditions import Compiler
from ..kb.sources import KnowledgeBaseDir, Source, bundled
from ..kb.yamlload import position
from . import locales, schema, structure, templates
from .collect import Collector
from .problem import Problem
from .yamlfiles import ReadFile, read, schema_comment


@dataclass(frozen=True)
class LintReport:
    problems: tuple[Problem, ...]
    rules: int
    files: int

    @property
    def failed(self) -> bool:
        """Errors and warnings fail the lint; notes (info) do not."""
        return any(p.severity in ("error", "warning") for p in self.problems)

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)


def lint(directory: KnowledgeBaseDir | None = None, lang: str = "it") -> LintReport:
    directory = directory or bundled()
    out = Collector(lang)
    sources = directory.rule_sources()
    files = [read(s, out) for s in sources]
    data_files = [read(s, out) for s in directory.data_sources()]
    locale_sources = _locale_sources(directory)
    locale_files = [read(s, out) for _, s in locale_sources]
    count = len(files) + len(data_files) + len(locale_files)
    if not sources or sources[0].node.name != "facts.yaml":
        out.add_error(knowledge.KnowledgeBaseError("kb_no_catalogue", Location(directory.rules_display)))
        return LintReport(tuple(out.sorted()), 0, count)
    catalogue_file, rule_files = files[0], files[1:]
    for file in files:
        schema_comment(file, "facts.schema.json" if file is catalogue_file else "rules.schema.json", out)
    catalogue = _catalogue(catalogue_file, out)
    data = knowledge._merge_data([f.doc for f in data_files if f.doc is not None], errors := [])
    for exc in errors:
        out.add_error(exc)
    written = []
    for file in rule_files:
        written += _rules(file, catalogue, data, out)
    rules = [w.rule for w in written if w.rule is not None]
    # "Nothing uses it" is only true when every rule could be read and compiled.
    written_rules = sum(len(f.doc.data.get("rules") or []) for f in rule_files
                        if f.doc is not None and isinstance(f.doc.data, dict))
    complete = (len({w.id for w in written}) == len(written) and all(f.doc is not None for f in files)
                and len(rules) == written_rules)
    if catalogue is None:
        return LintReport(tuple(out.sorted()), len(rules), count)
    structure.duplicates_and_links(written, out, _declared_ids(rule_files))
    has_cycle = structure.cycles(rules, out)
    structure.never_true(rules, catalogue, out)
    structure.coverage(rules, out)
    kb, evaluable = _knowledge_base(catalogue, data, rules, directory, has_cycle)
    refs = templates.check(kb, evaluable, out, complete)
    if complete:
        structure.unused_facts(rules, catalogue, refs, out)
    locales.check(kb, out, _messages(locale_sources, locale_files))
    return LintReport(tuple(out.sorted()), len(rules), count)


_ID_LINE = re.compile(r"""^[ \t]*(?:-[ \t]+)?id[ \t]*:[ \t]*["']?([^"'\s#,}]+)""", re.MULTILINE)


def _declared_ids(files: list[ReadFile]) -> set[str]:
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


def _locale_sources(directory: KnowledgeBaseDir) -> list[tuple[str, Source]]:
    found = []
    for lang in directory.languages():
        folder = directory.locale(lang)
        for node in sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name):
            found.append((lang, Source(node, f"{directory.locales_display}/{lang}/{node.name}")))
    return found


def _messages(sources: list[tuple[str, Source]], files: list[ReadFile]) -> dict[str, dict | None]:
    """Each language's merged messages from the files already read (None when one could not be read)."""
    docs: dict[str, list | None] = {}
    for (lang, _), file in zip(sources, files):
        if file.doc is None:
            docs[lang] = None
        elif docs.setdefault(lang, []) is not None:
            docs[lang].append(file.doc.data)
    return {lang: None if found is None else locales.merged(found) for lang, found in docs.items()}


def _catalogue(file: ReadFile, out: Collector) -> Catalogue | None:
    if file.doc is None:
        return None
    found = schema.violations(file.doc.data, "facts.schema.json")
    _report(found, file.source.display, out)
    if found:
        return None
    catalogue = knowledge._catalogue(file.doc)
    for name, fact in catalogue.facts.items():
        if fact.sample is None:
            continue
        try:
            fact.coerce(fact.sample)
        except Exception as exc:  # noqa: BLE001 - CoercionError: a sample that does not fit its type
            spec = file.doc.data["facts"][name]
            out.add(file.source.display, *position(spec, "sample"), "error", "bad-sample", "bad_sample",
                    name=name, problem=out.text(f"errors.{getattr(exc, 'code', 'fact_bad_type')}", name=name,
                                                **getattr(exc, "params", {})))
    return catalogue


def _report(found: list, display: str, out: Collector) -> None:
    for v in found:
        out.add(display, v.line, v.column, "error", v.check_id, "schema_at", hint="did_you_mean" if v.suggestion
                else None, hint_params={"suggestion": v.suggestion},
                problem=schemamessages.message(v, out.texts), path=v.path)


def _rules(file: ReadFile, catalogue: Catalogue | None, data: dict, out: Collector) -> list[structure.Written]:
    if file.doc is None:
        return []
    found = schema.violations(file.doc.data, "rules.schema.json")
    _report(found, file.source.display, out)
    if not isinstance(file.doc.data, dict) or not isinstance(file.doc.data.get("rules"), list):
        return []
    broken = {v.path.split("/")[1] for v in found if v.path.startswith("rules/")}
    if any(not v.path.startswith("rules/") for v in found) or catalogue is None:
        return []
    display = file.source.display
    where = knowledge._where(display)
    written = []
    specs = file.doc.data["rules"]
    for index, spec in enumerate(specs):
        if str(index) in broken:
            continue
        compiler = Compiler(catalogue, data, display, where)
        location = Location(display, *position(specs, index))
        rule = None
        if _compile_parts(spec, compiler, catalogue, data, display, out):
            try:
                rule = knowledge._rule(spec, compiler, catalogue, location)
            except DiagnosticaError as exc:
                out.add_error(exc)
        written.append(structure.Written(spec["id"], spec, location, rule))
    return written


def _compile_parts(spec: dict, compiler: Compiler, catalogue: Catalogue, data: dict, display: str,
                   out: Collector) -> bool:
    """Compile each test and each derived fact on its own; report all their problems."""
    from ..inputs.facts import parse_facts_document

    ok = True
    for leaf, parent, key in _leaves(spec["when"], spec, "when"):
        try:
            compiler.compile(leaf, parent, key)
        except DiagnosticaError as exc:
            out.add_error(exc)
            ok = False
    for key in ("derives", "derives_when_false"):
        derived = spec.get(key) or {}
        for name, value in derived.items():
            if name not in catalogue:
                out.add_error(compiler.error(derived, name, "unknown_fact", name=name,
                                             suggestion=closest(name, catalogue.facts)))
                ok = False
                continue
            try:
                catalogue[name].coerce(value)
            except CoercionError as exc:
                out.add_error(compiler.error(derived, name, exc.code, **{"name": name, **exc.params}))
                ok = False
    for example in spec.get("examples") or ():
        try:
            parse_facts_document(example["facts"], display, catalogue, data)
        except DiagnosticaError as exc:
            out.add_error(exc, check_id="example-facts",
                          prefix=out.text("lint.in_example", example=example["name"]))
    return ok


def _leaves(spec, parent, key):
    if isinstance(spec, dict) and "all" in spec:
        for i, child in enumerate(spec["all"]):
            yield from _leaves(child, spec["all"], i)
    elif isinstance(spec, dict) and "any" in spec:
        for i, child in enumerate(spec["any"]):
            yield from _leaves(child, spec["any"], i)
    elif isinstance(spec, dict) and "not" in spec:
        yield from _leaves(spec["not"], spec, "not")
    else:
        yield spec, parent, key


def _knowledge_base(catalogue, data, rules, directory, has_cycle):
    """The assembled knowledge base, or a partial one (for templates only) when rules conflict."""
    if not has_cycle:
        try:
            return knowledge._assemble(catalogue, data, rules, directory, ()), True
        except KnowledgeBaseErrors:
            pass
    by_id: dict = {}
    for rule in rules:
        by_id.setdefault(rule.id, rule)
    return knowledge.KnowledgeBase(catalogue=catalogue, data=data, rules=tuple(by_id.values()),
                                   directory=directory, by_id=by_id, causes={}, derived_by={}), False
