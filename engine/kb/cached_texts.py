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
Within one process the merged messages are also kept in memory by the texts
alone, so a copy of the same locales in another folder is not parsed again.
"""
from __future__ import annotations

import functools
import pickle
import threading
from collections import OrderedDict
from typing import Any

from . import cache, cachekeys
from .sources import package_files
from .texts import DEFAULT_LANG, Messages, Texts, bundled_messages, merge_message_files

HEADER = b"diagnostica-messages-1"

#: Merged messages by their files' names and texts (the folder left out): a copy of a knowledge base in
#: another folder -- a writer's second checkout, the tests' and the mutation campaign's copies, linted
#: then tested then checked in one process -- has the same messages without parsing its files again.
#: Read-only to every caller, as ``bundled_messages`` already is; least recently used first.
_MERGED: OrderedDict[str, Messages] = OrderedDict()
_MAX_MERGED = 16
_MERGED_LOCK = threading.Lock()  # the web server renders from several threads


def _texts(folder: Any, prefix: str) -> list[tuple[str, str]]:
    """(name, text) of each ``*.yaml`` of ``folder``, in the order ``merge_message_files`` reads them."""
    if not folder.is_dir():
        return []
    nodes = sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name)
    return [(f"{prefix}{node.name}", node.read_text(encoding="utf-8")) for node in nodes]


def locale_messages(folder: Any, display: str) -> Messages:
    """The merged messages of one locale folder of a knowledge base, checked against the bundled Italian
    ones (as :func:`merge_message_files` with that reference), from the cache when nothing changed."""
    reference = package_files("diagnostica.locales") / DEFAULT_LANG
    try:
        own = _texts(folder, f"{display}/")
        # The bundled Italian checked against itself (every `check` in Italian): its files read once.
        same = str(folder) == str(reference)
        files = own + ([(f"reference:{name.rpartition('/')[2]}", text) for name, text in own] if same
                       else _texts(reference, "reference:"))
    except (OSError, UnicodeError):  # reading reports it, at its file
        files = None
    signed = cache.signing() if files is not None and cache.enabled() else None
    if signed is None or files is None:
        return merge_message_files(folder, display, bundled_messages(DEFAULT_LANG))
    place, secret = signed
    place_id = cachekeys.folder_id(f"messages:{folder}:{display}")
    name = f"messages-{place_id}-{cachekeys.content_id(*(part for file in files for part in file))}.pickle"
    # The same texts under any folder: the merged messages hold no file name (only an error would).
    same_texts = cachekeys.content_id(*(part for file, text in files for part in (file.rpartition("/")[2], text)))
    with _MERGED_LOCK:
        kept = _MERGED.get(same_texts)
        if kept is not None:
            _MERGED.move_to_end(same_texts)
    if kept is not None:
        if not (place / name).exists():  # this folder's own entry, for the next process
            _store(place, secret, name, place_id, kept)
        return kept
    payload = cache.read_signed(place, secret, name, HEADER)
    if payload is not None:
        try:
            found = pickle.loads(payload)  # authenticated above: written by this user's own runs
        except Exception:  # noqa: BLE001 - from an incompatible engine: a miss, never an error
            found = None
        if isinstance(found, dict):
            _keep(same_texts, found)
            return found
    if (str(folder), display) == (str(reference), f"locales/{DEFAULT_LANG}"):
        merged = bundled_messages(DEFAULT_LANG)  # the bundled Italian itself: read once, not twice
    else:
        merged = merge_message_files(folder, display, bundled_messages(DEFAULT_LANG))
    _keep(same_texts, merged)
    _store(place, secret, name, place_id, merged)
    return merged


def _store(place: Any, secret: bytes, name: str, place_id: str, merged: Messages) -> None:
    cache.replace_signed(place, secret, name, HEADER, pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL))


def _keep(key: str, merged: Messages) -> None:
    with _MERGED_LOCK:
        _MERGED[key] = merged
        while len(_MERGED) > _MAX_MERGED:
            _MERGED.popitem(last=False)


@functools.lru_cache(maxsize=8)
def bundled_texts(lang: str = DEFAULT_LANG) -> Texts:
    """``texts.bundled_texts`` (the tool's own words in ``lang``, then Italian), read through the cache
    (once per process, as ``texts.bundled_texts``: the installed files do not change under a run)."""
    folder = package_files("diagnostica.locales")
    langs = (lang,) if lang == DEFAULT_LANG else (lang, DEFAULT_LANG)
    return Texts(lang, tuple(locale_messages(folder / each, f"locales/{each}") for each in langs))


def format_message(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """``texts.format_message`` through the cache: for commands that print many messages (``rules lint``)."""
    return bundled_texts(lang).format(key, **params)
