"""What earlier lint runs parsed, kept in the user's cache: parsing and compiling the templates is most of
a lint (about 0.5 s of CPU for the bundled knowledge base's 130), the locale files' YAML another 20 ms, and
a writer's next run changes a few files at most.

What is kept for a file is only what its text decides -- for a template the fact names it reads and
Jinja's compiled code (``templates``), for a locale file its parsed YAML with positions (``yamlfiles``) --
and only for a file read without a problem (one with a problem is read again on every run, so its report
is always made afresh, in the run's language).  Each is keyed by the file's exact text, its name and shown
path, how it is read (the Jinja environment's settings), the Jinja, Python and engine versions
(``kb.cachekeys``): an edited file, another Jinja or another engine is a miss, never a stale answer.

Every check -- rendering the templates against the samples and the examples, the locales, the rules --
still runs on every lint: only the reading is kept.  One entry per locales folder, in the folder of the
compiled knowledge bases (``kb.cache``: the user's own, HMAC-signed before pickle reads it); it holds only
what the last run read, so it never grows past the files that exist.  DIAGNOSTICA_NO_CACHE turns it off;
``benchmarks/lint_bench.py`` reports lint with an empty cache (cold) and a filled one (warm).
"""
from __future__ import annotations

import pickle
from typing import Any

import jinja2

from ..kb import cache, cachekeys

HEADER = b"diagnostica-lint-1"


class Analyses:
    """The stored analyses of one locales folder: ``key``, then ``get`` and ``put``; ``save`` once at the end."""

    def __init__(self, place: str) -> None:
        self.folder = cache.trusted_directory() if cache.enabled() else None
        self.secret = cache.secret_key(self.folder) if self.folder is not None else None
        folder_id = cachekeys.folder_id(f"lint:{place}")
        self.name = f"lint-{folder_id}-{cachekeys.content_id(jinja2.__version__)}.pickle"
        self.found: dict[str, Any] = self._read()
        self.used: dict[str, Any] = {}

    def _read(self) -> dict:
        if self.folder is None or self.secret is None:
            return {}
        payload = cache.read_signed(self.folder, self.secret, self.name, HEADER)
        if payload is None:
            return {}
        try:
            found = pickle.loads(payload)  # authenticated above: written by this user's own runs
        except Exception:  # noqa: BLE001 - from an incompatible engine: nothing stored, never an error
            return {}
        return found if isinstance(found, dict) else {}

    def key(self, *parts: Any) -> str:
        return cachekeys.content_id(jinja2.__version__, *parts)

    def get(self, key: str) -> Any | None:
        """What ``put`` stored under ``key`` in the last run (kept for the next one), else None."""
        value = self.found.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self.used[key] = value

    def save(self) -> None:
        """Keep this run's analyses (only when they differ from what was read); failures cost only speed."""
        if self.folder is None or self.secret is None or self.used == self.found:
            return
        payload = pickle.dumps(self.used, protocol=pickle.HIGHEST_PROTOCOL)
        cache.replace_signed(self.folder, self.secret, self.name, HEADER, payload)  # and another engine's or Jinja's
