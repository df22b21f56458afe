"""``diagnostica rules lint`` and ``diagnostica rules test``: check a knowledge base as a writer would."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .common import LangOption, TextOrJsonOption, check_format, writers_dir

DirArgument = typer.Argument(None, metavar="DIR",
                             help="Cartella della base di conoscenza (con rules/ e locales/); predefinita: quella "
                                  "in cui ti trovi, se ne contiene una, altrimenti quella inclusa.")


def _directory(path: Optional[Path], lang: str):
    from diagnostica.engine.kb import sources

    found = writers_dir(path, lang)
    return sources.from_directory(found) if found else sources.bundled()


def lint(
    directory: Optional[Path] = DirArgument,
    fmt: str = typer.Option("text", "--format", metavar="[text|json|github]", help="Formato: text, json, github (annotazioni per GitHub Actions)."),
    lang: str = LangOption,
) -> int:
    """Controlla la base di conoscenza e riporta tutti i problemi, ciascuno con file:riga:colonna.

    Codici di uscita: 0 nessun problema, 1 problemi trovati, 2 cartella illeggibile.
    """
    from diagnostica.engine.kb.cached_texts import format_message  # the tool's words without their YAML
    from diagnostica.engine.lint import lint as run_lint

    check_format(fmt, FORMATS)
    report = run_lint(_directory(directory, lang), lang)
    sys.stdout.write(FORMATS[fmt](report, lambda key, **p: format_message(key, lang, **p)))
    return 1 if report.failed else 0


def _text(report, text) -> str:
    lines = []
    for problem in report.problems:
        lines.append(problem.line_text(text(f"lint.severity.{problem.severity}")))
        if problem.hint:
            lines.append(f"    {text('lint.hint')}: {problem.hint}")
    counts = dict(errors=report.count("error"), warnings=report.count("warning"), infos=report.count("info"),
                  rules=report.rules, files=report.files, problems=len(report.problems))
    if not report.problems:
        lines.append(text("lint.clean", **counts))
    elif not report.failed:
        lines.append(text("lint.clean_with_notes", **counts))
    else:
        lines.append(text("lint.summary", **counts))
    return "\n".join(lines) + "\n"


def _json(report, text) -> str:
    document = {
        "problems": [p.as_dict() for p in report.problems],
        "summary": {"errors": report.count("error"), "warnings": report.count("warning"),
                    "infos": report.count("info"), "rules": report.rules, "files": report.files,
                    "failed": report.failed},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _escape(value: str, properties: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if properties else value


def _github(report, text) -> str:
    """GitHub Actions workflow commands: each problem becomes an annotation on its line."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for p in report.problems:
        message = p.message + (f" ({p.hint})" if p.hint else "")
        lines.append(f"::{level[p.severity]} file={_escape(p.file, True)},line={p.line},col={p.column},"
                     f"title={_escape(p.check_id, True)}::{_escape(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


FORMATS = {"text": _text, "json": _json, "github": _github}


def test(
    directory: Optional[Path] = DirArgument,
    pattern: Optional[str] = typer.Option(None, "--filter", "-k", metavar="TESTO",
                                          help="Solo gli esempi il cui «id-regola › nome» contiene questo testo (o corrisponde al modello con * e ?)."),
    fmt: str = TextOrJsonOption,
    lang: str = LangOption,
) -> int:
    """Esegue gli esempi delle regole come prove e riporta ogni fallimento con file:riga.

    Codici di uscita: 0 tutti superati, 1 qualche esempio fallito, 2 base di conoscenza illeggibile.
    """
    from diagnostica.engine.kb.cached_texts import format_message  # the tool's words without their YAML
    from diagnostica.engine.lint import examples
    from diagnostica.engine.run import load as knowledge

    check_format(fmt, ("text", "json"))
    kb = knowledge.load(_directory(directory, lang))
    results = examples.run(kb, pattern)
    failed = [r for r in results if not r.passed]
    if fmt == "json":
        document = {"examples": [_result_dict(r) for r in results],
                    "summary": {"total": len(results), "passed": len(results) - len(failed), "failed": len(failed)}}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        text = lambda key, **p: format_message(key, lang, **p)  # noqa: E731
        if not results:
            sys.stdout.write(text("ruletest.none", filter=pattern or "*") + "\n")
            return 1
        out = [line for r in failed for line in _failure(r, text)]
        out.append(text("ruletest.summary", total=len(results), passed=len(results) - len(failed),
                        failed=len(failed)))
        sys.stdout.write("\n".join(out) + "\n")
    return 1 if failed or not results else 0


def _result_dict(r) -> dict:
    return {"rule": r.rule, "name": r.name, "file": r.location.file, "line": r.location.line,
            "column": r.location.column, "expected": r.expected, "got": r.got, "passed": r.passed,
            "missing": list(r.missing), "problem": r.problem, "needs": list(r.needs)}


def _failure(r, text) -> list[str]:
    lines = [f"{r.location}: {text('ruletest.fail')} {r.title}"]
    if r.got is None:
        lines.append(f"    {text('ruletest.problem')}: {r.problem}")
        return lines
    if r.got != r.expected:
        got = r.got + (f" ({text('ruletest.needs', needs=', '.join(r.needs))})" if r.needs else "")
        lines.append(f"    - {text('ruletest.expected')}: {r.expected}")
        lines.append(f"    + {text('ruletest.got')}: {got}")
    for fragment in r.missing:
        lines.append(f"    - {text('ruletest.missing', fragment=fragment)}")
    if r.missing:
        body = " ".join(r.text.split())
        lines.append(f"    + {text('ruletest.text')}: «{body[:160]}{'…' if len(body) > 160 else ''}»")
    if r.problem:
        lines.append(f"    {text('ruletest.problem')}: {r.problem}")
    return lines
