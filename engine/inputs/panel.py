"""Read the control panel's diagnostic as support agents paste it.  No I/O here.

Agents paste the panel's lines, but also retype, translate and reword them:
other capitals, accents lost or typed as ``e'``, typos, words in another
order, a line broken in two, several warnings run together, the rest of the
web page around them.  So a check is recognised by its signal words
(``rules/data/panel.yaml``: topic, good and bad words, negations), not by one
regular expression per phrasing; how the words are weighed is described
there, next to them.  A line about two checks, or about none, is returned
unrecognised so the caller shows it: nothing is dropped or guessed.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

from rapidfuzz.distance import OSA

from ..errors import KnowledgeBaseError, Location
from ..kb.catalogue import Catalogue, Value
from ..kb.fold import fold, plain
from ..kb.regexes import nested_quantifier
from .facts import FactSet, coerce, with_context
from .redact import redact, secret_key

_DATA_FILE = "rules/data/panel.yaml"
# Words, and the punctuation that ends a clause (a negation does not reach past it).
_TOKEN = re.compile(r"[a-z0-9]+|[:;,!?()]")
_CLAUSE_END = frozenset(":;,!?()")


def normalize(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces, no final full stops or semicolons."""
    return fold(text, ends=".;!")


def words(text: str) -> tuple[str, ...]:
    """The folded words of a text, with clause punctuation kept as separate items."""
    return tuple(_TOKEN.findall(normalize(text)))


@dataclass(frozen=True)
class Signals:
    """One group of signal words; each is a stem, or several words that must follow each other."""

    phrases: tuple[tuple[str, ...], ...]

    # The phrases split for the exact reading: the stems said alone, each word of a line tested against all
    # of them at once (``str.startswith`` takes a tuple), and the phrases of several words.
    @functools.cached_property
    def stems(self) -> tuple[str, ...]:
        return tuple(p[0] for p in self.phrases if len(p) == 1)

    @functools.cached_property
    def longer(self) -> tuple[tuple[str, ...], ...]:
        return tuple(p for p in self.phrases if len(p) > 1)


@dataclass(frozen=True)
class Check:
    id: str
    fact: str
    failed: Value
    passed: Value
    topic: tuple[Signals, ...]
    good: Signals
    bad: Signals
    unless: Signals


_DATE_GROUPS = ("day", "month", "year")


@dataclass(frozen=True)
class ValueReader:
    """A value read from the page itself, such as the account's address.

    Each pattern has a (?P<value>...) group, the value as written, or the
    groups day, month, year (hour, minute optional): a date, given as ISO 8601.
    """

    id: str
    fact: str
    patterns: tuple[re.Pattern[str], ...]

    def value(self, found: re.Match[str]) -> str | None:
        if "value" in found.re.groupindex:
            return found.group("value").lower()
        day, month, year = (int(found.group(g)) for g in _DATE_GROUPS)
        hour = found.group("hour") if "hour" in found.re.groupindex else None
        try:
            when = datetime(year + (2000 if year < 100 else 0), month, day,
                            int(hour or 0), int(found.group("minute") or 0) if hour else 0)
        except ValueError:  # 31/02, 25:70: not a date, so the line is shown to the agent instead
            return None
        return when.isoformat(timespec="minutes") if hour else when.date().isoformat()


@dataclass(frozen=True)
class Recognised:
    first_line: int
    last_line: int
    check: str
    fact: str
    value: Value
    text: str  # the pasted line(s), spaces tidied, secrets masked


@dataclass(frozen=True)
class Unrecognised:
    line: int
    text: str  # secrets masked
    warning: bool  # it starts like a diagnostic line ("ATTENZIONE:") but says something unknown
    candidates: tuple[str, ...] = ()  # the facts of the checks it could be about, when more than one


@dataclass(frozen=True)
class PanelReading:
    facts: FactSet
    recognised: tuple[Recognised, ...]
    unrecognised: tuple[Unrecognised, ...]


@dataclass(frozen=True)
class Patterns:
    markers: re.Pattern[str]
    checks: tuple[Check, ...]
    values: tuple[ValueReader, ...]
    negations: frozenset[str]
    window: int
    fuzzy_min: int


# ------------------------------------------------------------------ loading the data

def _mapping(node: object) -> Mapping[str, object]:
    """A mapping of panel.yaml, or an empty one where a writer put something else."""
    return node if isinstance(node, dict) else {}


def _list(node: object) -> list[object]:
    """A list of panel.yaml, or an empty one where a writer put something else."""
    return node if isinstance(node, list) else []


def _number(node: object, default: int) -> int:
    return int(node) if isinstance(node, (int, float, str)) else default


