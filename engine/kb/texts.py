"""Short texts (error messages, labels, questions) from locales/<lang>/messages.yaml."""
from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from typing import NamedTuple, Protocol, TypeAlias

from ..errors import KnowledgeBaseError, Location
from .sources import package_files
from .yamlload import load_yaml, position

DEFAULT_LANG = "it"

#: A locale's messages as its files write them: sections of texts, and lists of texts (``ask.words.yes``).
Messages: TypeAlias = "dict[str, Message]"
Message: TypeAlias = "str | list[str] | Messages"


class _Lenient(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def merge_message_files(folder: Traversable, display: str, reference: Messages | None = None) -> Messages:
    """Every ``*.yaml`` of a locale folder, merged: messages.yaml plus one file per feature.

    Each file must be a mapping of texts; where ``reference`` (the bundled Italian messages) has a
    section, the file must have a section there too, and a text where it has a text: a locale file
    of the wrong shape is one clear error at its line, not a crash later when a text is looked up.
    """
    merged: Messages = {}
    if not folder.is_dir():
        return merged
    for node in sorted((n for n in folder.iterdir() if n.name.endswith(".yaml")), key=lambda n: n.name):
        file = f"{display}/{node.name}"
        data = load_yaml(node.read_text(encoding="utf-8"), file, fast=True).data
        if data is None:
            continue
        if not isinstance(data, dict):
            raise KnowledgeBaseError("messages_not_mapping", Location(file, 1, 1), got=type_word(data))
        _check_shape(data, reference, file, "")
        _deep_merge(merged, data)
    return merged


def type_word(value: object) -> str:
    """The kind of a YAML value, as a key of the ``types`` messages (never a Python class name)."""
    if value is None:
        return "null"
    for kind, name in ((bool, "bool"), (int, "integer"), (float, "number"), (str, "string"), (dict, "mapping"),
                       ((list, tuple), "list")):
        if isinstance(value, kind):
            return name
    return "string"


def _check_shape(data: Mapping[str, object], reference: object, file: str, prefix: str) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        model = reference.get(key) if isinstance(reference, dict) else None
        expected = "mapping" if isinstance(model, dict) else "list" if isinstance(model, list) else \
            "string" if isinstance(model, str) else None
        if isinstance(value, dict) and expected in (None, "mapping"):
            _check_shape(value, model, file, f"{name}.")
            continue
        if isinstance(value, str) and expected in (None, "string"):
            continue
        if isinstance(value, list) and expected in (None, "list") and all(isinstance(v, str) for v in value):
            continue
        line, column = position(data, key)
        raise KnowledgeBaseError("messages_bad_shape", Location(file, line, column), key=name,
                                 expected=expected or "string", got=type_word(value))


def _deep_merge(target: Messages, extra: Messages) -> None:
    for key, value in extra.items():
        inner = target.get(key)
        if isinstance(value, dict) and isinstance(inner, dict):
            _deep_merge(inner, value)
        else:
            target[key] = value


@functools.lru_cache(maxsize=8)
def bundled_messages(lang: str) -> Messages:
    """The bundled messages of ``lang`` (empty when the language is not shipped)."""
    reference = None if lang == DEFAULT_LANG else bundled_messages(DEFAULT_LANG)
    return merge_message_files(package_files("diagnostica.locales") / lang, f"locales/{lang}", reference)


def lookup(messages: Messages, key: str) -> Message | None:
    node: Message = messages
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Texts(NamedTuple):
    """The one message lookup: ``lang``'s messages, then Italian's, each layer a merged messages tree.

    A knowledge base given with ``--kb`` brings its own layers in front of the
    bundled ones (see ``Renderer``); errors are phrased through this too.
    """

    lang: str
    layers: tuple[Messages, ...]

    def get(self, key: str) -> Message | None:
        for layer in self.layers:
            value = lookup(layer, key)
            if value is not None:
                return value
        return None

    def word(self, key: str) -> str | None:
        value = self.get(key)
        return value if isinstance(value, str) else None

    def format(self, key: str, /, **params: object) -> str:
        """The message ``key`` with ``params`` filled in; the key itself (and its params) when no layer has it."""
        text = self.word(key)
        if text is not None:
            return string.Formatter().vformat(text, (), _Lenient(params))
        details = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
        return f"{key} ({details})" if details else key


@functools.lru_cache(maxsize=8)
def bundled_texts(lang: str = DEFAULT_LANG) -> Texts:
    """The bundled messages of ``lang``, falling back to Italian."""
    langs = (lang,) if lang == DEFAULT_LANG else (lang, DEFAULT_LANG)
    layers = tuple(bundled_messages(each) for each in langs)
    return Texts(lang, layers)


def format_message(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The bundled message ``key`` in ``lang`` (shorthand for ``bundled_texts(lang).format``)."""
    return bundled_texts(lang).format(key, **params)


class RuleWords(Protocol):
    """What a batch line needs of the locale (``present.render.Renderer`` is one): the messages its
    errors are phrased with and each rule's title.  Declared here so ``dns.batch`` and ``ovh.batch``
    depend on no presentation module."""

    @property
    def texts(self) -> Texts: ...

    def rule_title(self, rule_id: str, fallbacks: list[str] | None = None) -> str: ...
