"""Facts in: files (YAML/JSON), `--fact NAME=VALUE`, the OVHcloud API's diagnosis JSON.

Every value goes through the catalogue, so a typo in a fact name, a wrong
type or an unknown enum value stops here with file, line and a hint.
Secret fields (passwords, tokens) are accepted and dropped at once: only
their key names are kept, so no later step can print them.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Iterator, Mapping, NamedTuple, Protocol, TypeAlias

from ..errors import InputError, Location
from ..kb.catalogue import Catalogue, CoercionError, Value, closest
from ..kb.yamlload import MAX_DEPTH, MAX_FACT_NODES, Text, load_yaml, position
from .redact import first_secret

#: A JSON document as ``json.loads`` gives it (a facts file, an API answer, what a report writes out):
#: its shape is checked where it is read.
JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"


@dataclass
class FactSet:
    """Facts gathered from one or more inputs, with the names of dropped secrets."""

    values: dict[str, Value] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # fact -> where it came from

    def update(self, other: "FactSet") -> None:
        self.values.update(other.values)
        self.secrets.extend(s for s in other.secrets if s not in self.secrets)
        self.sources.update(other.sources)


#: The start of each of Python's JSON complaints (English) -> its key in the locales' json.yaml.
_JSON_PROBLEMS = (("Expecting value", "expecting_value"), ("Expecting property name", "expecting_property_name"),
                  ("Expecting ','", "expecting_comma"), ("Expecting ':'", "expecting_colon"),
                  ("Unterminated string", "unterminated_string"),
                  ("Invalid control character", "invalid_control_character"),
                  ("Invalid \\uXXXX", "invalid_unicode_escape"), ("Invalid \\escape", "invalid_escape"),
                  ("Extra data", "extra_data"))


def json_problem(exc: json.JSONDecodeError) -> dict[str, str]:
    """A JSON syntax error's params: Python's words, and the key of the reader's own (errors.py looks it up)."""
    key = next((key for start, key in _JSON_PROBLEMS if exc.msg.startswith(start)), None)
    return {"problem": exc.msg, **({"problem_key": f"json_problems.{key}"} if key else {})}


def with_context(facts: FactSet, catalogue: Catalogue) -> FactSet:
    """The facts, plus those they imply (the domain of the account's address), each with its source."""
    from .context import derived

    for name, (value, origin) in derived(facts.values, catalogue).items():
        facts.values[name] = value
        facts.sources[name] = facts.sources.get(origin, origin)
    return facts


