"""Short texts (error messages, labels, questions) from locales/<lang>/messages.yaml."""
from __future__ import annotations

import functools
import string
from importlib import resources
from typing import Any

DEFAULT_LANG = "it"


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def merge_message_files(folder: Any, display: str) -> dict:
    """Every ``*.yaml`` of a locale folder, merged: messages.yaml plus one file per feature."""
    from .yamlload import load_yaml

    merged: dict = {}
    if not folder.is_dir():
        return merged
    for node in sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name):
        data = load_yaml(node.read_text(encoding="utf-8"), f"{display}/{node.name}", fast=True).data or {}
        _deep_merge(merged, data)
    return merged


def _deep_merge(target: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


@functools.lru_cache(maxsize=8)
def bundled_messages(lang: str) -> dict:
    """The bundled messages of ``lang`` (empty when the language is not shipped)."""
    return merge_message_files(resources.files("diagnostica.locales") / lang, f"locales/{lang}")


def lookup(messages: dict, key: str) -> Any:
    node: Any = messages
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def format_message(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The message ``key`` in ``lang``, falling back to Italian, then to the key itself."""
    for candidate in (lang, DEFAULT_LANG):
        text = lookup(bundled_messages(candidate), key)
        if isinstance(text, str):
            return string.Formatter().vformat(text, (), _Lenient(params))
    details = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{key} ({details})" if details else key
