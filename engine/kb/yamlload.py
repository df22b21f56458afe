"""Safe YAML reading with positions, for everything a person writes.

PyYAML's ``safe_load`` has three traps we close here:

* duplicate keys silently keep the last value -> an error at the second key;
* YAML 1.1 reads ``no``, ``on``, ``yes``, ``off``, ``y``, ``n`` as booleans ->
  only ``true``/``false`` are booleans; the other words stay text, and each
  such scalar is remembered so the linter can point at it;
* aliases can expand exponentially ("billion laughs") -> the expanded size of
  the document is bounded before anything is constructed.

Mappings and sequences come back as ``Map``/``Seq`` (plain dict/list
subclasses) that remember the line and column of each key and item.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import yaml

from ..errors import Location, YamlError

#: Expanded nodes allowed in one document; real files have a few thousand.
MAX_EXPANDED_NODES = 200_000
#: A facts file describes one account: a few hundred nodes at most. The lower bound keeps a
#: hostile file's refusal fast (composing 200,000 nodes in pure Python takes seconds).
MAX_FACT_NODES = 20_000
#: Nesting deeper than this is refused (no knowledge base or facts file comes near; Python's
#: recursion limit, about 1,000, would otherwise end the run with an internal error).
MAX_DEPTH = 100

_YAML11_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")


class Map(dict):
    """A mapping that knows where it and each of its keys were written."""

    __slots__ = ("line", "column", "key_marks")
    line: int | None
    column: int | None
    key_marks: dict[str, tuple[int, int]]


class Seq(list):
    """A sequence that knows where it and each of its items were written."""

    __slots__ = ("line", "column", "item_marks")
    line: int | None
    column: int | None
    item_marks: list[tuple[int, int]]


class Text(str):
    """A string scalar that YAML 1.1 would have read as a boolean."""

    __slots__ = ("line", "column")
    line: int | None
    column: int | None


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops composing as soon as a document is too deep or has too many nodes,
    so a 300,000-item list or 3,000 nested brackets are refused after reading only the part
    past the limit, instead of being composed whole first (tens of seconds in pure Python)."""

    # What _load sets on every loader (the libyaml one too) before reading.
    file: str
    yaml11_booleans: list[Text]
    composed_nodes: int
    depth: int
    max_nodes: int
    location: Callable[[yaml.Node], Location]

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.composed_nodes += 1
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH or self.composed_nodes > self.max_nodes:
                where = Location(self.file, *_event_mark(self.peek_event()))
                if self.depth > MAX_DEPTH:
                    raise YamlError("yaml_too_deep", where, limit=MAX_DEPTH)
                raise YamlError("yaml_too_large", where, limit=self.max_nodes)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Keep the resolvers of SafeLoader except the YAML 1.1 boolean, integer and float
# ones, then add YAML 1.2-style ones: booleans are only true/false, integers only
# decimal digits (1.1 read `12:30:00` as 45000, `0x1F` and `0o17` as numbers,
# `1_000` as 1000), floats only the plain decimal forms and .inf/.nan.
_YAML11_NUMBERS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _YAML11_NUMBERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