def _signals(raw: object, check: str, field: str) -> Signals:
    if raw is None:
        return Signals(())
    if not isinstance(raw, list) or not all(isinstance(w, str) and words(w) for w in raw):
        raise KnowledgeBaseError("panel_bad_words", Location(_DATA_FILE), check=check, field=field)
    return Signals(tuple(words(w) for w in raw))


def patterns(data: Mapping[str, object], catalogue: Catalogue) -> Patterns:
    """Compile ``panel`` from the knowledge base data, checking facts, words and regular expressions."""
    spec = _mapping(data.get("panel"))
    where = Location(_DATA_FILE)
    markers = [normalize(str(m)) for m in _list(spec.get("markers"))]
    marker_re = re.compile(r"(?:^|(?<=[\s\-*•>]))(?:" + "|".join(map(re.escape, markers)) + r") ?:") if markers \
        else re.compile(r"(?!x)x")
    negation = _mapping(spec.get("negation"))
    negations = _signals(negation.get("words"), "negation", "words")
    checks: list[Check] = []
    values: list[ValueReader] = []
    for item in map(_mapping, _list(spec.get("checks"))):
        fact, name = item.get("fact"), str(item.get("id", item.get("fact")))
        if not isinstance(fact, str) or fact not in catalogue:
            raise KnowledgeBaseError("unknown_fact", where, name=fact)
        topic = item.get("topic")
        if not isinstance(topic, list) or not topic:
            raise KnowledgeBaseError("panel_bad_words", where, check=name, field="topic")
        good, bad = _signals(item.get("good"), name, "good"), _signals(item.get("bad"), name, "bad")
        if not good.phrases and not bad.phrases:
            raise KnowledgeBaseError("panel_bad_words", where, check=name, field="good/bad")
        checks.append(Check(name, fact, catalogue[fact].coerce(item["failed"]), catalogue[fact].coerce(item["passed"]),
                            tuple(_signals(g, name, "topic") for g in topic), good, bad,
                            _signals(item.get("unless"), name, "unless")))
    for item in map(_mapping, _list(spec.get("values"))):
        fact = item.get("fact")
        if not isinstance(fact, str) or fact not in catalogue:
            raise KnowledgeBaseError("unknown_fact", where, name=fact)
        compiled: list[re.Pattern[str]] = []
        for pattern in _list(item.get("patterns")):
            try:
                # Accents and apostrophes as in the text; case is ignored (lowering would break (?P<...>)).
                compiled.append(re.compile(plain(str(pattern)), re.IGNORECASE))
            except re.error as exc:
                raise KnowledgeBaseError("cond_bad_regex", where, pattern=pattern, problem=str(exc)) from None
            if nested_quantifier(plain(str(pattern)), re.IGNORECASE):  # a pasted line must not hang the read
                raise KnowledgeBaseError("cond_nested_quantifier", where, pattern=pattern)
            groups = compiled[-1].groupindex
            if "value" not in groups and not all(g in groups for g in _DATE_GROUPS):
                raise KnowledgeBaseError("cond_bad_regex", where, pattern=pattern,
                                         problem="(?P<value>...), or (?P<day>...)(?P<month>...)(?P<year>...), missing")
        values.append(ValueReader(str(item.get("id", fact)), fact, tuple(compiled)))
    return Patterns(marker_re, tuple(checks), tuple(values), frozenset(p[0] for p in negations.phrases),
                    _number(negation.get("window"), 4), _number(_mapping(spec.get("fuzzy")).get("min_length"), 5))


# ------------------------------------------------------------------ weighing the words

@functools.lru_cache(maxsize=1 << 16)
def _stem_matches(stem: str, token: str, fuzzy_min: int) -> bool:
    """Whether ``token`` starts with ``stem``, or (``fuzzy_min`` > 0, for stems at least that long)
    with ``stem`` typed with one typo. Cached: the same words meet the same stems on every line."""
    if token.startswith(stem):
        return True
    if not fuzzy_min or len(stem) < fuzzy_min or len(token) < len(stem) - 1:
        return False
    # One typo: compare the stem with the token's beginning of about the same length.
    lengths = (len(stem) - 1, len(stem), len(stem) + 1)
    return any(OSA.distance(stem, token[:n], score_cutoff=1) <= 1 for n in lengths)


