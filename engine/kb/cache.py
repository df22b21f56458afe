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

Nothing is unpickled without proof it is ours.  The folder is created 0700
and used only when it is a real directory owned by the current user that
nobody else can write (a shared or CI cache, or one left by another user, is
skipped with one warning); each entry carries an HMAC-SHA256, keyed by a
random per-user key kept 0600 in that folder, over its name and bytes, and is
unpickled only when the HMAC matches.  A planted entry, a copy from elsewhere
or a swapped name is a miss.  The same folder, key and check serve Jinja's
compiled templates (``present.sandbox.signed_code_cache``).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import stat
import sys
import tempfile
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

FORMAT = b"diagnostica-kb-cache-2"  # 2: HMAC after the header
DISABLE_ENV = "DIAGNOSTICA_NO_CACHE"


def directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diagnostica"


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


KEY_FILE = "key"
_warned: set[str] = set()


def _warn_once(folder: Path, why: str) -> None:
    """One line on stderr per folder and process: the cache is skipped, the run goes on."""
    if str(folder) in _warned:
        return
    _warned.add(str(folder))
    try:
        from .texts import format_message

        print(f"diagnostica: {format_message(f'cache.{why}', folder=str(folder))}", file=sys.stderr)
    except Exception:  # noqa: BLE001 - a warning must never cost the run
        pass


def _ours(info: os.stat_result, private: int) -> bool:
    """Owned by us, and no permission bit in ``private`` (group/other write, or read too for the key)."""
    getuid = getattr(os, "getuid", None)
    return (getuid is None or info.st_uid == getuid()) and not info.st_mode & private


def trusted_directory() -> Path | None:
    """The cache folder, created 0700, or None when it cannot be trusted or created."""
    folder = directory()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        info = os.lstat(folder)
    except OSError:
        return None  # read-only home, full disk: no cache, same results
    if not stat.S_ISDIR(info.st_mode) or not _ours(info, 0o022):
        _warn_once(folder, "untrusted")
        return None
    return folder


def secret_key(folder: Path) -> bytes | None:
    """This user's HMAC key (32 random bytes, file 0600), created on first use; None if unusable."""
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        with os.fdopen(fd, "wb") as stream:
            stream.write(os.urandom(32))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            value = stream.read(64)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or not _ours(info, 0o077) or len(value) != 32:
        _warn_once(path, "untrusted")
        return None
    return value


def signing() -> tuple[Path, bytes] | None:
    """The trusted cache folder and this user's HMAC key, or None when either cannot be had (the
    caller decides whether the cache is wanted at all: ``enabled()``, ``--no-cache``)."""
    folder = trusted_directory()
    secret = secret_key(folder) if folder is not None else None
    return (folder, secret) if folder is not None and secret is not None else None


def _mac(secret: bytes, name: str, payload: bytes | memoryview) -> bytes:
    # The payload is fed as it is, not joined to the name: an entry of 5,000 rules is 3.5 MB, and each
    # copy of it costs a warm load milliseconds (more in a process with a large heap).
    mac = hmac.new(secret, name.encode() + b"\0", hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def read_signed(folder: Path, secret: bytes, name: str, header: bytes) -> memoryview | None:
    """The payload of entry ``name`` if its header and HMAC are right, else None: a view of the file's
    bytes, not a copy (``pickle.loads`` and ``marshal.loads`` read it as it is)."""
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    size = len(header) + 32
    if len(data) < size or not data.startswith(header):
        return None
    view = memoryview(data)
    tag, payload = view[len(header):size], view[size:]
    return payload if hmac.compare_digest(tag, _mac(secret, name, payload)) else None


def write_signed(folder: Path, secret: bytes, name: str, header: bytes, payload: bytes) -> bool:
    """Write entry ``name`` atomically (temporary file renamed over it); False if it could not be."""
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "wb") as stream:
            stream.write(header + _mac(secret, name, payload) + payload)
        os.replace(temp, folder / name)
        return True
    except OSError:
        return False
    finally:
        if temp is not None and os.path.exists(temp):
            try:
                os.unlink(temp)
            except OSError:
                pass


def replace_signed(folder: Path, secret: bytes, name: str, header: bytes, payload: bytes) -> bool:
    """:func:`write_signed`, then remove the older versions of the same thing: every entry is named
    ``<kind>-<place>-<content>.<ext>``, and the others of this kind, place and extension (another
    engine's, library's or text's) can never be read again.  One folder listing, matched by prefix."""
    if not write_signed(folder, secret, name, header, payload):
        return False
    group, extension = name.rpartition("-")[0] + "-", os.path.splitext(name)[1]
    try:
        names = os.listdir(folder)
    except OSError:
        return True
    for old in names:
        if old != name and old.startswith(group) and old.endswith(extension):
            try:
                os.unlink(folder / old)
            except OSError:
                pass
    return True


@functools.lru_cache(maxsize=1)
def _engine_fingerprint() -> bytes:
    """Size and modification time of the engine's modules and schemas: a new engine, a new key.

    Worked out once per process (about a hundred stat calls, a noticeable part of a warm load): the
    code this process runs is what it imported, so an engine changed on disk since then is not it.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # engine/, every subpackage included
    parts: list[str] = []
    # os.scandir, not Path.glob: the same files' sizes and times in a fifth of the time (no Path per file).
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(os.path.join(here, relative)) as found:
                entries = list(found)
        except OSError:
            continue
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(name)
                    continue
                if not (entry.name.endswith(".py") or (relative == "schemas" and entry.name.endswith(".json"))):
                    continue
                info = entry.stat()
            except OSError:
                continue
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(sorted(parts)).encode()


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


def _name(folder: str, content: str) -> str:
    return f"kb-{folder}-{content}.pickle"


def get(folder: str, content: str) -> Any | None:
    """The cached state for this key, or None (missing, untrusted, corrupt, planted: all the same)."""
    signed = signing()
    if signed is None:
        return None
    payload = read_signed(*signed, _name(folder, content), FORMAT)
    if payload is None:
        return None
    try:
        return pickle.loads(payload)  # authenticated above: written by this user's own runs
    except Exception:  # noqa: BLE001 - from an incompatible engine: a miss, never an error
        return None


def put(folder: str, content: str, state: Any) -> None:
    """Store ``state``; failures (read-only home, full disk, unpicklable node) only cost speed."""
    signed = signing()
    if signed is None:
        return
    try:
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001
        return
    replace_signed(*signed, _name(folder, content), FORMAT, payload)