def api_mapping(data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """API field (or a merged fact's old name) -> {fact, invert}, from the data (rules/data/api.yaml)."""
    api = data.get("api_diagnosis")
    found: dict[str, dict[str, object]] = {}
    for section in (data.get("fact_aliases"), api.get("fields") if isinstance(api, dict) else None):
        if isinstance(section, dict):  # a section a writer retyped or emptied maps nothing
            found.update({str(k): v for k, v in section.items() if isinstance(v, dict)})
    return found


#: The largest input read (facts files, pastes, zone files, batch files), in bytes; ``--max-size`` changes it.
DEFAULT_MAX_SIZE = 10_000_000


def read_text(path: str, limit: int = DEFAULT_MAX_SIZE) -> tuple[str, str]:
    """The text of a file, or of stdin for ``-``; and the name to show in messages.

    Reading stops one byte past ``limit`` (``check /dev/zero`` must not fill the memory), and
    newlines are read as text mode would (``\\r\\n`` and ``\\r`` become ``\\n``).
    """
    display = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1)
        else:
            with open(path, "rb") as file:
                data = file.read(limit + 1)
        if len(data) > limit:
            raise InputError("input_too_large", Location(display), limit=limit)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return text.replace("\r\n", "\n").replace("\r", "\n"), display
    except FileNotFoundError:
        raise InputError("file_not_found", Location(path)) from None
    except IsADirectoryError:
        raise InputError("file_is_dir", Location(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError("not_utf8", Location(path), position=exc.start) from None
    except OSError as exc:
        raise InputError("cannot_read", Location(path), problem=exc.strerror or str(exc)) from None


class LineTooLong(NamedTuple):
    """Stands for an input line longer than the limit: what it held was skipped, not kept in memory."""

    limit: int


class Lines(Protocol):
    """A text stream read a line at a time (a file, standard input)."""

    def readline(self, size: int = -1, /) -> str: ...


def bounded_lines(stream: Lines, limit: int = DEFAULT_MAX_SIZE) -> Iterator[str | LineTooLong]:
    """The lines of a text stream read one at a time, none longer than ``limit`` characters kept.

    A batch is streamed (it may be larger than the memory), so the whole-file limit of
    :func:`read_text` cannot apply; a line without end (``/dev/zero``) must not fill the memory either.
    """
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith("\n"):
            while True:  # skip to the end of that line, a bounded piece at a time
                rest = stream.readline(limit + 1)
                if not rest or rest.endswith("\n"):
                    break
            yield LineTooLong(limit)
        else:
            yield line


def load_facts_file(path: str, catalogue: Catalogue, data: Mapping[str, object],
                    limit: int = DEFAULT_MAX_SIZE) -> FactSet:
    text, display = read_text(path, limit)
    return parse_facts_text(text, display, catalogue, data)


def parse_facts_text(text: str, display: str, catalogue: Catalogue, data: Mapping[str, object]) -> FactSet:
    """YAML or JSON (JSON is read by the same safe loader, so duplicate keys are caught too)."""
    if not text.strip():
        raise InputError("facts_empty", Location(display))
    try:
        # libyaml's fast path, as for the rules: what it does not take (an error, a bound, a YAML 1.1 trap
        # it cannot mark) the reference path reads and words; a 10,000-item list costs ~0.3 s less.
        document = load_yaml(text, display, fast=True, max_nodes=MAX_FACT_NODES).data
    except InputError as exc:
        # JSON that YAML cannot read (tabs, for instance): give it to the JSON parser.
        if exc.code in ("yaml_syntax", "yaml_tab") and text.lstrip().startswith(("{", "[")):
            document = _strict_json(text, display)
        else:
            raise
    if not isinstance(document, dict):
        raise InputError("facts_not_mapping", Location(display, getattr(document, "line", 1)))
    return parse_facts_document(document, display, catalogue, data)


def _strict_json(text: str, display: str) -> JSON:
    def no_duplicates(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
        result: dict[str, JSON] = {}
        for key, value in pairs:
            if key in result:
                raise InputError("json_duplicate_key", Location(display), key=key)
            result[key] = value
        return result

    try:
        document: JSON = json.loads(text, object_pairs_hook=no_duplicates)  # typeshed: Any
        return document
    except json.JSONDecodeError as exc:
        raise InputError("json_syntax", Location(display, exc.lineno, exc.colno), **json_problem(exc)) from None
    except RecursionError:
        raise InputError("yaml_too_deep", Location(display), limit=MAX_DEPTH) from None
    except ValueError:  # an integer past Python's 4,300 digits
        raise InputError("number_too_long", Location(display), limit=4000) from None


def parse_facts_document(document: Mapping[object, object], display: str, catalogue: Catalogue,
                         data: Mapping[str, object]) -> FactSet:
    facts = FactSet()
    api = api_mapping(data)
    seen: dict[str, str] = {}
    for key, value, container, raw_key in _flatten(document, catalogue):
        where = Location(display, *position(container, raw_key))
        if catalogue.is_secret(key):
            facts.secrets.append(key)
            continue
        if key in api:
            name, value = _from_api(api[key], value, where, catalogue)
        elif key in catalogue:
            name = key
        else:
            raise InputError("unknown_fact", where, name=key,
                             suggestion=closest(key, [*catalogue.facts, *api]))
        if name in seen:  # `account.locked` and `account: {locked}`, or a fact and its API field
            raise InputError("fact_given_twice", where, name=name, first=seen[name])
        seen[name] = str(where)
        facts.values[name] = coerce(catalogue, name, value, where)
        facts.sources[name] = display
    return facts


def _flatten(document: Mapping[object, object], catalogue: Catalogue,
             prefix: str = "") -> Iterator[tuple[str, object, Mapping[object, object], object]]:
    """Yield (dotted name, value, container, key): nested and dotted keys both work."""
    for raw_key, value in document.items():
        key = f"{prefix}{raw_key}"
        if key == "facts" and not prefix and isinstance(value, dict):
            yield from _flatten(value, catalogue, "")
        elif key not in catalogue and isinstance(value, dict) and not catalogue.is_secret(key):
            yield from _flatten(value, catalogue, key + ".")
        else:
            yield key, value, document, raw_key


def refusal(catalogue: Catalogue, code: str, where: Location, **params: object) -> InputError:
    """The error for a bad value; one holding a secret is named, never quoted ("the value of «password»")."""
    secret = first_secret(list(params.values()), catalogue.secret_names)
    if secret:
        return InputError("fact_secret_value", where, name=params.get("name", where.file), secret=secret)
    return InputError(code, where, check_id=None, **params)  # check_id named: no param stands for it


def _from_api(spec: Mapping[str, object], value: object, where: Location, catalogue: Catalogue) -> tuple[str, object]:
    name = spec.get("fact")
    if not isinstance(name, str) or name not in catalogue:  # rules/data/api.yaml names no known fact
        raise InputError("unknown_fact", where, name=str(name), suggestion=closest(str(name), catalogue.facts))
    if spec.get("invert"):
        if not isinstance(value, bool):
            raise refusal(catalogue, "fact_bad_bool", where, name=name, value=value)
        value = not value
    return name, value


def coerce(catalogue: Catalogue, name: str, value: object, where: Location) -> Value:
    fact = catalogue[name]
    if fact.type != "bool":
        # YAML 1.1 would have read an unquoted no/on/yes as a boolean: refuse to guess.
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, Text):
                raise refusal(catalogue, "fact_yaml11_bool", Location(where.file, item.line, item.column),
                              name=name, value=str(item))
    try:
        return catalogue[name].coerce(value)
    except CoercionError as exc:
        params = dict(exc.params)
        index, field = params.pop("index", None), params.get("field")
        if isinstance(index, int) and isinstance(value, list):  # point at the record, and its field
            item = value[index]
            line, column = position(item, field) if field and isinstance(item, dict) else position(value, index)
            if line is not None:
                where = Location(where.file, line, column)
            if field and exc.code in ("fact_bad_type", "fact_bad_host"):
                name = f"{name}[{index + 1}].{field}"
                del params["field"]
        raise refusal(catalogue, exc.code, where, name=name, **params) from None


def parse_fact_option(option: str, catalogue: Catalogue, data: Mapping[str, object]) -> FactSet:
    """``NAME=VALUE`` from the command line, typed by the catalogue."""
    where = Location("--fact")
    name, sep, raw = option.partition("=")
    name = name.strip()
    if not sep or not name:
        # Also a secret word glued to what follows (``passwordHunter2``): the option is not quoted back.
        secret = first_secret(option, catalogue.secret_names) or next(
            (word for word in catalogue.secret_names if word in option.lower()), None)
        if secret:
            raise InputError("fact_option_secret", where, secret=secret)
        raise InputError("fact_option_syntax", where, option=option)
    facts = FactSet()
    if catalogue.is_secret(name):
        facts.secrets.append(name)
        return facts
    api = api_mapping(data)
    value: object = raw
    if name in api:
        spec = api[name]
        fact = spec.get("fact")
        if not isinstance(fact, str) or fact not in catalogue:  # rules/data/api.yaml names no known fact
            raise InputError("unknown_fact", where, name=str(fact), suggestion=closest(str(fact), catalogue.facts))
        name = fact
        if spec.get("invert"):
            value = not coerce(catalogue, name, raw, where)
    elif name not in catalogue:
        raise InputError("unknown_fact", where, name=name, suggestion=closest(name, [*catalogue.facts, *api]))
    if catalogue[name].type == "records" and isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    facts.values[name] = coerce(catalogue, name, value, where)
    facts.sources[name] = "--fact"
    return facts
