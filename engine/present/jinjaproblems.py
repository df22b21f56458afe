"""What went wrong in a template, as a message code and its parameters (never Jinja's English).

Jinja words its complaints for programmers («Unexpected end of template.
Jinja was looking for the following tags: 'elif' or 'else' or 'endif'...»).
Each complaint it can make about what a writer typed is recognised here and
becomes a code of the ``lint.jinja`` section of ``locales/<lang>/jinja.yaml``
(text and hint), with the names it mentions as parameters; the linter, the
example runner and a finding whose text failed all say it the same way.
A complaint not recognised keeps Jinja's words inside the reader's sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import jinja2

from ..errors import Texts

# Jinja's two phrasings: "'name' is undefined" (a variable) and "'dict object' has no attribute 'name'"
# (or "list object has no element 3"): the name comes before the words in one, after them in the other.
_UNDEFINED = re.compile(r"^'(?P<variable>.+)' is undefined$|has no (?:attribute|element) '?(?P<attribute>.+?)'?$")

#: Jinja's sentences -> code; the named groups become parameters.  Order matters: first match wins.
_PATTERNS = (
    ("unclosed_block", re.compile(r"^Unexpected end of template\. Jinja was looking for the following tags: .*"
                                  r"The innermost block that needs to be closed is '(?P<block>\w+)'")),
    ("wrong_end", re.compile(r"^Encountered unknown tag '(?P<tag>\w+)'\. .*"
                             r"The innermost block that needs to be closed is '(?P<block>\w+)'", re.DOTALL)),
    ("end_without_block", re.compile(r"^Encountered unknown tag '(?P<tag>end\w*)'\.$")),
    ("unknown_tag", re.compile(r"^Encountered unknown tag '(?P<tag>\w+)'\.$")),
    ("unknown_filter", re.compile(r"^No filter named '(?P<name>[^']+)'")),
    ("unknown_test", re.compile(r"^No test named '(?P<name>[^']+)'")),
    ("unexpected_end", re.compile(r"^unexpected end of template, expected '(?P<expected>[^']+)'\.?$")),
    ("unexpected_token", re.compile(r"^unexpected '(?P<got>[^']+)', expected '(?P<expected>[^']+)'$")),
    ("unexpected_symbol", re.compile(r"^unexpected '(?P<got>[^']+)'$")),
    ("expected_token", re.compile(r"^expected token '(?P<expected>[^']+)', got '(?P<got>[^']+)'$")),
    ("missing_expression", re.compile(r"^Expected an expression, got '(?P<got>[^']+)'$")),
    ("unclosed_string", re.compile(r"""^unexpected char (?P<q>['"])(?P<char>['"])(?P=q) at \d+$""")),
    ("unexpected_char", re.compile(r"""^unexpected char (?P<q>['"])(?P<char>.)(?P=q) at \d+$""")),
    ("unclosed_comment", re.compile(r"^Missing end of comment tag$")),
    ("unclosed_raw", re.compile(r"^Missing end of raw directive$")),
)

#: Jinja's names for what it expected, as the writer types them.
_TOKENS = {"end of print statement": "}}", "end of statement block": "%}", "end of template": "",
           "end of comment": "#}", "name": "", "string": "", "integer": "", "float": ""}

#: Tags that open a block closed by ``end<tag>`` (``set`` too, but only without ``=``: left out).
_BLOCK_TAGS = ("if", "for", "macro", "call", "filter", "block", "with", "autoescape", "trans", "raw")

TAGS = ("if", "elif", "else", "endif", "for", "endfor", "set", "endset", "include", "import", "from", "macro",
        "endmacro", "call", "endcall", "filter", "endfilter", "with", "endwith", "block", "endblock", "raw",
        "endraw", "autoescape", "endautoescape", "break", "continue", "do")


