"""Plain conversion of simple command-line values, so a command starts without pydantic.

Recent typer releases convert every option value through a pydantic
TypeAdapter: importing pydantic and building the adapters costs more than a
whole ``diagnostica check`` (about 100 ms of a cold start).  Our options are
text, paths, integers and lists of those, for which the conversion is
``str``/``Path``/``int``.  :func:`install` gives such parameters that
conversion (booleans too: the --help flag is one); any other parameter (choices, ranges, path checks, custom
parsers) keeps typer's own.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click.exceptions import BadParameter  # typer's internals (pyproject.toml pins the release line)
from typer._coercion import RuntimeParam


def _bool(value: Any) -> bool:
    # typer's (pydantic's) words for a flag's value, not the project's yes/no words (engine/kb/yesno.py):
    # this must convert exactly as typer would, which tests/test_fastparams.py checks for every option.
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "t", "yes", "y", "on"):
        return True
    if word in ("0", "false", "f", "no", "n", "off", ""):  # typer reads an empty flag value as false too
        return False
    raise ValueError(value)


_bool.__name__ = "boolean"
_SIMPLE = {str: str, Path: Path, int: int, float: float, bool: _bool}


def _converter(annotation: Any, info: Any) -> Any:
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    if annotation is Path and any(getattr(info, flag, None) for flag in (
            "exists", "resolve_path", "allow_dash", "path_type")):
        return None
    if annotation is Path and (getattr(info, "file_okay", True) is not True or getattr(info, "dir_okay", True) is not True
                               or getattr(info, "writable", False) or getattr(info, "readable", True) is not True):
        return None
    if annotation is int and (getattr(info, "min", None) is not None or getattr(info, "max", None) is not None):
        return None
    return _SIMPLE.get(annotation)


@functools.cache
def _plain_param_class(convert: Any, many: bool) -> type:
    """A RuntimeParam that converts with ``convert`` (each item when ``many``).  One plain subclass per
    conversion (ten at most), not a dataclass subclass with two more fields: building a dataclass costs
    more than a millisecond, at every start of every command."""
    def _one(self: Any, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        try:
            return convert(value)
        except (TypeError, ValueError):
            raise BadParameter(f"{value!r} is not a valid {convert.__name__}.", ctx=ctx, param=param) from None

    def _coerce_value(self: Any, value: Any, param: Any, ctx: Any) -> Any:
        if many:
            return [_one(self, item, param, ctx) for item in value]
        return _one(self, value, param, ctx)

    name = f"Plain{convert.__name__.title()}{'List' if many else ''}RuntimeParam"
    return type(name, (RuntimeParam,), {"_coerce_value": _coerce_value, "__module__": __name__})


def install() -> None:
    """Route typer's parameter conversion through :func:`_build` (once per process)."""
    import typer.core

    original = getattr(typer.core, "build_runtime_param", None)
    if original is None or getattr(original, "diagnostica_plain", False):
        return

    def build(descriptor: Any) -> Any:
        annotation, info = descriptor.annotation, descriptor.parameter_info
        many = get_origin(annotation) is list
        if many:
            args = get_args(annotation)
            annotation = args[0] if len(args) == 1 else None
        convert = _converter(annotation, info)
        if convert is None or getattr(descriptor, "file_annotation", None) is not None:
            return original(descriptor)
        return _plain_param_class(convert, many)(parameter_info=info, annotation=descriptor.annotation)

    build.diagnostica_plain = True  # type: ignore[attr-defined]
    build.original = original  # type: ignore[attr-defined]  # for the test that compares both
    typer.core.build_runtime_param = build
