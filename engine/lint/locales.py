"""Every shipped locale has a title for each rule and a label and question for each fact."""
from __future__ import annotations

import re

from ..errors import DiagnosticaError
from ..kb.cached_texts import locale_messages
from ..kb.load import KnowledgeBase, SourceFile
from ..kb.texts import lookup, merge_message_files
from .collect import Collector

#: An unquoted «si»/«sì» as a whole value (``label: Si``, ``- sì``): YAML keeps it as text, but the facts
#: reader takes it for "yes" and a writer most likely meant «Sì»; YAML 1.1's own words (yes, no, on,
#: off...) are flagged for every file when it is read.
_YES_WORD = re.compile(r"^[ \t]*(?:-[ \t]+|[^#\s][^#]*?:[ \t]+)(?P<value>[sS][iIìÌ])[ \t]*(?:#.*)?$")


def check(kb: KnowledgeBase, out: Collector, read: dict[str, dict | None] | None = None) -> None:
    """``read``: each language's merged messages when the caller already parsed them (None: unreadable)."""
    directory = kb.directory
    for lang in directory.languages():
        folder = f"{directory.locales_display}/{lang}"
        try:  # the shape of each file (a list instead of a mapping, a text where a section belongs)
            locale_messages(directory.locale(lang), folder)  # what rendering reads: checked, or from the cache
        except DiagnosticaError as exc:
            if exc.code.startswith("messages_"):  # YAML errors: the YAML check already reported them
                out.add_error(exc, check_id="locale-shape")
            continue
        if read is not None and lang in read:
            messages = read[lang]
            if messages is None:
                continue  # the YAML check already reported it
        else:
            try:
                messages = merge_message_files(directory.locale(lang), folder)
            except DiagnosticaError:
                continue  # the YAML check already reported it
        for rule in sorted(kb.by_id.values(), key=lambda r: r.id):
            if not isinstance(lookup(messages, f"rules.{rule.id}.title"), str):
                out.add(rule.location.file, rule.location.line, rule.location.column, "warning",
                        "locale-missing-text", "no_title", hint="locale_hint", rule=rule.id, lang=lang,
                        folder=folder)
        facts_texts = messages.get("facts") if messages is not None else None
        texts = facts_texts if isinstance(facts_texts, dict) else {}
        for name, fact in kb.catalogue.facts.items():
            found = texts.get(name)
            entry = found if isinstance(found, dict) else {}
            wanted = ("label", "question") if fact.askable else ("label",)
            for part in wanted:
                if not isinstance(entry.get(part), str):
                    out.add(fact.file or "facts.yaml", fact.line, 1, "warning", "locale-missing-text",
                            f"no_fact_{part}", hint="locale_hint", name=name, lang=lang, folder=folder)


_BLOCK_START = re.compile(r"[:-][ \t]+[|>][-+0-9]*[ \t]*(?:#.*)?$")


def check_files(files: list[SourceFile], out: Collector) -> None:
    """Locale files: an unquoted «Si» is a yes/no word to other readers; ask for quotes (file:line).
    (A file that is not a mapping is reported by :func:`check`.)"""
    for file in files:
        if file.doc is None or not isinstance(file.doc.data, dict):
            continue  # the YAML error, or the shape, comes first
        block_indent = None  # inside a literal/folded text (``|``, ``>``): its lines are text, not values
        for number, line in enumerate(file.text.splitlines(), 1):
            indent = len(line) - len(line.lstrip(" "))
            if block_indent is not None and (not line.strip() or indent > block_indent):
                continue
            block_indent = indent if _BLOCK_START.search(line) else None
            match = _YES_WORD.match(line)
            if match:
                out.add(file.source.display, number, match.start("value") + 1, "warning", "yaml11-boolean",
                        "yes_word", hint="yes_word_hint", value=match.group("value"))


def merged(docs: list) -> dict:
    """The messages of parsed locale files, merged in order as ``merge_message_files`` does.

    The documents are left untouched: a mapping merged into is copied first.
    """
    result: dict = {}
    for doc in docs:
        if isinstance(doc, dict):  # a file of the wrong shape is reported by check()
            _merge(result, doc)
    return result


def _merge(target: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = dict(target[key])
            _merge(target[key], value)
        else:
            target[key] = value
