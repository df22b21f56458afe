"""Every shipped locale has a title for each rule and a label and question for each fact."""
from __future__ import annotations

from ..errors import DiagnosticaError
from ..knowledge import KnowledgeBase
from ..messages import lookup, merge_message_files
from .collect import Collector


def check(kb: KnowledgeBase, out: Collector) -> None:
    directory = kb.directory
    for lang in directory.languages():
        folder = f"{directory.locales_display}/{lang}"
        try:
            messages = merge_message_files(directory.locale(lang), folder)
        except DiagnosticaError:
            continue  # the YAML check already reported it
        for rule in sorted(kb.by_id.values(), key=lambda r: r.id):
            if not isinstance(lookup(messages, f"rules.{rule.id}.title"), str):
                out.add(rule.location.file, rule.location.line, rule.location.column, "warning",
                        "locale-missing-text", "no_title", hint="locale_hint", rule=rule.id, lang=lang,
                        folder=folder)
        texts = messages.get("facts") if isinstance(messages.get("facts"), dict) else {}
        for name, fact in kb.catalogue.facts.items():
            entry = texts.get(name) if isinstance(texts.get(name), dict) else {}
            wanted = ("label", "question") if fact.askable else ("label",)
            for part in wanted:
                if not isinstance(entry.get(part), str):
                    out.add(fact.file or "facts.yaml", fact.line, 1, "warning", "locale-missing-text",
                            f"no_fact_{part}", hint="locale_hint", name=name, lang=lang, folder=folder)
