"""Where a knowledge base lives: the bundled one, or a folder given with --kb.

Everything is read through ``importlib.resources`` Traversables, so the
bundled knowledge base works from a wheel, an editable install or a zip,
and never depends on the working directory.
"""
from __future__ import annotations

import functools
from importlib import machinery, resources
from importlib.resources.abc import Traversable
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, Location


class Source(NamedTuple):
    """One readable file and the name shown to people in messages."""

    node: Traversable
    display: str

    def read(self) -> str:
        try:
            return self.node.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not_utf8", Location(self.display), position=exc.start,
                             check_id="unreadable-file") from None
        except OSError as exc:
            raise InputError("cannot_read", Location(self.display), problem=exc.strerror or str(exc),
                             check_id="unreadable-file") from None


class KnowledgeBaseDir(NamedTuple):
    """The two halves of a knowledge base: rules (YAML) and locales (texts)."""

    rules: Traversable
    locales: Traversable
    rules_display: str
    locales_display: str

    def rule_sources(self) -> list[Source]:
        """facts.yaml first, then rule files in name order (data/ is separate)."""
        files = sorted(
            (n for n in self.rules.iterdir() if n.is_file() and n.name.endswith((".yaml", ".yml"))),
            key=lambda n: (n.name != "facts.yaml", n.name),
        )
        return [Source(n, f"{self.rules_display}/{n.name}") for n in files]

    def data_sources(self) -> list[Source]:
        data = self.rules / "data"
        if not data.is_dir():
            return []
        files = sorted((n for n in data.iterdir() if n.name.endswith((".yaml", ".yml"))), key=lambda n: n.name)
        return [Source(n, f"{self.rules_display}/data/{n.name}") for n in files]

    def locale(self, lang: str) -> Traversable:
        return self.locales / lang

    def languages(self) -> list[str]:
        return sorted(n.name for n in self.locales.iterdir() if n.is_dir() and not n.name.startswith(("_", ".")))


_FILE_READER = machinery.SourceFileLoader.get_resource_reader  # FileLoader's: Path(origin).parent


@functools.cache
def package_files(name: str) -> Traversable:
    """``importlib.resources.files(name)``: for a package in a folder on disk, the same ``Path`` it
    gives, without what it costs to get there (importing ``importlib.readers``, and with it ``zipfile``,
    then a reader object: 2-7 ms of a ``check`` that takes 0.25 s; three packages are asked for).
    A package from a zip or behind a loader of its own is asked of ``importlib.resources``."""
    spec = find_spec(name)
    loader = spec.loader if spec is not None else None
    if (spec is not None and spec.origin and spec.submodule_search_locations is not None
            and isinstance(loader, (machinery.SourceFileLoader, machinery.SourcelessFileLoader))
            and type(loader).get_resource_reader is _FILE_READER):
        return Path(spec.origin).parent
    return resources.files(name)


def bundled() -> KnowledgeBaseDir:
    return KnowledgeBaseDir(
        package_files("diagnostica.rules"), package_files("diagnostica.locales"), "rules", "locales"
    )


def enclosing(start: str | Path) -> Path | None:
    """The nearest folder, ``start`` or one above it, that holds both ``rules/`` and ``locales/`` (a
    knowledge base a writer is working in), or None."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / "rules").is_dir() and (folder / "locales").is_dir():
            return folder
    return None


def from_directory(path: str | Path) -> KnowledgeBaseDir:
    """A folder holding ``rules/`` and ``locales/`` (the repository root is one)."""
    root = Path(path)
    if not root.is_dir():
        raise InputError("kb_not_dir", Location(str(path)))
    rules, locales = root / "rules", root / "locales"
    for needed in (rules, locales):
        if not needed.is_dir():
            raise InputError("kb_missing_part", Location(str(path)), part=needed.name)
    return KnowledgeBaseDir(rules, locales, str(rules), str(locales))