@dataclass(frozen=True)
class TemplateProblem:
    """One template mistake: ``code`` under ``lint.jinja``, where, and the names it is about."""

    code: str
    file: str
    line: int | None
    params: dict[str, object] = field(default_factory=dict)

    def message(self, texts: Texts) -> str:
        return texts.format(f"lint.jinja.{self.code}", **self.params)

    def hint_key(self, texts: Texts) -> str | None:
        """The hint's code under ``lint.`` (the one offering ``suggestion`` when there is one)."""
        key = f"jinja.{self.code}_hint"
        if self.params.get("suggestion") and texts.word(f"lint.{key}_suggestion") is not None:
            return f"{key}_suggestion"
        return key if texts.word(f"lint.{key}") is not None else None

    def hint(self, texts: Texts) -> str | None:
        key = self.hint_key(texts)
        return texts.format(f"lint.{key}", **self.params) if key else None

    def text(self, texts: Texts) -> str:
        """``file:line: message (hint)``, for the places that show one line."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        hint = self.hint(texts)
        return f"{where}: {self.message(texts)}" + (f" ({hint})" if hint else "")


def syntax_problem(exc: jinja2.TemplateSyntaxError, display: str, env: jinja2.Environment | None = None,
                   source: str | None = None) -> TemplateProblem:
    """A syntax error (or an unknown filter or test) in the writer's words; ``source`` lets the line
    where an unclosed block opened be named, ``env`` the closest existing filter, test or tag."""
    from ..kb.catalogue import closest

    message = exc.message or ""
    file = exc.filename or display
    if source is None:  # Jinja keeps the text on the error when it loaded the template itself
        source = exc.source if isinstance(getattr(exc, "source", None), str) else None
    for code, pattern in _PATTERNS:
        match = pattern.search(message)
        if match is None:
            continue
        params = {k: v for k, v in match.groupdict().items() if v is not None and k != "q"}
        for name in ("expected", "got"):
            if name in params:
                params[name] = _TOKENS.get(params[name], params[name]) or params[name]
        if "block" in params:
            params["end"] = f"end{params['block']}"
            opened = _opened_at(source, params["block"], exc.lineno, env) if source is not None else None
            params["opened"] = opened or exc.lineno
        if code == "unknown_tag":
            params["suggestion"] = closest(params["tag"], TAGS)
        elif code == "unknown_filter" and env is not None:
            params["suggestion"] = closest(params["name"], sorted(env.filters))
        elif code == "unknown_test" and env is not None:
            params["suggestion"] = closest(params["name"], sorted(env.tests))
        return TemplateProblem(code, file, exc.lineno, params)
    return TemplateProblem("other", file, exc.lineno, {"problem": message})


def runtime_problem(exc: Exception, display: str, line: int | None = None, env: jinja2.Environment | None = None,
                    templates: tuple[str, ...] = ()) -> TemplateProblem | None:
    """A Jinja error raised while rendering that is the writer's (an unknown test, a missing include,
    with the closest of ``templates``); None for the others, which the caller reports as it does."""
    from ..kb.catalogue import closest

    if isinstance(exc, jinja2.TemplateSyntaxError):
        return syntax_problem(exc, display, env)
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateProblem("not_found", display, line, {"name": exc.name,
                                                            "suggestion": closest(str(exc.name), templates)})
    if isinstance(exc, jinja2.TemplateRuntimeError) and not isinstance(exc, jinja2.UndefinedError):
        match = re.search(r"^No test named '(?P<name>[^']+)'", str(exc))
        if match:
            suggestion = closest(match.group("name"), sorted(env.tests)) if env is not None else None
            return TemplateProblem("unknown_test", display, line, {"name": match.group("name"),
                                                                   "suggestion": suggestion})
    return None


def _opened_at(source: str, block: str, line: int | None, env: jinja2.Environment | None) -> int | None:
    """The line of the innermost ``{% block %}`` still open at ``line`` (best effort: None if unsure)."""
    lexer_env = env or jinja2.Environment()
    stack: list[tuple[str, int]] = []
    expect_tag = False
    try:
        for lineno, kind, value in lexer_env.lex(source):
            if line is not None and lineno > line:
                break
            if kind == "block_begin":
                expect_tag = True
                continue
            if kind == "whitespace":
                continue
            if expect_tag and kind == "name":
                if value in _BLOCK_TAGS:
                    stack.append((value, lineno))
                elif value.startswith("end") and stack and stack[-1][0] == value[3:]:
                    stack.pop()
            expect_tag = False
    except jinja2.TemplateSyntaxError:
        pass
    for tag, lineno in reversed(stack):
        if tag == block:
            return lineno
    return None


def undefined_name(message: str) -> str:
    """The variable or attribute an ``UndefinedError`` is about (its whole message when not recognised)."""
    match = _UNDEFINED.search(message)
    return (match.group("variable") or match.group("attribute")) if match else message
