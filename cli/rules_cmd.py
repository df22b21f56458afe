"""``diagnostica rules ...``: look at the knowledge base."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .common import KbOption, LangOption, NoCacheOption, TextOrJsonOption, check_format, load_kb, rule_or_error

app = typer.Typer(help="Consulta e verifica la base di conoscenza.", no_args_is_help=True)


@app.command("list")
def list_rules(
    fmt: str = TextOrJsonOption,
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    no_cache: bool = NoCacheOption,
) -> int:
    """Elenca le regole: id, tipo, gravità, titolo e posizione."""
    from diagnostica.engine.present.render import Renderer
    from diagnostica.engine.present.rulelist import rule_rows

    check_format(fmt, ("text", "json"))
    kb = load_kb(kb_dir, no_cache)
    rows = rule_rows(kb, Renderer(kb, lang))
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        kind = row["severity"] if row["kind"] == "finding" else "derive"
        sys.stdout.write(f"{row['id']:<{width}}  {kind:<7}  {row['title']}\n")
    return 0


@app.command("show")
def show(
    rule_id: str = typer.Argument(..., metavar="ID", help="Id della regola, per esempio mx-invalid."),
    fmt: str = TextOrJsonOption,
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
    no_cache: bool = NoCacheOption,
) -> int:
    """Mostra una regola: condizione, collegamenti, fatti dedotti, testi ed esempi."""
    import yaml
    from diagnostica.engine.present.render import Renderer

    check_format(fmt, ("text", "json"))
    kb = load_kb(kb_dir, no_cache)
    rule = rule_or_error(kb, rule_id)
    renderer = Renderer(kb, lang)
    source = _source_spec(kb, rule)
    info = {
        "id": rule.id, "kind": rule.kind, "severity": rule.severity,
        "title": renderer.text(f"rules.{rule.id}.title"), "location": str(rule.location),
        "when": source.get("when"), "links": [{"relation": r, "id": t} for r, t in rule.links],
        "caused_by": list(kb.caused_by(rule.id)), "causes": list(kb.causes.get(rule.id, ())),
        "derives": dict(rule.derives), "derives_when_false": dict(rule.derives_when_false),
        "reads": sorted(rule.reads), "explanation": rule.explanation, "remediation": rule.remediation,
        "examples": [e.name for e in rule.examples],
    }
    if fmt == "json":
        sys.stdout.write(json.dumps(info, ensure_ascii=False, indent=2, default=str) + "\n")
        return 0
    plain = json.loads(json.dumps(info, default=str))
    sys.stdout.write(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=100))
    return 0


def _source_spec(kb, rule) -> dict:
    for doc in kb.files:
        if doc.file == rule.location.file and isinstance(doc.data, dict):
            for spec in doc.data.get("rules", ()):
                if spec.get("id") == rule.id:
                    return spec
    return {}


# The writers' toolkit: each command in its own module, registered here.
from . import lint_cmd, preview_cmd, schema_cmd  # noqa: E402

app.command("lint")(lint_cmd.lint)
app.command("test")(lint_cmd.test)
app.command("preview")(preview_cmd.preview)
app.command("schema")(schema_cmd.schema)
from . import docs_cmd  # noqa: E402

app.command("docs")(docs_cmd.docs)
