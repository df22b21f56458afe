"""The fact catalogue: what can be known about an account, and of which type.

Values enter the engine only through :meth:`Fact.coerce`, so every rule sees
host names lower-cased without their final dot, integers as ``int`` and
records with typed fields, whatever file or option they came from.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, NamedTuple, cast

from .texts import type_word

#: One record of a ``records`` fact (an MX, an SRV...): its fields as text, host name or integer.
Record = dict[str, str | int]
#: A fact's value in canonical form, as every rule and template sees it.
Value = bool | int | str | tuple[str, ...] | tuple[Record, ...]


class CoercionError(ValueError):
    """A value that does not fit its fact; ``code`` names the message, ``check_id`` the linter's check."""

    def __init__(self, code: str, *, check_id: str = "type-mismatch", **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.check_id = check_id
        self.params = params


_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.?$")  # \w: Unicode letters too, for IDN names


def normalize_host(name: str) -> str:
    """Host names compare case-insensitively, with or without the final dot."""
    return name.strip().rstrip(".").lower()


def checked_host(name: str) -> str:
    """A host name as given by a person, normalized; CoercionError if it cannot be one."""
    if not _HOST.match(name.strip()):
        raise CoercionError("fact_bad_host", value=name)
    return normalize_host(name)


class Fact(NamedTuple):
    name: str
    type: str
    values: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    hostname: bool = False
    cost: int = 5
    askable: bool = True
    sample: object = None  # as facts.yaml writes it: coerce() makes it a Value
    line: int | None = None
    file: str | None = None

    def coerce(self, value: object) -> Value:
        """Return the value in canonical form or raise :class:`CoercionError`."""
        kind = self.type
        if kind == "bool":
            return _to_bool(value)
        if kind == "integer":
            return _to_int(value)
        if kind == "string":
            text = _to_text(value)
            return checked_host(text) if self.hostname else text
        if kind == "enum":
            text = _to_text(value).strip()
            if text not in self.values:
                raise CoercionError("fact_bad_enum", check_id="enum-value", value=text, allowed=", ".join(self.values),
                                    suggestion=closest(text, self.values))
            return text
        if kind == "list":
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, list):
                raise CoercionError("fact_bad_type", expected="list", got=_type_name(value))
            _short_enough(items)
            texts = [_to_text(item).strip() for item in items]
            texts = [t for t in texts if t] if isinstance(value, str) else texts
            return tuple(checked_host(t) for t in texts) if self.hostname else tuple(texts)
        if kind == "records":
            if not isinstance(value, list):
                raise CoercionError("fact_bad_type", expected="records", got=_type_name(value))
            _short_enough(value)
            records = []
            for index, item in enumerate(value):
                try:
                    records.append(self._record(item))
                except CoercionError as exc:
                    exc.params.setdefault("index", index)
                    raise
            return tuple(records)
        raise CoercionError("fact_bad_type", expected=kind, got=_type_name(value))

    def _record(self, item: object) -> Record:
        if isinstance(item, str):  # "0 0 443 ex2.mail.ovh.net", as zone files write SRV data
            parts = item.split()
            if len(parts) != len(self.fields):
                raise CoercionError("fact_bad_record", value=item, fields=" ".join(n for n, _ in self.fields))
            item = dict(zip((n for n, _ in self.fields), parts))
        if not isinstance(item, dict):
            raise CoercionError("fact_bad_type", expected="record", got=_type_name(item))
        known = dict(self.fields)
        unknown = sorted(set(item) - set(known))
        if unknown:
            raise CoercionError("fact_bad_record_field", field=unknown[0], fields=", ".join(known))
        record: Record = {}
        for field_name, field_type in self.fields:
            if field_name not in item:
                raise CoercionError("fact_missing_record_field", field=field_name)
            raw = item[field_name]
            try:
                if field_type == "integer":
                    record[field_name] = _to_int(raw)
                elif field_type == "hostname":
                    record[field_name] = checked_host(_to_text(raw))
                else:
                    record[field_name] = _to_text(raw)
            except CoercionError as exc:
                exc.params.setdefault("field", field_name)
                raise
        return record


