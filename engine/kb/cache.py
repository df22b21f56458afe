"""A cache of compiled knowledge bases, so a knowledge base is parsed and validated only when it changes.

The key is a hash of every rule and data file's name and exact bytes, plus
the Python version and the engine's own files (size and modification time):
an edited rule, another Python or another engine gives another key, never a
stale knowledge base.  Entries live in ``$XDG_CACHE_HOME/diagnostica`` (or
``~/.cache/diagnostica``), one pickle per knowledge base folder; a new
entry replaces the folder's older ones.  Writes go to a temporary file
renamed over the entry (``os.replace`` is atomic), so concurrent runs read
either a whole entry or none.  Anything wrong with an entry -- truncated,
corrupt, from an incompatible version, unwritable folder -- is ignored: the
knowledge base is then loaded from its files, as without a cache.

The pickles are our own files in the user's own folder, written with the
user's permissions (0600): reading them trusts that folder as much as the
Python code installed in the user's home.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

FORMAT = b"diagnostica-kb-cache-1"
DISABLE_ENV = "DIAGNOSTICA_NO_CACHE"


def directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diagnostica"


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


def _engine_fingerprint() -> bytes:
    """Size and modification time of the engine's modules and schemas: a new engine, a new key."""
    here = Path(__file__).resolve().parent.parent  # engine/, every subpackage included
    parts = []
    for path in sorted([*here.glob("**/*.py"), *here.glob("schemas/*.json")]):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(here)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts).encode()


def key(place: str, files: list[tuple[str, str]]) -> tuple[str, str]:
    """(folder id, content id) for a knowledge base at ``place`` made of (name, text) files."""
    folder = hashlib.blake2b(place.encode(), digest_size=8).hexdigest()
    content = hashlib.blake2b(FORMAT, digest_size=16)
    content.update(MAGIC_NUMBER + sys.version.encode() + _engine_fingerprint())
    for name, text in files:
        encoded = text.encode("utf-8", "surrogatepass")
        content.update(b"\0%d\0%s\0%d\0" % (len(name), name.encode(), len(encoded)))
        content.update(encoded)
    return folder, content.hexdigest()


def _path(folder: str, content: str) -> Path:
    return directory() / f"kb-{folder}-{content}.pickle"


def get(folder: str, content: str) -> Any | None:
    """The cached state for this key, or None (missing, unreadable, corrupt: all the same)."""
    try:
        with open(_path(folder, content), "rb") as stream:
            if stream.read(len(FORMAT)) != FORMAT:
                return None
            return pickle.load(stream)
    except Exception:  # noqa: BLE001 - a bad entry is a miss, never an error
        return None


def put(folder: str, content: str, state: Any) -> None:
    """Store ``state`` atomically; failures (read-only home, unpicklable node) only cost speed."""
    target = _path(folder, content)
    temp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".kb-", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as stream:
            stream.write(FORMAT)
            pickle.dump(state, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, target)
        temp = None
        for old in target.parent.glob(f"kb-{folder}-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001
        pass
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
