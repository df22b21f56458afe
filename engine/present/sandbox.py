"""Jinja's sandbox with a budget: what one render may loop, call and build.

The sandbox already keeps templates away from Python's internals; it does not
keep them from spending.  A writer's mistake or a hostile knowledge base
(``{% for i in r %}{% for j in r %}...``, ``9 ** 9 ** 9``, ``'x' * 10 ** 9``,
a string doubled in a loop) would hang ``rules lint``, ``check`` or the web
server.  So every render gets a budget:

* **steps**: each loop iteration, call, filter and intercepted operator costs
  one; past ``MAX_STEPS`` the render stops;
* **size**: no text or list a template builds, and no rendered text, may exceed
  ``MAX_SIZE`` characters (or items); operations whose result would be larger
  (repetition, powers, joins, replacements, format widths, number arguments of
  string methods and filters) are refused *before* they run, the others are
  checked after.

A render over budget raises :class:`TemplateBudgetExceeded`: the rule's text
is then "not generated" and ``rules lint`` reports the template.  The counter
is deterministic (no clock): the same template and facts always give the same
verdict, on a busy machine too.
"""
from __future__ import annotations

import functools
import marshal
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from types import CodeType
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment, SecurityError

if TYPE_CHECKING:
    from jinja2.runtime import Context

T = TypeVar("T")

# The shipped templates take a few hundred steps and a few thousand characters per render:
# the limits leave room for knowledge bases a hundred times bigger and stop a loop within ~0.1 s.
MAX_STEPS = 100_000
MAX_SIZE = 1_000_000
MAX_INT_BITS = 10_000  # ~3,000 digits: no template needs a larger number; squaring one is no longer cheap

# A width or precision of 7 digits or more in a %-format or a str.format field: a million spaces.
_WIDE_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\d{7,}|\d*\.\d{7,})")
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{7,}")


class TemplateBudgetExceeded(SecurityError):
    """A render went past one of the limits: ``what`` is ``steps`` or ``size``."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"template budget exceeded: {what} > {limit:,}")
        self.what, self.limit = what, limit


class _Counter:
    """The steps left to the render in progress (one per render, shared by its includes and macros)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_STEPS


# A context variable, not an attribute of the environment: the web server renders from several threads.
_current: ContextVar[_Counter | None] = ContextVar("diagnostica_template_budget", default=None)


def _step() -> None:
    counter = _current.get()
    if counter is not None:
        counter.left -= 1
        if counter.left < 0:
            raise TemplateBudgetExceeded("steps", MAX_STEPS)


def _sized(value: T) -> T:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_SIZE:
        raise TemplateBudgetExceeded("size", MAX_SIZE)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateBudgetExceeded("size", MAX_SIZE)
    return value


def _no_wide(format_string: object) -> None:
    if isinstance(format_string, str) and (_WIDE_PERCENT.search(format_string) or _WIDE_FORMAT.search(format_string)):
        raise TemplateBudgetExceeded("size", MAX_SIZE)