def as_records(value: Value | None) -> tuple[Record, ...] | None:
    """The value of a ``records`` fact as what it is.

    The catalogue's coercion makes a records fact's value a tuple of records; that a value's type follows
    from its fact's declared type is beyond what the type checker can see, hence the cast.
    """
    return cast("tuple[Record, ...] | None", value)


#: The most items one list fact may hold: a domain has a handful of MX or SRV records, and a longer
#: list would only make every rule and template that walks it slow.
MAX_ITEMS = 10_000


def _short_enough(items: list[object]) -> None:
    if len(items) > MAX_ITEMS:
        raise CoercionError("fact_list_too_long", count=len(items), limit=MAX_ITEMS)


def _type_name(value: object) -> str:
    # By kind, not by class: the YAML reader gives its own list, mapping and text classes (Seq, Map),
    # whose names mean nothing to the reader of a message.
    return type_word(value)


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or isinstance(value, (list, tuple, dict)):  # no value to quote: say what kind it is
        # The value rides along, unquoted, so a secret inside it is still named by the caller (facts.refusal).
        raise CoercionError("fact_bad_type", expected="bool", got=_type_name(value), value=value)
    if isinstance(value, str):
        from .yesno import meaning  # the locales' words, read at the first boolean written as a word

        answer = meaning(value)
        if answer is not None:
            return answer
    raise CoercionError("fact_bad_bool", value=value)


#: No fact needs more digits; Python's own limit on converting text to int is 4,300.
MAX_INT_DIGITS = 100


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        raise CoercionError("fact_bad_type", expected="integer", got="bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        digits = len(value.strip().lstrip("-"))
        if digits > MAX_INT_DIGITS:  # Python refuses them anyway (ValueError): say it as bad input
            raise CoercionError("fact_int_too_long", limit=MAX_INT_DIGITS)
        return int(value.strip())
    raise CoercionError("fact_bad_type", expected="integer", got=_type_name(value))


def _to_text(value: object) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        # Only reachable from JSON/--fact: YAML input keeps no/on as text.
        raise CoercionError("fact_bad_type", expected="string", got="bool")
    if isinstance(value, (int, float)):
        return str(value)
    raise CoercionError("fact_bad_type", expected="string", got=_type_name(value))


@dataclass(frozen=True)
class Catalogue:
    facts: dict[str, Fact]
    secret_names: tuple[str, ...]

    def __contains__(self, name: str) -> bool:
        return name in self.facts

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def is_secret(self, key: str) -> bool:
        return names_a_secret(key.rsplit(".", 1)[-1], self.secret_names)


# The short names configurations give secrets, which hold no secret word: «pass», «smtp_pass»; ovh.conf's
# «AK», «AS», «CK»; an HTTP «Authorization» header.
_SHORT_SECRET_KEYS = re.compile(r"(?:^|_)pass$|^(?:ak|as|ck|authorization)$")


def names_a_secret(key: str, spellings: tuple[str, ...]) -> bool:
    """Whether a structured input's key names a secret: it holds a secret word (``spellings``, see
    :func:`secret_spellings`: every word has its "_" spelling, so "-" and spaces count as "_"), or it is
    one of the short names configurations give them."""
    last = key.lower().replace("-", "_").replace(" ", "_")
    return any(word in last for word in spellings) or _SHORT_SECRET_KEYS.search(last) is not None


@functools.lru_cache(maxsize=16)  # one catalogue's words, asked for at every redaction
def secret_spellings(names: tuple[str, ...]) -> tuple[str, ...]:
    """The secret words lower-cased, each multi-word one in every spelling a key gives it, longest first:
    ``consumer_key`` is also ``consumer-key``, ``consumer key`` and ``consumerkey`` (what ``consumerKey``
    and ``ConsumerKey`` lower-case to), so a writer lists a word once."""
    spellings: set[str] = set()
    for name in names:
        parts = [part for part in re.split(r"[_\- ]+", name.lower()) if part]
        spellings.update(separator.join(parts) for separator in ("_", "-", " ", ""))
    return tuple(sorted(spellings - {""}, key=lambda word: (-len(word), word)))


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant, or None when nothing is close."""
    import difflib

    found = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else None