def _event_mark(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    assert mark is not None  # the parser marks every event it makes
    return mark.line + 1, mark.column + 1


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Map:
    result = Map()
    result.line, result.column = _mark(node)
    result.key_marks = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise YamlError("yaml_bad_key", loader.location(key_node))
        key = str(key) if not isinstance(key, str) else key
        if key in result:
            first_line = result.key_marks[key][0]
            raise YamlError(
                "yaml_duplicate_key", loader.location(key_node), key=key, first_line=first_line,
                check_id="duplicate-key")
        result.key_marks[key] = _mark(key_node)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line, result.column = _mark(node)
    result.item_marks = [_mark(child) for child in node.value]
    return result


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    if not node.style and _YAML11_BOOL.match(value):  # plain: None (Python parser), "" (libyaml)
        text = Text(value)
        text.line, text.column = _mark(node)
        loader.yaml11_booleans.append(text)
        return text
    return value


def _checked(tag: str):
    """SafeLoader's constructor for ``tag``, with a bad value (``!!int x``, ``!!timestamp 2026-13-45``)
    reported at its line as bad input, without quoting it (it may be a password)."""
    construct = yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{tag}"]

    def checked(loader: _Loader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        # AttributeError: PyYAML's timestamp reader on a text its pattern does not match (2026-13-45sent)
        except (ValueError, OverflowError, TypeError, IndexError, AttributeError):
            where = Location(loader.file, *_mark(node))
            if tag == "int" and len(str(node.value)) > 4000:  # Python's limit on int digits
                raise YamlError("number_too_long", where, limit=4000) from None
            raise YamlError("yaml_bad_tagged", where, tag=f"!!{tag}") from None

    return checked


for _tag in ("int", "float", "timestamp", "binary"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _checked(_tag))

_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)

# libyaml's parser (when PyYAML was built with it) scans and parses in C, about
# ten times faster on large rule files; :func:`_fast_document` builds the values
# straight from its events, with the same resolvers and the same checks.  libyaml
# is a little more lenient than the Python parser (tabs in flow collections, for
# one) and words its errors differently, so it is used only when asked (the
# knowledge base loader, where thousands of rules must load fast), and a document
# it (or the fast builder) does not take is read again on the reference path
# (Python parser, composer and constructors), whose complaint we report: every
# message comes from that one path.
_FastLoader = None
if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
        yaml_constructors = _Loader.yaml_constructors


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_NULL, _BOOL, _INT = "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"
_TRUE_FALSE = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
#: The integers ``int()`` reads as PyYAML does: no leading zero (octal to PyYAML), within Python's digit limit.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,3999})")


class _Rejected(Exception):
    """The fast builder met something it leaves to the reference path (which says what is wrong)."""


class _Build:
    """What the fast builder carries through one document.

    Plain recursion over this record rather than nested functions: a nested
    recursive function is a reference cycle, and cycles made while the
    collector is paused and frozen (``run.load``) would outlive the load.
    """

    __slots__ = ("loader", "get", "booleans", "max_nodes", "total", "anchors", "anchor_marks", "tags", "plain")

    def __init__(self, loader: Any, max_nodes: int) -> None:
        self.loader = loader
        self.get = loader.get_event
        self.booleans: list[Text] = loader.yaml11_booleans
        self.max_nodes = max_nodes
        self.total = 0  # nodes so far, aliases expanded
        self.anchors: dict[str, tuple[Any, int] | None] = {}  # anchor -> (value, size); None: still open
        # anchor -> where its value starts: an alias is marked there, as the reference marks the shared node
        self.anchor_marks: dict[str, tuple[int, int]] = {}
        # The resolver's answers: rule files repeat the same few words (``fact``, ``equals``) thousands of times.
        self.tags: dict[tuple[str, Any], str] = {}
        # The values of the plain scalars that are the same wherever they stand (not a YAML 1.1 word, which
        # is marked where it is): a file says ``fact``, ``equals``, ``true`` and small numbers thousands of times.
        self.plain: dict[tuple[str, Any], Any] = {}


def _fast_document(loader: Any, max_nodes: int) -> Any:
    """The one document of the stream, as the reference path builds it, straight from libyaml's events.

    The same resolvers and values -- ``Map``/``Seq``/``Text`` with the same
    marks, the same YAML 1.1 words remembered -- and the size once aliases are
    expanded bounded by ``max_nodes`` in the same pass (an alias's value is
    built once, its size counted each time it is used).  No node tree is
    composed: for 5,000 rules that tree is about 45 MB (each node and its two
    marks are Python objects) and as long to build as the values themselves.
    Only the common tags are built here; any other goes through the loader's
    own constructors.  Anything amiss raises :class:`_Rejected` or a
    :class:`YamlError` (duplicate keys, merge keys, recursive aliases, too deep,
    too large, several documents...): the caller then reads the text on the
    reference path, so the writer sees the reference's message.
    """
    get = loader.get_event
    get()  # StreamStartEvent
    if loader.check_event(yaml.StreamEndEvent):
        return None
    get()  # DocumentStartEvent
    state = _Build(loader, max_nodes)
    data = _event_value(get(), 0, state)[0]
    get()  # DocumentEndEvent
    if not loader.check_event(yaml.StreamEndEvent):
        raise _Rejected  # a second document
    return data


_UNSEEN = object()


def _scalar(event: Any, state: _Build) -> Any:
    value = event.value
    tag = event.tag
    if tag is None and event.style:  # quoted or block text with no tag: never resolved (implicit is (False, True))
        tag = _STR
    elif tag is None or tag == "!":
        key = (value, event.implicit)
        found = state.plain.get(key, _UNSEEN)
        if found is not _UNSEEN:
            return found
        tag = state.tags.get(key)
        if tag is None:
            tag = state.tags[key] = state.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if not event.style and (tag == _STR and not _YAML11_BOOL.match(value) or tag == _NULL
                                or tag == _INT and _PLAIN_INT.fullmatch(value)
                                or tag == _BOOL and value in _TRUE_FALSE):
            found = state.plain[key] = _resolved(value, tag)
            return found
    if tag == _STR:
        if not event.style and _YAML11_BOOL.match(value):
            text = Text(value)
            text.line, text.column = event.start_mark.line + 1, event.start_mark.column + 1
            state.booleans.append(text)
            return text
        return value
    if tag == _INT and _PLAIN_INT.fullmatch(value):
        return int(value)
    if tag == _BOOL and value in _TRUE_FALSE:
        return _TRUE_FALSE[value]
    if tag == _NULL:
        return None
    # Floats, timestamps, explicit tags, merge keys: the loader's own constructors (which may refuse).
    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
    return state.loader.construct_object(node, deep=True)


def _resolved(value: str, tag: str) -> Any:
    """A plain scalar's value for the tags ``_scalar`` remembers (str, null, plain int, true/false)."""
    if tag == _STR:
        return value
    if tag == _INT:
        return int(value)
    return _TRUE_FALSE[value] if tag == _BOOL else None


def _event_value(event: Any, depth: int, state: _Build) -> tuple[Any, int]:
    """The value that starts with ``event`` (its events read up to its end) and its size, aliases expanded."""
    cls = event.__class__
    if cls is yaml.ScalarEvent:
        state.total += 1
        # Quoted text with no tag, most scalars of a rule file, is text as it stands (see _scalar).
        found: Any = (event.value if event.tag is None and event.style else _scalar(event, state), 1)
    elif cls is yaml.AliasEvent:
        found = state.anchors.get(event.anchor)
        if found is None:  # unknown, or an alias inside its own anchor: the reference path refuses it
            raise _Rejected
        state.total += found[1]
        if state.total > state.max_nodes:
            raise _Rejected
        return found
    elif depth >= MAX_DEPTH:  # the root is depth 0 here, 1 for the reference composer
        raise _Rejected
    else:
        if event.anchor is not None:
            if event.anchor in state.anchors:  # PyYAML refuses an anchor defined twice
                raise _Rejected
            state.anchors[event.anchor] = None
        found = _collection(event, cls, depth + 1, state)
    if state.total > state.max_nodes:
        raise _Rejected
    if event.anchor is not None:
        if cls is yaml.ScalarEvent and event.anchor in state.anchors:
            raise _Rejected
        state.anchors[event.anchor] = found
        state.anchor_marks[event.anchor] = (event.start_mark.line + 1, event.start_mark.column + 1)
    return found


def _collection(event: Any, cls: type, deeper: int, state: _Build) -> tuple[Any, int]:
    get = state.get
    tag = event.tag
    start = event.start_mark
    size = 1
    state.total += 1
    if cls is yaml.MappingStartEvent:
        if tag is not None and tag != "!" and tag != _MAP:
            raise _Rejected
        result: Any = Map()
        marks: dict[str, tuple[int, int]] = {}
        result.key_marks = marks
        while True:
            key_event = get()
            if key_event.__class__ is yaml.MappingEndEvent:
                break
            if key_event.__class__ is yaml.ScalarEvent and key_event.anchor is None:  # _event_value, inlined
                state.total += 1
                name = key_event.value if key_event.tag is None and key_event.style else _scalar(key_event, state)
                key_size = 1
            else:
                name, key_size = _event_value(key_event, deeper, state)
            if name.__class__ is not str:
                if not isinstance(name, (str, int, float, bool)) or name is None:
                    raise _Rejected
                name = name if isinstance(name, str) else str(name)
            if name in result:
                raise _Rejected  # a duplicate key
            if key_event.__class__ is yaml.AliasEvent:  # marked where its anchor's value is, as the reference
                marks[name] = state.anchor_marks[str(key_event.anchor)]  # marks the shared node
            else:
                mark = key_event.start_mark
                marks[name] = (mark.line + 1, mark.column + 1)
            value_event = get()
            if value_event.__class__ is yaml.ScalarEvent and value_event.anchor is None:  # the same, inlined
                state.total += 1
                result[name] = (value_event.value if value_event.tag is None and value_event.style
                                else _scalar(value_event, state))
                size += key_size + 1
            else:
                result[name], value_size = _event_value(value_event, deeper, state)
                size += key_size + value_size
    elif cls is yaml.SequenceStartEvent:
        if tag is not None and tag != "!" and tag != _SEQ:
            raise _Rejected
        result = Seq()
        items = []
        while True:
            item_event = get()
            if item_event.__class__ is yaml.SequenceEndEvent:
                break
            if item_event.__class__ is yaml.ScalarEvent and item_event.anchor is None:  # the same, inlined
                state.total += 1
                value = item_event.value if item_event.tag is None and item_event.style else _scalar(item_event, state)
                item_size = 1
            else:
                value, item_size = _event_value(item_event, deeper, state)
            result.append(value)
            if item_event.__class__ is yaml.AliasEvent:
                items.append(state.anchor_marks[str(item_event.anchor)])
            else:
                mark = item_event.start_mark
                items.append((mark.line + 1, mark.column + 1))
            size += item_size
        result.item_marks = items
    else:
        raise _Rejected
    result.line, result.column = start.line + 1, start.column + 1
    return result, size


def _expanded_size(node: yaml.Node, memo: dict[int, int], file: str = "", depth: int = 0) -> int:
    """Size of the node once aliases are expanded (aliases share node objects); too deep: YamlError."""
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > MAX_DEPTH:
        raise YamlError("yaml_too_deep", Location(file, *_mark(node)), limit=MAX_DEPTH)
    memo[key] = 1  # a recursive alias counts once; YAML cannot expand it anyway
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo, file, depth + 1) + _expanded_size(v, memo, file, depth + 1)
                       for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo, file, depth + 1) for child in node.value)
    else:
        size = 1
    memo[key] = size
    return size


