"""YAML-level checks: syntax, duplicate keys, YAML 1.1 booleans, tabs, the editor's schema comment."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DiagnosticaError
from ..kb.sources import Source
from ..kb.yamlload import LoadedYaml, load_yaml
from .collect import Collector

SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)")


@dataclass(frozen=True)
class ReadFile:
    source: Source
    text: str
    doc: LoadedYaml | None  # None when the YAML could not be read
    unreadable: bool = False  # not even text (not UTF-8, no permission): ``text`` is a best-effort decoding


def read(source: Source, out: Collector) -> ReadFile:
    """Parse one file; problems go to ``out``, a YAML error leaves ``doc`` empty."""
    try:
        text = source.read()
    except DiagnosticaError as exc:
        out.add_error(exc)
        try:  # a stray byte: the rest of the text still tells which rule ids the file holds
            text = source.node.read_bytes().decode("utf-8", "replace")
        except OSError:
            text = ""
        return ReadFile(source, text, None, unreadable=True)
    _tabs(source.display, text, out)
    try:
        doc = load_yaml(text, source.display, fast=True)
    except DiagnosticaError as exc:
        out.add_error(exc)
        return ReadFile(source, text, None)
    for value in doc.yaml11_booleans:
        out.add(source.display, value.line, value.column, "warning", "yaml11-boolean", "yaml11_boolean",
                hint="yaml11_boolean_hint", value=str(value))
    return ReadFile(source, text, doc)


def _tabs(display: str, text: str, out: Collector) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        column = line.find("\t")
        if column >= 0:
            out.add(display, number, column + 1, "error" if not line[:column].strip() else "warning", "tab",
                    "tab", hint="tab_hint")


def schema_comment(file: ReadFile, schema_name: str, out: Collector) -> None:
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
