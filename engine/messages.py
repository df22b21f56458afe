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


@functools.lru_cache(maxsize=8)
def bundled_messages(lang: str) -> dict:
    """The bundled message file of ``lang`` (empty when the language is not shipped)."""
    import yaml

    node = resources.files("diagnostica.locales") / lang / "messages.yaml"
    if not node.is_file():
        return {}
    return yaml.safe_load(node.read_text(encoding="utf-8")) or {}


def lookup(messages: dict, key: str) -> Any:
    node: Any = messages
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def format_message(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The message ``key`` in ``lang``, falling back to Italian, then to the key itself."""
    for candidate in (lang, DEFAULT_LANG):
        text = lookup(bundled_messages(candidate), key)
        if isinstance(text, str):
            return string.Formatter().vformat(text, (), _Lenient(params))
    details = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{key} ({details})" if details else key