class LoadedYaml:
    """A parsed document plus what the linter wants to know about it."""

    __slots__ = ("data", "yaml11_booleans", "file")

    def __init__(self, data: Any, yaml11_booleans: list[Text], file: str) -> None:
        self.data = data
        self.yaml11_booleans = yaml11_booleans
        self.file = file


def load_yaml(text: str, file: str, fast: bool = False, max_nodes: int = MAX_EXPANDED_NODES) -> LoadedYaml:
    """Parse one YAML document; raise :class:`YamlError` with file:line on any trap.

    ``fast`` parses with libyaml when available (see ``_FastLoader``); ``max_nodes`` bounds the
    document's size once aliases are expanded.
    """
    if fast and _FastLoader is not None:
        try:
            return _load_fast(_FastLoader, text, file, max_nodes)
        except (YamlError, UnicodeError, _Rejected, yaml.YAMLError, RecursionError):
            pass  # report what the reference path says about it
    return _load(_Loader, text, file, max_nodes)


def _load_fast(loader_class: type, text: str, file: str, max_nodes: int) -> LoadedYaml:
    """libyaml's parser and :func:`_fast_document`; raises on anything the reference path must word."""
    loader = loader_class(text)
    loader.yaml11_booleans = []
    loader.file = file
    loader.location = lambda node: Location(file, *_mark(node))
    try:
        data = _fast_document(loader, max_nodes)
    finally:
        loader.dispose()
    return LoadedYaml(data, loader.yaml11_booleans, file)


