"""YAML-level checks: YAML 1.1 booleans, tabs, the editor's schema comment (syntax is the loader's)."""
from __future__ import annotations

import re

from ..errors import DiagnosticaError
from ..kb.load import SourceFile
from ..kb.sources import Source
from ..kb.yamlload import LoadedYaml, load_yaml
from .collect import Collector
from .stored import Analyses

SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)")


def read(source: Source, out: Collector, store: Analyses | None = None) -> SourceFile:
    """Parse one file the loader does not read (a locale's messages); problems go to ``out``.  ``store``:
    what earlier runs parsed (a file parsed without an error is kept there, by its exact text)."""
    try:
        text = source.read()
    except DiagnosticaError as exc:
        out.add_error(exc)
        return SourceFile(source, "", None, unreadable=True)
    key = store.key("yaml", source.display, text) if store is not None else ""
    kept = store.get(key) if store is not None else None
    if isinstance(kept, LoadedYaml):
        file = SourceFile(source, text, kept)
    else:
        try:
            file = SourceFile(source, text, load_yaml(text, source.display, fast=True))
        except DiagnosticaError as exc:
            out.add_error(exc)
            file = SourceFile(source, text, None)
        else:
            if store is not None:
                store.put(key, file.doc)
    style(file, out)
    return file


def style(file: SourceFile, out: Collector) -> dict[int, str]:
    """Tabs and YAML 1.1 words of a file already read (its syntax errors are reported by whoever read it);
    returns the lines with a tab and the severity each was reported with."""
    if file.unreadable:
        return {}
    tabbed = _tabs(file.source.display, file.text, out)
    for value in file.doc.yaml11_booleans if file.doc is not None else ():
        out.add(file.source.display, value.line, value.column, "warning", "yaml11-boolean", "yaml11_boolean",
                hint="yaml11_boolean_hint", value=str(value))
    return tabbed


def _tabs(display: str, text: str, out: Collector) -> dict[int, str]:
    """Report every line with a tab (an error in the indentation, a warning after it); return line -> severity."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        column = line.find("\t")
        if column >= 0:
            found[number] = "error" if not line[:column].strip() else "warning"
            out.add(display, number, column + 1, found[number], "tab", "tab", hint="tab_hint")
    return found


def schema_comment(file: SourceFile, schema_name: str, out: Collector) -> None:
    """Rule files and the catalogue name their schema so editors validate as you type."""
    if file.unreadable:
        return  # the file's own error comes first
    first = file.text.lstrip("\ufeff").splitlines()[:1]
    match = SCHEMA_COMMENT.match(first[0]) if first else None
    expected = f"../engine/schemas/{schema_name}"
    if match is None:
        out.add(file.source.display, 1, 1, "warning", "schema-comment", "schema_comment_missing",
                hint="schema_comment_hint", path=expected)
    elif not match.group(1).endswith("/" + schema_name) and match.group(1) != schema_name:
        out.add(file.source.display, 1, match.start(1) + 1, "warning", "schema-comment", "schema_comment_wrong",
                hint="schema_comment_hint", target=match.group(1), path=expected, expected=schema_name)