class _Matcher:
    def __init__(self, compiled: Patterns) -> None:
        self.p = compiled

    def _at(self, signals: Signals, tokens: tuple[str, ...], fuzzy: bool) -> list[int]:
        """Positions (of the last word) where one of the signals stands."""
        if fuzzy:
            found, phrases, fuzzy_min = [], signals.phrases, self.p.fuzzy_min
        else:
            found = [i for i, token in enumerate(tokens) if token.startswith(signals.stems)] if signals.stems else []
            phrases, fuzzy_min = signals.longer, 0
        for phrase in phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                # A plain loop: this is the recogniser's inner loop, a generator per position costs half of it.
                for k in range(size):
                    if not _stem_matches(phrase[k], tokens[i + k], fuzzy_min):
                        break
                else:
                    found.append(i + size - 1)
        return found

    def _hits(self, signals: Signals, tokens: tuple[str, ...], found: dict[Signals, list[int]],
              exact: set[int]) -> list[int]:
        """Exact hits (``found``: each signal group's, read once), and typo-tolerant hits on words that no
        signal of the check matches exactly."""
        return sorted({*found[signals], *(i for i in self._at(signals, tokens, True) if i not in exact)})

    def _negated(self, tokens: tuple[str, ...], at: int) -> bool:
        for i in range(at - 1, max(-1, at - 1 - self.p.window), -1):
            if tokens[i] in _CLAUSE_END:
                return False
            if tokens[i] in self.p.negations:
                return True
        return False

    def verdict(self, check: Check, tokens: tuple[str, ...]) -> Value | None:
        """The check's value the words say, or None when the line is not about this check."""
        found = {s: self._at(s, tokens, False) for s in (*check.topic, check.good, check.bad, check.unless)}
        exact = {i for positions in found.values() for i in positions}
        if self._hits(check.unless, tokens, found, exact):
            return None
        if not all(self._hits(group, tokens, found, exact) for group in check.topic):
            return None
        good, bad = self._hits(check.good, tokens, found, exact), self._hits(check.bad, tokens, found, exact)
        if not good and not bad:
            return None
        failing = any(not self._negated(tokens, i) for i in bad) or any(self._negated(tokens, i) for i in good)
        return check.failed if failing else check.passed

    def speaks_of(self, text: str) -> bool:
        """Whether the text uses any signal word of the checks (a greeting or a signature does not)."""
        tokens = tuple(_TOKEN.findall(text))
        return any(self._at(s, tokens, False) for c in self.p.checks for s in (*c.topic, c.good, c.bad))

    def checks(self, text: str) -> list[tuple[Check, Value]]:
        tokens = _TOKEN.findall(text)
        return [(c, v) for c in self.p.checks if (v := self.verdict(c, tuple(tokens))) is not None]

    def values(self, text: str) -> list[tuple[ValueReader, str]]:
        found = []
        for reader in self.p.values:
            hit = next((m for m in (p.search(text) for p in reader.patterns) if m), None)
            if hit and (value := reader.value(hit)) is not None:
                found.append((reader, value))
        return found


# ------------------------------------------------------------------ reading a paste

@dataclass(frozen=True)
class _Piece:
    line: int
    original: str
    text: str  # normalised
    marked: bool  # starts with a marker word
    marker_only: bool


def _pieces(text: str, markers: re.Pattern[str]) -> list[_Piece | None]:
    """One piece per line, or several when warnings run together; None stands for a blank line.

    A piece keeps its own part of the pasted line (to show it as written): holding the whole line, each of
    a long line's warnings kept a copy of it, and the report printed it once per warning."""
    pieces: list[_Piece | None] = []
    for number, original in enumerate(text.splitlines(), start=1):
        norm = normalize(original)
        if not norm:
            pieces.append(None)
            continue
        starts = [m.start() for m in markers.finditer(norm)]
        cuts = sorted({0, *starts})
        shown = _originals(original, norm, cuts) if len(cuts) > 1 else [original.strip()]
        for begin, end, written in zip(cuts, [*cuts[1:], len(norm)], shown):
            part = norm[begin:end].strip().rstrip(" .;!")
            if not part.strip(" -*•>#|"):  # a list bullet before the marker
                continue
            marked = begin in starts
            rest = markers.sub("", part, count=1).strip(" -*•>") if marked else part
            pieces.append(_Piece(number, written, part, marked, marked and not rest))
    return pieces


def _originals(original: str, norm: str, cuts: list[int]) -> list[str]:
    """The parts of the pasted line that begin where ``norm`` (its folded form) is cut.

    Folding works word by word (letters, accents, spaces; a pasted word may fold to more than one), so
    the n-th folded word comes from a known pasted word, and a cut inside it falls at about the same
    offset there (exactly where letters are plain, as at a marker)."""
    spans = [m.span() for m in re.finditer(r"\S+", original)]
    folded_from = [span for span in spans for _ in plain(original[span[0]:span[1]]).split()]
    word_starts = [m.start() for m in re.finditer(r"\S+", norm)]
    at = []
    for cut in cuts:
        index = max(bisect.bisect_right(word_starts, cut) - 1, 0)
        start, end = folded_from[min(index, len(folded_from) - 1)]
        at.append(min(start + cut - word_starts[index], end))
    return [original[begin:end].strip() for begin, end in zip(at, [*at[1:], len(original)])]


