"""``diagnostica rules preview ID``: one rule's texts as the agent will read them."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .common import (
    FactOption,
    KbOption,
    LangOption,
    TextOrJsonOption,
    check_format,
    gather_facts,
    load_kb,
    rule_or_error,
    writers_dir,
)


def preview(
    rule_id: str = typer.Argument(..., metavar="ID", help="Id della regola, per esempio mx-invalid."),
    files: List[str] = typer.Option(None, "--facts", metavar="FILE", help="File di fatti YAML o JSON (ripetibile)."),
    fact: Optional[List[str]] = FactOption,
    fmt: str = TextOrJsonOption,
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
) -> int:
    """Mostra titolo, spiegazione e rimedio di una regola come li vedrà l'operatore.

    Senza --fact usa i valori di esempio (sample) del catalogo; se con quelli la regola
    non scatta, aggiunge i fatti del suo primo esempio in cui scatta.
    """
    from diagnostica.engine.inputs.jsonable import jsonable
    from diagnostica.engine.kb.texts import format_message
    from diagnostica.engine.lint import examples
    from diagnostica.engine.present.render import Renderer
    from diagnostica.engine.run.explain import needs


    check_format(fmt, ("text", "json"))
    kb = load_kb(writers_dir(kb_dir, lang))
    rule = rule_or_error(kb, rule_id)
    renderer = Renderer(kb, lang)
    text = lambda key, **p: format_message(key, lang, **p)  # noqa: E731
    if files or fact:
        facts = gather_facts(kb, files or [], fact).values
        origin = text("preview.from_options")
    else:
        facts = examples.sample_facts(kb)
        origin = text("preview.from_samples")
        if kb.evaluate(facts).outcomes.get(rule.id) is not True:
            for example in rule.examples:
                if example.expect == "fires":
                    facts = {**facts, **examples.example_facts(kb, example)}
                    origin = text("preview.from_example", example=example.name)
                    break
    result = kb.evaluate(facts)
    value = result.outcomes.get(rule.id)
    outcome = examples.OUTCOME[value]
    rendered = renderer.rule_text(rule.id, result.facts, result.outcomes)
    if fmt == "json":
        document = {"id": rule.id, "lang": lang, "outcome": outcome, "title": rendered.title,
                    "explanation": rendered.explanation, "remediation": rendered.remediation,
                    "errors": list(rendered.errors), "facts": jsonable(result.facts)}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return 1 if rendered.errors else 0
    missing = ", ".join(needs(kb, rule.id, result.facts)) if value is None else ""
    out = [f"{rendered.title}  [{rule.id}, {renderer.text(f'severity.{rule.severity}')}]", "",
           text(f"preview.outcome.{outcome}", needs=missing), ""]
    for part, body in (("report.explanation", rendered.explanation), ("report.remediation", rendered.remediation)):
        if body:
            out += [f"{renderer.text(part)}:", body, ""]
    out.append(f"{text('preview.facts')} ({origin}):")
    out += [f"  {name} = {renderer.value(result.facts[name], name)}" for name in sorted(result.facts)]
    sys.stdout.write("\n".join(out) + "\n")
    return 1 if rendered.errors else 0