def _no_big_numbers(values: Iterable[object]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise TemplateBudgetExceeded("size", MAX_SIZE)


def _length(value: object) -> int:
    return len(value) if isinstance(value, (str, list, tuple, dict)) else len(str(value))


def _join_fits(items: object, separator: object = "") -> None:
    """A join of many large texts is refused before Python allocates it."""
    if isinstance(items, (list, tuple)):
        total = sum(_length(item) for item in items) + _length(separator) * max(len(items) - 1, 0)
        if total > MAX_SIZE:
            raise TemplateBudgetExceeded("size", MAX_SIZE)


def _replace_fits(text: object, old: object, new: object) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        if len(text) + count * len(new) > MAX_SIZE:
            raise TemplateBudgetExceeded("size", MAX_SIZE)


def _repeat_fits(left: object, right: object) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_SIZE:
            raise TemplateBudgetExceeded("size", MAX_SIZE)


def _power_fits(base: object, exponent: object) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0 \
            and base.bit_length() * exponent > MAX_INT_BITS:
        raise TemplateBudgetExceeded("size", MAX_SIZE)


def _checked_filter(name: str, fn: Callable[..., object]) -> Callable[..., object]:
    """A built-in filter that costs a step, refuses huge number arguments and huge results."""
    # Filters may take the context or the environment first (Jinja's pass_* decorators): skip it too.
    skip = 1 if getattr(fn, "jinja_pass_arg", None) is None else 2

    @functools.wraps(fn)  # keeps jinja_pass_arg, so Jinja still passes what the filter asks for
    def run(*args: object, **kwargs: object) -> object:
        _step()
        value, rest = (args[skip - 1] if len(args) >= skip else None), args[skip:]
        _no_big_numbers((*rest, *kwargs.values()))
        if name == "format":
            _no_wide(value)
        elif name == "join":
            _join_fits(value if isinstance(value, (list, tuple)) else None, rest[0] if rest else "")
        elif name == "replace" and len(rest) >= 2:
            _replace_fits(str(value), rest[0], rest[1])
        return _sized(fn(*args, **kwargs))

    return run


class _BudgetCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every loop's iterable counted and every ``~`` result size-checked."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        counted = nodes.Call(nodes.EnvironmentAttribute("counted"), [node.iter], [], None, None,
                             lineno=node.lineno)
        # A copy: the caller's tree (lint parses once and reads it again) keeps the template as written.
        super().visit_For(nodes.For(node.target, counted, node.body, node.else_, node.test, node.recursive,
                                    lineno=node.lineno), frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        # ``loop(children)`` in a recursive loop iterates its argument without going through visit_For.
        if isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.args:
            counted = nodes.Call(nodes.EnvironmentAttribute("counted"), [node.args[0]], [], None, None,
                                 lineno=node.lineno)
            node = nodes.Call(node.node, [counted, *node.args[1:]], node.kwargs, node.dyn_args, node.dyn_kwargs,
                              lineno=node.lineno)
        super().visit_Call(node, frame, forward_caller=forward_caller)  # by name: Jinja's wrapper takes **kwargs

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.sized(")
        super().visit_Concat(node, frame)
        self.write(")")


# ------------------------------------------------------------------ compiled code kept in memory
# Parsing, generating and compiling a template is most of a lint (about 0.5 s for the shipped 130) and
# of a first render; in one process the same texts are compiled again and again -- by every Renderer
# (one environment per knowledge base and language), by the web server's preview and docs, by a lint
# of a fresh copy of the same knowledge base.  So the code object of each (environment settings,
# source, name) is kept here, and handed out under the caller's filename (the file tracebacks and
# problems name): the generated Python does not depend on the filename, only the code's co_filename does.

#: (settings, source, name, defer_init) -> code; least recently used first.  The shipped knowledge base
#: has ~130 templates per language: the bound leaves room for a few knowledge bases and the writer's edits.
_CODE: OrderedDict[tuple[object, ...], CodeType] = OrderedDict()
_MAX_CODE = 2048
_CODE_LOCK = threading.Lock()  # the web server compiles from several threads


def code_settings(env: jinja2.Environment, name: str | None) -> tuple[object, ...]:
    """What Jinja's compiled code of template ``name`` depends on besides its source: the syntax (the
    fields of Jinja's own lexer cache key), whitespace handling, the code generator (the class), the
    extensions, autoescape as Jinja decides it for this name, and the filters, tests and finalize
    themselves -- Jinja calls them while compiling to fold constant expressions into the code."""
    lexer_key = (env.block_start_string, env.block_end_string, env.variable_start_string,
                 env.variable_end_string, env.comment_start_string, env.comment_end_string,
                 env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
                 env.newline_sequence, env.keep_trailing_newline)
    return (type(env), lexer_key, env.optimized, env.is_async,
            env.autoescape(name) if callable(env.autoescape) else env.autoescape, env.finalize,
            tuple(sorted(env.extensions)), _functions(env.filters), _functions(env.tests))


def _functions(table: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
    """The functions themselves (held by the key, so no other function can take their place), each as the
    one a wrapper wraps: every environment wraps the built-in filters afresh (``_checked_filter``)."""
    # Asked twice per template compiled (a 1,000-rule lint: 6,400 times, each sorting ~90 entries); the
    # table may change (a caller adds a filter), so what is kept is checked against its items, compared in C.
    items = tuple(table.items())
    kept = _TABLES.get(id(table))
    if kept is not None and kept[0] == items:
        return kept[1]
    described = tuple(sorted((name, getattr(fn, "__wrapped__", fn)) for name, fn in items))
    with _CODE_LOCK:
        if len(_TABLES) >= 64:  # environments come and go (one per Renderer and language)
            _TABLES.clear()
        _TABLES[id(table)] = (items, described)
    return described


_TABLES: dict[int, tuple[tuple[tuple[str, object], ...], tuple[tuple[str, object], ...]]] = {}


def with_filename(code: CodeType, filename: str) -> CodeType:
    """``code`` (and the functions it defines: the template's blocks and macros) as if compiled from
    ``filename``."""
    if code.co_filename == filename:
        return code
    consts = tuple(with_filename(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def keep_code(env: jinja2.Environment, source: str, name: str | None, code: CodeType) -> None:
    """Keep code compiled from a tree the caller parsed itself (lint reads the tree too), for the next
    ``compile`` of the same source."""
    _remember((code_settings(env, name), source, name, False), code)


def _remembered(key: tuple[object, ...]) -> CodeType | None:
    with _CODE_LOCK:
        code = _CODE.get(key)
        if code is not None:
            _CODE.move_to_end(key)
        return code


def _remember(key: tuple[object, ...], code: CodeType) -> None:
    with _CODE_LOCK:
        _CODE[key] = code
        while len(_CODE) > _MAX_CODE:
            _CODE.popitem(last=False)


# ------------------------------------------------------------------ compiled code kept on disk
# The next process finds the code in the user's cache folder (``kb.cache``: trusted, HMAC-signed), one
# entry per template.  Jinja's own entries (``FileSystemBytecodeCache``'s layout) are keyed by the template's
# name and text only: an engine with another code generator or budget, another Jinja or other environment
# settings would have run the old code.  These are keyed by exactly what the code was compiled from, and hold
# the code alone (marshal, after the signature: no pickle, no checksum of Jinja's).


def disk_settings(env: jinja2.Environment, name: str | None) -> str:
    """:func:`code_settings` as text that means the same in the next process: the functions by their
    qualified names (their code is in Jinja's version or in the engine's files, both in the key)."""
    generator = env.code_generator_class
    return _described(code_settings(env, name), f"{generator.__module__}.{generator.__qualname__}")


@functools.lru_cache(maxsize=64)  # a tenth of a millisecond each, for every template a command loads
def _described(settings: tuple[object, ...], generator: str) -> str:
    def named(value: object) -> object:
        if isinstance(value, tuple):
            return tuple(named(item) for item in value)
        if callable(value):
            return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
        return value

    return repr((jinja2.__version__, named(settings), generator))


class SignedCodeCache(BytecodeCache):
    """Compiled templates in the trusted cache folder: ``jinja-<file id>-<content id>.code``, each read
    only when its HMAC matches (written by this user's own runs), the older code of the same file removed
    when a new one is written.  A miss, a damaged entry or a write that fails only costs a compile."""

    HEADER = b"diagnostica-jinja-code-1"
    # Jinja's layout (``template-*.cache``), written by earlier versions, is never read: removed on a write.

    def __init__(self, folder: Any, secret: bytes) -> None:
        self.folder, self.secret = folder, secret
        self._legacy_removed = False

    def _entry(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> str:
        from ..kb import cachekeys

        place = cachekeys.folder_id(f"template:{filename}")
        return f"jinja-{place}-{cachekeys.content_id(disk_settings(environment, name), name, source)}.code"

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        from ..kb import cache

        bucket = Bucket(environment, self._entry(environment, name, filename, source), "")
        shown = "<template>" if filename is None else filename
        memo = (code_settings(environment, name), source, name, False)
        code = _remembered(memo)  # compiled in this process already (another Renderer, a lint)
        if code is not None and not (self.folder / bucket.key).exists():
            self.set_bucket(Bucket(environment, bucket.key, ""), code)  # this folder's own entry, for the next process
        elif code is None:
            payload = cache.read_signed(self.folder, self.secret, bucket.key, self.HEADER)
            try:
                found = marshal.loads(payload) if payload is not None else None
            except (EOFError, ValueError, TypeError):  # from another Python: a miss
                found = None
            if isinstance(found, CodeType):
                code = found
                _remember(memo, code)
        bucket.code = with_filename(code, shown) if code is not None else None
        return bucket

    def set_bucket(self, bucket: Bucket, code: CodeType | None = None) -> None:
        from ..kb import cache

        code = bucket.code if code is None else code
        if code is None or not cache.replace_signed(self.folder, self.secret, bucket.key, self.HEADER,
                                                    marshal.dumps(code)):  # and this file's older code
            return
        if not self._legacy_removed:  # Jinja's own layout, once per cache
            self._legacy_removed = True
            try:
                names = os.listdir(self.folder)
            except OSError:
                return
            for name in names:
                if name.startswith("template-") and name.endswith(".cache"):
                    try:
                        os.unlink(self.folder / name)
                    except OSError:
                        pass


def signed_code_cache() -> SignedCodeCache | None:
    """The user's cache of compiled templates, or None (disabled, or no trusted folder)."""
    from ..kb import cache

    signed = cache.signing() if cache.enabled() else None
    return SignedCodeCache(*signed) if signed is not None else None


class BudgetedTemplate(jinja2.Template):
    def render(self, *args: object, **kwargs: object) -> str:
        token = _current.set(_Counter())
        try:
            return super().render(*args, **kwargs)
        finally:
            _current.reset(token)


def _bounded_concat(pieces: Iterable[str]) -> str:
    """The rendered text, refused as soon as it grows past the size limit."""
    kept, total = [], 0
    for piece in pieces:
        total += len(piece)
        if total > MAX_SIZE:
            raise TemplateBudgetExceeded("size", MAX_SIZE)
        kept.append(piece)
    return "".join(kept)


class BudgetedEnvironment(SandboxedEnvironment):
    """The sandbox every knowledge-base template runs in (see the module's docstring)."""

    code_generator_class = _BudgetCodeGenerator
    template_class = BudgetedTemplate
    concat = staticmethod(_bounded_concat)
    # Intercepted, so checked at render time and never folded (computed) while compiling.
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    # Jinja's Environment options, passed on as they are: any of its (typed) parameters.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Jinja's optimizer off: it folds constant expressions, which these short templates barely have
        # (and the intercepted operators never fold), and it cost about 30 % of each compile.  Every
        # shipped text renders the same with it off (1,968 renders of the rules' examples compared).
        kwargs.setdefault("optimized", False)
        super().__init__(*args, **kwargs)
        self.filters = {name: _checked_filter(name, fn) for name, fn in self.filters.items()}
        self.globals.pop("lipsum", None)  # a text generator with no use in advice, and no size bound

    # Jinja's signature, with the memo in front for template sources (see ``_CODE``); a tree or a request
    # for the Python text goes to Jinja as it is.  A template that does not compile is never kept: its
    # error is raised afresh, with the caller's filename.
    def compile(self, source: str | nodes.Template, name: str | None = None,  # type: ignore[override]
                filename: str | None = None,
                raw: bool = False, defer_init: bool = False) -> CodeType | str:
        if raw:
            return super().compile(source, name, filename, raw=True, defer_init=defer_init)
        if not isinstance(source, str):
            return super().compile(source, name, filename, defer_init=defer_init)
        key = (code_settings(self, name), source, name, defer_init)
        shown = "<template>" if filename is None else filename  # as Jinja names a template with no file
        code = _remembered(key)
        if code is None:
            code = super().compile(source, name, filename, defer_init=defer_init)
            _remember(key, code)
        return with_filename(code, shown)

    @staticmethod
    def counted(iterable: Iterable[T]) -> Iterator[T]:
        for item in iterable:
            _step()
            yield item

    @staticmethod
    def sized(value: T) -> T:
        return _sized(value)

    def call(__self, __context: Context, __obj: object, *args: object,  # noqa: N805 - Jinja's signature
             **kwargs: object) -> object:
        _step()
        # The sandbox hands out str.format wrapped (see wrap_str_format): the string is the wrapped method's.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        method = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and method in ("format", "format_map"):
            _no_wide(owner)
        else:
            _no_big_numbers((*args, *kwargs.values()))
            if isinstance(owner, str) and method == "join" and args:
                _join_fits(args[0] if isinstance(args[0], (list, tuple)) else None, owner)
            elif isinstance(owner, str) and method == "replace" and len(args) >= 2:
                _replace_fits(owner, args[0], args[1])
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: object, right: object) -> object:
        _step()
        if operator == "*":
            _repeat_fits(left, right)
        elif operator == "**":
            _power_fits(left, right)
        elif operator == "%" and isinstance(left, str):
            _no_wide(left)
            _no_big_numbers(right if isinstance(right, tuple) else (right,))
        return _sized(super().call_binop(context, operator, left, right))