def _load(loader_class: type, text: str, file: str, max_nodes: int) -> LoadedYaml:
    try:
        loader = loader_class(text)
    except yaml.reader.ReaderError as exc:  # the reader rejects control characters up front
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Location(file), str(exc).splitlines()[0]) from None
    loader.yaml11_booleans = []
    loader.file = file
    loader.composed_nodes = 0  # counted by _Loader.compose_node (libyaml composes in C)
    loader.depth = 0
    loader.max_nodes = max_nodes
    loader.location = lambda node: Location(file, *_mark(node))
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, [], file)
        if _expanded_size(node, {}, file) > max_nodes:
            raise YamlError("yaml_too_large", Location(file, *_mark(node)), limit=max_nodes)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise syntax_error(exc, text, file) from None
    except yaml.reader.ReaderError as exc:  # a control character or a bad byte inside the text
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Location(file), str(exc).splitlines()[0]) from None
    except RecursionError:  # PyYAML composes recursively: far past MAX_DEPTH it stops before we can count
        raise YamlError("yaml_too_deep", Location(file), limit=MAX_DEPTH) from None
    finally:
        loader.dispose()
    return LoadedYaml(data, loader.yaml11_booleans, file)


def position(container: Any, key: Any) -> tuple[int | None, int | None]:
    """Line and column of ``container[key]`` if the loader recorded them."""
    if isinstance(container, Map):
        return container.key_marks.get(key, (container.line, container.column))
    if isinstance(container, Seq) and isinstance(key, int) and 0 <= key < len(container.item_marks):
        return container.item_marks[key]
    line = getattr(container, "line", None)
    return line, getattr(container, "column", None)


