"""The checks of one lint run: the loader's one pass, then the checks only a writer needs.

``kb.load.examine`` reads every file, validates, compiles and cross-checks,
and hands back every problem it found with what it could build despite
them; the linter reports those problems as they are (their words, their
check ids) and adds its own checks to the same list: the style of the YAML,
sample values and example facts, conditions that can never be true, example
coverage, facts nothing uses, templates and locales.

Apart from ``linter`` (the driver) so that a lint answered by the report the last one kept
(``stored.Report``) imports none of this: the loader, Jinja and the checks are a fifth of the
command's start when nothing needs them.
"""
from __future__ import annotations

from ..errors import DiagnosticaError
from ..kb.catalogue import CoercionError
from ..kb.load import Reading, examine
from ..kb.sources import KnowledgeBaseDir, Source
from ..kb.yamlload import position
from . import locales, structure, templates
from .collect import Collector
from .stored import Analyses
from .yamlfiles import SourceFile, read, schema_comment, style


def run(directory: KnowledgeBaseDir, out: Collector, store: Analyses) -> tuple[int, int]:
    """Every check of ``directory``, into ``out``; (rules, files read)."""
    reading = examine(directory)
    tabbed = {(file.source.display, line) for file in reading.files
              for line, severity in style(file, out).items() if severity == "error"}
    for problem in reading.problems:
        where = problem.location
        if problem.code == "yaml_tab" and where is not None and (where.file, where.line) in tabbed:
            continue  # the tab check already told it, with what to do
        out.add_error(problem)
    locale_sources = _locale_sources(directory)
    locale_files = [read(s, out, store) for _, s in locale_sources]
    count = len(reading.files) + len(locale_files)
    for file in reading.files[:reading.rule_count]:
        schema_comment(file, "facts.schema.json" if file is reading.catalogue_file else "rules.schema.json", out)
    rules = reading.rules
    if reading.kb is None:
        return len(rules), count
    _samples(reading, out)
    _example_facts(reading, out)
    structure.never_true(rules, reading.kb.catalogue, out)
    structure.coverage(rules, out)
    structure.one_way_links(reading, out)
    # Templates and titles of every rule, compiled or not: a wrong condition does not hide them.
    texts_kb = reading.with_every_rule()
    assert texts_kb is not None  # there is a knowledge base: it holds every rule too
    refs = templates.check(texts_kb, reading.evaluable, out, reading.complete, store)
    if reading.complete:
        structure.unused_facts(rules, reading.kb.catalogue, refs, out)
    locales.check(texts_kb, out, _messages(locale_sources, locale_files))
    locales.check_files(locale_files, out)
    return len(rules), count


def _locale_sources(directory: KnowledgeBaseDir) -> list[tuple[str, Source]]:
    found = []
    for lang in directory.languages():
        folder = directory.locale(lang)
        for node in sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name):
            found.append((lang, Source(node, f"{directory.locales_display}/{lang}/{node.name}")))
    return found


def _messages(sources: list[tuple[str, Source]], files: list[SourceFile]) -> dict[str, dict | None]:
    """Each language's merged messages from the files already read (None when one could not be read)."""
    docs: dict[str, list | None] = {}
    for (lang, _), file in zip(sources, files):
        if file.doc is None:
            docs[lang] = None
            continue
        found = docs.setdefault(lang, [])
        if found is not None:
            found.append(file.doc.data)
    return {lang: None if found is None else locales.merged(found) for lang, found in docs.items()}


def _samples(reading: Reading, out: Collector) -> None:
    """Each fact's ``sample`` (what lint and preview render templates with) fits the fact's type."""
    file = reading.catalogue_file
    if reading.catalogue is None or file is None or file.doc is None:
        return
    for name, fact in reading.catalogue.facts.items():
        if fact.sample is None:
            continue
        try:
            fact.coerce(fact.sample)
        except CoercionError as exc:
            spec = file.doc.data["facts"][name]
            out.add(file.source.display, *position(spec, "sample"), "error", "bad-sample", "bad_sample",
                    name=name, problem=out.text(f"errors.{exc.code}", name=name, **exc.params))


def _example_facts(reading: Reading, out: Collector) -> None:
    """The facts of every example read as a facts file would be (a rule that did not compile included)."""
    from ..inputs.facts import parse_facts_document

    assert reading.catalogue is not None
    for item in reading.written:
        for example in item.spec.get("examples") or ():
            try:
                parse_facts_document(example["facts"], item.location.file, reading.catalogue, reading.data)
            except DiagnosticaError as exc:
                out.add_error(exc, check_id="example-facts",
                              prefix=out.text("lint.in_example", example=example["name"]))
