"""Command-line usage errors (unknown command or option, bad value) in the user's words.

click raises them in English; we keep its facts (the option, the offending
value, its suggestions) and phrase them through the locale's messages, as one
line like every other error.
"""
from __future__ import annotations

import re
from typing import Any

from diagnostica.engine.kb.catalogue import closest
from diagnostica.engine.kb.texts import bundled_texts

# The words of the conversions (cli/fastparams.py's and typer's own: "'abc' is not a valid float.",
# "Value 'x' is not a valid int.") and of click's extra arguments ("Got unexpected extra argument (b)").
_NOT_A_NUMBER = re.compile(r"""^(?:Value )?(?:'(?P<value>.*)'|"(?P<other>.*)") is not a valid (?P<type>int|float)\.$""")
_EXTRA = re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<arguments>.*)\)$")


def _param_name(exc: Any) -> str:
    param = getattr(exc, "param", None)
    if param is not None:
        if param.param_type_name == "option" and param.opts:
            return param.opts[0]
        return getattr(param, "metavar", None) or (param.name or "?").upper()
    return getattr(exc, "param_hint", None) or "?"


def describe(exc: Any, lang: str = "it") -> str:
    texts = bundled_texts(lang)
    kind = type(exc).__name__
    message = exc.format_message()
    if kind == "NoSuchOption":
        options = list(getattr(exc, "possibilities", None) or ())
        ctx = getattr(exc, "ctx", None)
        if not options and ctx is not None:
            options = [o for p in ctx.command.params for o in getattr(p, "opts", ())]
        text = texts.format("errors.usage_no_such_option", option=exc.option_name)
        suggestion = closest(exc.option_name, options)
    elif kind == "BadOptionUsage":
        text = texts.format("errors.usage_option_needs_value", option=getattr(exc, "option_name", "?"))
        suggestion = None
    elif kind == "MissingParameter":
        text = texts.format("errors.usage_missing", param=_param_name(exc))
        suggestion = None
    elif kind == "BadParameter" and (number := _NOT_A_NUMBER.match(getattr(exc, "message", message))):
        key = "errors.usage_not_an_integer" if number["type"] == "int" else "errors.usage_not_a_number"
        text = texts.format(key, param=_param_name(exc), value=number["value"] or number["other"] or "")
        suggestion = None
    elif kind == "BadParameter":
        detail = getattr(exc, "message", message)
        text = texts.format("errors.usage_bad_value", param=_param_name(exc), detail=detail)
        suggestion = None
    elif (extra := _EXTRA.match(message)) is not None:
        text = texts.format("errors.usage_extra_arguments", arguments=extra["arguments"])
        suggestion = None
    elif (found := re.match(r"No such command '([^']*)'", message)) is not None:
        ctx = getattr(exc, "ctx", None)
        commands = list(getattr(getattr(ctx, "command", None), "commands", {}) or ())
        text = texts.format("errors.usage_no_such_command", command=found[1])
        suggestion = closest(found[1], commands)
    else:
        text = texts.format("errors.usage_other", detail=message)
        suggestion = None
    if suggestion:
        text += f" ({texts.format('errors.hint_did_you_mean', suggestion=suggestion)})"
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f"; {texts.format('errors.usage_help', command=ctx.command_path)}"
    return text
