"""The words that mean yes and no: one list, the locales' (``ask.words.yes`` and ``ask.words.no`` in
``locales/<lang>/ask.yaml``), read for facts files and ``--fact`` values as for the answers of ``ask``.

A facts file means the same whatever language the output is in, so every bundled language's words
count (``sì``, ``yes``, ``vero``, ``true``, ``1`` ...).  Words are compared folded (see :mod:`.fold`).
"""
from __future__ import annotations

import functools

from .fold import fold
from .sources import package_files
from .yamlload import load_yaml


@functools.lru_cache(maxsize=1)
def words() -> tuple[frozenset[str], frozenset[str]]:
    """(the yes words, the no words) of every bundled language, folded."""
    yes: set[str] = set()
    no: set[str] = set()
    root = package_files("diagnostica.locales")
    for folder in sorted(root.iterdir(), key=lambda node: node.name):
        node = folder / "ask.yaml"
        if folder.name.startswith("_") or not node.is_file():
            continue
        data = load_yaml(node.read_text(encoding="utf-8"), f"locales/{folder.name}/ask.yaml", fast=True).data
        found = ((data or {}).get("ask") or {}).get("words") or {}
        yes.update(fold(str(word)) for word in found.get("yes") or ())
        no.update(fold(str(word)) for word in found.get("no") or ())
    return frozenset(yes), frozenset(no)


def meaning(text: str) -> bool | None:
    """True for a yes word, False for a no word, None for anything else."""
    yes, no = words()
    word = fold(text)
    return True if word in yes else False if word in no else None
