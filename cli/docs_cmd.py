"""``diagnostica rules docs``: the knowledge base as one guide to read (Markdown or one HTML page)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from diagnostica.engine import errors

from .common import KbOption, LangOption, load_kb, writers_dir


def docs(
    fmt: str = typer.Option("markdown", "--format", metavar="[markdown|html]", help="Formato: markdown o html (una sola pagina autonoma)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Scrive la guida in questo file invece che a video."),
    lang: str = LangOption,
    kb_dir: Optional[Path] = KbOption,
) -> int:
    """Genera la guida della base di conoscenza: errori, cause, rimedi, collegamenti, tabelle dei record."""
    from diagnostica.engine.lint import guide

    kb = load_kb(writers_dir(kb_dir, lang))
    text = guide.render(kb, lang, fmt)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise errors.InputError("cannot_write", errors.Location(str(out)), problem=exc.strerror or str(exc)) from None
    return 0
