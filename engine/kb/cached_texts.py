"""A knowledge base's locale messages, parsed from YAML only when their files change.

Reading a locale's twenty-odd message files with positions (and the bundled
Italian ones they are checked against) took about 25 ms, the largest share
of a short ``diagnostica check`` once the knowledge base came from its cache.
The merged messages depend only on the bytes of those files, so they are
kept in the folder of the compiled knowledge base (``kb.cache``: the user's
own, entries HMAC-signed before pickle reads them), keyed by every file's
name and exact text, the Python and the engine's own files; one entry per
locale folder, the older ones removed.  A file of the wrong shape is never
stored: it is read, and reported, every time.  Like Jinja's compiled
templates, they follow DIAGNOSTICA_NO_CACHE, not a command's ``--no-cache``
(which re-reads the rules): an entry is never stale, whatever it is keyed by.
"""
from __future__ import annotations

import functools
import pickle
from importlib import resources
from typing import Any

from . import cache, cachekeys
from .texts import DEFAULT_LANG, Messages, Texts, bundled_messages, merge_message_files

HEADER = b"diagnostica-messages-1"


def _texts(folder: Any, prefix: str) -> list[tuple[str, str]]:
    """(name, text) of each ``*.yaml`` of ``folder``, in the order ``merge_message_files`` reads them."""
    if not folder.is_dir():
        return []
    nodes = sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name)
    return [(f"{prefix}{node.name}", node.read_text(encoding="utf-8")) for node in nodes]


def locale_messages(folder: Any, display: str) -> Messages:
    """The merged messages of one locale folder of a knowledge base, checked against the bundled Italian
    ones (as :func:`merge_message_files` with that reference), from the cache when nothing changed."""
    reference = resources.files("diagnostica.locales") / DEFAULT_LANG
    try:
        files = _texts(folder, f"{display}/") + _texts(reference, "reference:")
    except (OSError, UnicodeError):  # reading reports it, at its file
        files = None
    place = cache.trusted_directory() if files is not None and cache.enabled() else None
    secret = cache.secret_key(place) if place is not None else None
    if place is None or secret is None or files is None:
        return merge_message_files(folder, display, bundled_messages(DEFAULT_LANG))
    place_id = cachekeys.folder_id(f"messages:{folder}:{display}")
    name = f"messages-{place_id}-{cachekeys.content_id(*(part for file in files for part in file))}.pickle"
    payload = cache.read_signed(place, secret, name, HEADER)
    if payload is not None:
        try:
            found = pickle.loads(payload)  # authenticated above: written by this user's own runs
        except Exception:  # noqa: BLE001 - from an incompatible engine: a miss, never an error
            found = None
        if isinstance(found, dict):
            return found
    if (str(folder), display) == (str(reference), f"locales/{DEFAULT_LANG}"):
        merged = bundled_messages(DEFAULT_LANG)  # the bundled Italian itself: read once, not twice
    else:
        merged = merge_message_files(folder, display, bundled_messages(DEFAULT_LANG))
    if cache.write_signed(place, secret, name, HEADER, pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL)):
        for old in place.glob(f"messages-{place_id}-*.pickle"):  # this folder's older texts
            if old.name != name:
                try:
                    old.unlink()
                except OSError:
                    pass
    return merged


@functools.lru_cache(maxsize=8)
def bundled_texts(lang: str = DEFAULT_LANG) -> Texts:
    """``texts.bundled_texts`` (the tool's own words in ``lang``, then Italian), read through the cache
    (once per process, as ``texts.bundled_texts``: the installed files do not change under a run)."""
    folder = resources.files("diagnostica.locales")
    langs = (lang,) if lang == DEFAULT_LANG else (lang, DEFAULT_LANG)
    return Texts(lang, tuple(locale_messages(folder / each, f"locales/{each}") for each in langs))


def format_message(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """``texts.format_message`` through the cache: for commands that print many messages (``rules lint``)."""
    return bundled_texts(lang).format(key, **params)