class YamlSyntaxError(YamlError):
    """PyYAML's complaint (English, and in its parser's terms) told in the writer's words.

    PyYAML's sentence becomes a key of the ``yaml_problems`` section of the
    locale files: lower case, quoted parts as ``x``, words joined by ``_``
    (``mapping values are not allowed here`` -> ``mapping_values_are_not_allowed_here``);
    a key followed by ``__`` and the context's key (``while scanning a quoted
    scalar``) is tried first.  So the texts, and which complaints have one, are
    data; a complaint no locale knows is shown in PyYAML's words inside a
    sentence of the reader's language, never dropped.
    """

    def __init__(self, location: Location, problem: str, keys: tuple[str, ...] = (), /, **params: Any) -> None:
        super().__init__("yaml_syntax", location, problem=problem, **params)
        self.keys = keys

    def _entry(self, texts: Any) -> str | None:
        for key in self.keys:
            if texts.word(f"yaml_problems.{key}.text") is not None:
                return f"yaml_problems.{key}"
        return None

    def _params(self, texts: Any) -> dict[str, Any]:
        """The counts of spaces as words (``1 spazio``, ``4 spazi``)."""
        params = dict(self.params)
        for name, value in self.params.items():
            if name.endswith("spaces") and isinstance(value, int):
                form = "one" if value == 1 else "other"
                params[name] = texts.format(f"yaml_problems.spaces_{form}", n=value)
        return params

    def message(self, texts: Any) -> str:
        entry = self._entry(texts)
        if entry is None:
            return super().message(texts)
        return texts.format(f"{entry}.text", **self._params(texts))

    def hint(self, texts: Any) -> str | None:
        entry = self._entry(texts)
        if entry is None:
            return texts.format("yaml_problems.hint_unknown") if texts.word("yaml_problems.hint_unknown") else None
        variant = self.params.get("hint_variant")
        if variant and texts.word(f"{entry}.hint_{variant}") is not None:
            return texts.format(f"{entry}.hint_{variant}", **self._params(texts))
        if texts.word(f"{entry}.hint") is not None:
            return texts.format(f"{entry}.hint", **self._params(texts))
        return None


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|#x[0-9A-Fa-f]+""")
#: Where PyYAML's context mark (the start of what was left open) is the line to fix, not the
#: place the parser gave up: an unclosed quote or bracket is noticed lines later, at the end.
_SHOW_START = ("while scanning a quoted scalar", "while parsing a flow sequence", "while parsing a flow mapping",
               "while scanning a simple key", "while scanning a double-quoted scalar")


def problem_key(words: str) -> str:
    """PyYAML's sentence as a message key (quoted parts as ``x``, numbers as ``n``):
    ``expected ',' or ']', but got ':'`` -> ``expected_x_or_x_but_got_x``."""
    plain = re.sub(r"[0-9]+", " n ", _QUOTED.sub(" x ", words.lower()))
    return "_".join(re.findall(r"[a-z]+", plain))


def syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> YamlError:
    """One located error in the writer's words for PyYAML's complaint ``exc``."""
    problem = (exc.problem or exc.context or "").strip()
    context = (exc.context or "").strip() if exc.problem else ""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    mark = problem_mark or context_mark
    if context in _SHOW_START and context_mark is not None:
        mark = context_mark
    where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
    if "'\\t'" in problem:  # PyYAML's words for the most common trap
        return YamlError("yaml_tab", where)
    quoted = [q[1:-1] if q[:1] in "'\"" else q for q in _QUOTED.findall(f"{problem} {context}")]
    params: dict[str, Any] = {f"q{i}": value for i, value in enumerate(quoted, 1)}
    if problem_mark is not None:
        params["line"] = problem_mark.line + 1
    if context_mark is not None:
        params["start_line"] = context_mark.line + 1
    key = problem_key(problem)
    keys = (f"{key}__{problem_key(context)}", key) if context else (key,)
    if key.startswith("expected_block_end") and problem_mark is not None:
        params.update(indentation(text, problem_mark.line))
        if "shape" in params:
            keys = (f"{key}__{params['shape']}", *keys)
    return YamlSyntaxError(where, problem, keys, **params)


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> YamlError:
    """A character YAML does not accept, at its line and column (the reader only counts characters)."""
    before = text[:exc.position] if isinstance(exc.position, int) else ""
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return YamlSyntaxError(Location(file, line, column), str(exc).splitlines()[0], ("unacceptable_character",),
                           character=f"U+{code:04X}")


def indentation(text: str, line_index: int) -> dict[str, Any]:
    """What a mis-indented line could be aligned with: the keys just shallower and just deeper
    above it, and the key the deeper one belongs to (``causes`` at 3 spaces between ``links:`` at 4
    and ``see_also:`` at 6 -> align with ``links`` or, to go inside ``links:``, with ``see_also``)."""
    lines = text.splitlines()
    if not 0 <= line_index < len(lines):
        return {}
    offending = lines[line_index]
    spaces = len(offending) - len(offending.lstrip(" "))
    chain: list[tuple[int, int, str]] = []  # (column, column of its key, key) of the lines above it sits in
    threshold = None
    for row in range(line_index - 1, -1, -1):
        content = lines[row].strip()
        if not content or content.startswith("#"):
            continue
        column = len(lines[row]) - len(lines[row].lstrip(" "))
        if threshold is not None and column >= threshold:
            continue
        threshold = column
        body, key_column = content, column
        while body.startswith("- "):  # a list item: its keys start after the dash
            rest = body[2:]
            body, key_column = rest.lstrip(" "), key_column + 2 + len(rest) - len(rest.lstrip(" "))
        key = body.split(":", 1)[0].strip().strip("'\"") if ":" in body else body
        chain.append((column, key_column, key[:40]))
        if column == 0:
            break
    found: dict[str, Any] = {"spaces": spaces}
    # Same indentation as a line above, yet refused: a list item among keys, or a key among list items.
    same = next((c for c in chain if c[0] == spaces), None)
    if same is not None:
        item_here = offending.lstrip(" ").startswith("-")
        item_there = same[1] > same[0]
        if item_here != item_there:
            found["shape"] = "item_among_keys" if item_here else "key_among_items"
    columns = [(key_column, key) for _, key_column, key in chain]
    levels: list[tuple[int, str, str | None]] = []  # (spaces, key, the key it sits in), deepest first
    for index, (column, key) in enumerate(columns):
        if levels and levels[-1][0] == column:
            continue  # the nearest key of a level speaks for it (``links`` rather than ``id``)
        parent = next((k for c, k in columns[index + 1:] if c < column), None)
        levels.append((column, key, parent))
    nearest = sorted(levels, key=lambda level: (abs(level[0] - spaces), -level[0]))[:2]
    if not nearest:
        return found
    first = nearest[0]
    found.update(hint_variant="align", sibling=first[1], sibling_spaces=first[0])
    if len(nearest) == 2:
        deep, shallow = sorted(nearest, key=lambda level: -level[0])
        if deep[2] == shallow[1]:
            found.update(hint_variant="align_or_under", sibling=shallow[1], sibling_spaces=shallow[0],
                         child=deep[1], child_spaces=deep[0], parent=shallow[1])
        else:
            found.update(hint_variant="align_or", other=nearest[1][1], other_spaces=nearest[1][0])
    return found