#: The last knowledge base's compiled patterns, by identity of its data and catalogue: a server
#: reads every paste with the one knowledge base it loaded, and compiling takes ~9 ms.
_last: tuple[object, Catalogue, Patterns] | None = None


def _patterns_of(kb_data: Mapping[str, object], catalogue: Catalogue) -> Patterns:
    global _last
    spec = kb_data.get("panel")
    last = _last
    if last is not None and last[0] is spec and last[1] is catalogue and spec is not None:
        return last[2]
    compiled = patterns(kb_data, catalogue)  # a bad panel.yaml raises every time: never cached
    _last = (spec, catalogue, compiled)
    return compiled


def _warning(compiled: Patterns) -> Callable[[str], bool]:
    """Whether a pasted line is one of the panel's warnings (it starts with a marker word, «ATTENZIONE:»):
    the masking reads it as the text it is, never as a secret's value (see ``redact``'s ``prose``)."""
    def warning(line: str) -> bool:
        return compiled.markers.match(normalize(line).lstrip(" -*•>#|")) is not None

    return warning


def masked(text: str, kb_data: Mapping[str, object], catalogue: Catalogue) -> str:
    """A paste with its secrets masked as :func:`read` masks it (what a page shows back, or links to)."""
    return redact(text, catalogue.secret_names, prose=_warning(_patterns_of(kb_data, catalogue)))


def read(text: str, kb_data: Mapping[str, object], catalogue: Catalogue, *, display: str = "<testo>",
         complete: bool = False) -> PanelReading:
    """Facts from a pasted panel diagnostic; ``complete``: checks not shown passed."""
    compiled = _patterns_of(kb_data, catalogue)
    matcher = _Matcher(compiled)
    secrets, warning = catalogue.secret_names, _warning(compiled)
    facts = FactSet()
    for line in text.split("\n"):  # the names of the secrets the paste holds, to say they were ignored
        key = secret_key(line, secrets, prose=warning)
        if key and key not in facts.secrets:
            facts.secrets.append(key)
    # Masked once, as a whole: a value on the line below its key ("Password:" then the value) is
    # masked too, and nothing after this point ever sees a secret.
    pieces = _pieces(redact(text, secrets, prose=warning), compiled.markers)

    recognised: list[Recognised] = []
    unrecognised: list[Unrecognised] = []

    def record(piece: _Piece, last: int, original: str, name: str, fact: str, value: Value) -> None:
        facts.values[fact] = value
        facts.sources[fact] = f"{display}:{piece.line}"
        recognised.append(Recognised(piece.line, last, name, fact, value, re.sub(r"\s+", " ", original)))

    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece is None:
            i += 1
            continue
        found, values = matcher.checks(piece.text), matcher.values(piece.text)
        last, original = piece.line, piece.original
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if not found and not values and nxt is not None and not nxt.marked and nxt.line == piece.line + 1:
            joined = matcher.checks(f"{piece.text} {nxt.text}")
            # A line broken in two: join it, unless the next line stands on its own
            # (then this one is unrelated text, and joining would hide it).
            if joined and (piece.marker_only or not matcher.checks(nxt.text)):
                found, last, original = joined, nxt.line, f"{piece.original} {nxt.original}"
                i += 1
        elif (len(found) == 1 and piece.marked and nxt is not None and not nxt.marked and nxt.line == piece.line + 1
              and not matcher.checks(nxt.text) and matcher.speaks_of(nxt.text)
              and matcher.checks(f"{piece.text} {nxt.text}") == found):
            # The end of a warning broken in two ("... HANNO BLOCCATO" / "il tuo account"): it
            # says nothing alone but uses the words of the checks, unlike a greeting after it.
            last, original = nxt.line, f"{piece.original} {nxt.original}"
            i += 1
        for reader, read_value in values:
            record(piece, last, original, reader.id, reader.fact, read_value)
        if len(found) == 1:
            check, verdict = found[0]
            record(piece, last, original, check.id, check.fact, verdict)
        if len(found) > 1 or (not found and not values):
            unrecognised.append(Unrecognised(piece.line, original, piece.marked,
                                             tuple(c.fact for c, _ in found)))
        i += 1
    with_context(facts, catalogue)
    if complete:
        for check in compiled.checks:
            if check.fact not in facts.values:
                facts.values[check.fact] = check.passed
                facts.sources[check.fact] = f"{display} (--complete)"
    for name, given in list(facts.values.items()):  # through the catalogue, like every other input
        facts.values[name] = coerce(catalogue, name, given, Location(display))
    return PanelReading(facts, tuple(recognised), tuple(unrecognised))
