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
still runs on every lint that reads a changed knowledge base: only the reading is kept.  A lint of exactly
the files the last one read (and the same language, engine and libraries) gets that lint's whole report
back instead (``Report``, below): nothing it could find would differ.

One entry per locales folder, in the folder of the
compiled knowledge bases (``kb.cache``: the user's own, HMAC-signed before pickle reads it); it holds only
what the last run read, so it never grows past the files that exist.  DIAGNOSTICA_NO_CACHE turns it off;
``benchmarks/lint_bench.py`` reports lint with an empty cache (cold) and a filled one (warm).
"""
from __future__ import annotations

import hashlib
import os
import pickle
from typing import Any

from ..kb import cache, cachekeys

HEADER = b"diagnostica-lint-1"


class Analyses:
    """The stored analyses of one locales folder: ``key``, then ``get`` and ``put``; ``save`` once at the end."""

    def __init__(self, place: str) -> None:
        self.folder = cache.trusted_directory() if cache.enabled() else None
        self.secret = cache.secret_key(self.folder) if self.folder is not None else None
        import jinja2  # here: a lint answered by ``Report`` never reads a template, nor imports Jinja

        folder_id = cachekeys.folder_id(f"lint:{place}")
        self.jinja = jinja2.__version__
        self.name = f"lint-{folder_id}-{cachekeys.content_id(self.jinja)}.pickle"
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
        return cachekeys.content_id(self.jinja, *parts)

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


# -- The whole report ---------------------------------------------------------------------------------------
#
# A lint is a function of the files of the knowledge base it reads (every file under ``rules/`` and
# ``locales/``), the tool's own words (the bundled locale files), the run's language and the code that runs
# (Python, the engine, Jinja, PyYAML).  When none of these changed since the last lint, its report is the
# same one: reading it back costs the listing and the bytes of ~160 files (a few milliseconds) where the
# checks cost a third of a second of CPU even with every template's reading kept (above) -- most of it
# rendering each template against the samples and examples.  A writer's next run, after an edit, is a miss
# and runs every check; so is anything this key could not see: a symbolic link (what it leads to may
# change without the tree changing) or a file that cannot be read (the full run reports it).

REPORT_HEADER = b"diagnostica-lint-report-1"
#: The libraries whose version changes what a lint says (parsing and compiling): their installed file.
_LIBRARIES = ("jinja2", "yaml")


def _tree(folder: Any, prefix: str, out: list[tuple[str, bytes]]) -> bool:
    """Every file below ``folder`` (name, bytes), sorted by name; False when one is a link or unreadable."""
    if isinstance(folder, (str, os.PathLike)):
        try:
            with os.scandir(os.fspath(folder)) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError:
            return False
        for entry in entries:
            if entry.name == "__pycache__":
                continue  # bytecode of the packages' __init__: never read by a lint
            if entry.is_symlink():
                return False
            if entry.is_dir():
                if not _tree(entry.path, f"{prefix}{entry.name}/", out):
                    return False
                continue
            try:
                with open(entry.path, "rb") as stream:
                    out.append((f"{prefix}{entry.name}", stream.read()))
            except OSError:
                return False
        return True
    try:  # a Traversable of another kind (a zip): no links there
        for node in sorted(folder.iterdir(), key=lambda n: n.name):
            if node.is_dir():
                if node.name != "__pycache__" and not _tree(node, f"{prefix}{node.name}/", out):
                    return False
            else:
                out.append((f"{prefix}{node.name}", node.read_bytes()))
    except OSError:
        return False
    return True


def _libraries() -> str:
    """Where each library's package is installed, with its size and time: another version, another key."""
    import importlib.util

    parts = []
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            info = os.stat(origin) if origin else None
        except OSError:
            info = None
        parts.append(f"{name}:{origin}:{info.st_size if info else ''}:{info.st_mtime_ns if info else ''}")
    return "|".join(parts)


class Report:
    """The stored report of one knowledge base in one language: ``get`` before the lint, ``put`` after.

    ``get`` is None on a miss, and always when the cache is off or the key could not be made."""

    def __init__(self, directory: Any, bundled_locales: Any, lang: str) -> None:
        self.name: str | None = None
        self.signed = cache.signing() if cache.enabled() else None
        if self.signed is None:
            return
        files: list[tuple[str, bytes]] = []
        parts = [("rules/", directory.rules), ("locales/", directory.locales)]
        if str(bundled_locales) != str(directory.locales):  # the tool's words, when not the same files
            parts.append(("tool:", bundled_locales))
        if not all(_tree(folder, prefix, files) for prefix, folder in parts):
            return
        digest = hashlib.blake2b(cachekeys.versions(), digest_size=16)
        for part in (lang, directory.rules_display, directory.locales_display, _libraries()):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(b"\0%d\0" % len(encoded) + encoded)
        for name, data in files:
            encoded = name.encode("utf-8", "surrogatepass")
            digest.update(b"\0%d\0%d\0" % (len(encoded), len(data)) + encoded)
            digest.update(data)
        place = cachekeys.folder_id(f"lint-report:{directory.rules}:{directory.locales}:{lang}")
        self.name = f"lintreport-{place}-{digest.hexdigest()}.pickle"

    def get(self) -> tuple | None:
        """(problems as field tuples, rules, files) of the last lint of exactly these files, or None."""
        if self.name is None or self.signed is None:
            return None
        payload = cache.read_signed(*self.signed, self.name, REPORT_HEADER)
        if payload is None:
            return None
        try:
            found = pickle.loads(payload)  # authenticated above: written by this user's own runs
        except Exception:  # noqa: BLE001 - from an incompatible engine: a miss, never an error
            return None
        return found if isinstance(found, tuple) and len(found) == 3 else None

    def put(self, problems: tuple[tuple, ...], rules: int, files: int) -> None:
        if self.name is None or self.signed is None:
            return
        payload = pickle.dumps((problems, rules, files), protocol=pickle.HIGHEST_PROTOCOL)
        cache.replace_signed(*self.signed, self.name, REPORT_HEADER, payload)  # and this folder's older one
