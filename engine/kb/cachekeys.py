"""Keys for the cache entries kept beside the compiled knowledge bases (texts, lint's readings).

``kb.cache.key`` hashes the Python version and the engine's own files (their
sizes and modification times, about a hundred ``stat`` calls) into every key;
a lint asked for seven keys, a few milliseconds each.  Here that part is
computed once per process -- the code that runs does not change under it --
and each key adds its own parts to it.
"""
from __future__ import annotations

import functools
import hashlib

from . import cache


@functools.cache
def versions() -> bytes:
    """The Python and engine part of every key (``kb.cache.key`` of nothing), once per process."""
    return cache.key("", [])[1].encode()


def folder_id(place: str) -> str:
    """A short id for the folder an entry belongs to: a new entry replaces that folder's older ones."""
    return hashlib.blake2b(place.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def content_id(*parts: object) -> str:
    """A key over ``versions()`` and ``parts`` (texts, names, settings), each length-prefixed."""
    digest = hashlib.blake2b(versions(), digest_size=16)
    for part in parts:
        encoded = (part if isinstance(part, str) else repr(part)).encode("utf-8", "surrogatepass")
        digest.update(b"\0%d\0" % len(encoded))
        digest.update(encoded)
    return digest.hexdigest()
