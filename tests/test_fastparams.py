"""cli/fastparams.py converts every option of every command exactly as typer itself would."""
from __future__ import annotations

import pytest

typer_core = pytest.importorskip("typer.core")

from diagnostica.cli import fastparams  # noqa: E402
from diagnostica.cli.main import build_app  # noqa: E402

SAMPLES = ["abc", "", "città", "5", "-3", "0", "007", "1.5", "1e3", "nan", "x", "true", "False", "no", "yes",
           "on", "1", "a/b", "-", " 2 ", "5000000000000000000000"]


def _commands():
    import typer.main

    root = typer.main.get_command(build_app())
    pending = [root]
    while pending:
        command = pending.pop()
        yield command
        pending.extend(getattr(command, "commands", {}).values())


def _outcome(runtime, value, param, ctx):
    try:
        return "ok", repr(runtime.coerce(value, param=param, ctx=ctx))  # repr: nan equals nan
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return "error", type(exc).__name__


def test_every_option_converts_as_typer_would():
    from typer._click import Context  # typer >= 0.20 vendors click

    if fastparams.RuntimeParam is None:
        pytest.skip("this typer has no pydantic coercion: fastparams does nothing")
    fastparams.install()
    plain = typer_core.build_runtime_param
    original = plain.original
    compared = 0
    for command in _commands():
        ctx = Context(command)
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:
                continue
            ours, theirs = plain(descriptor), original(descriptor)
            if type(ours) is type(theirs):
                continue  # typer's own conversion kept: nothing to compare
            compared += 1
            many = param.multiple or param.nargs == -1
            for sample in SAMPLES:
                value = [sample, sample] if many else sample
                assert _outcome(ours, value, param, ctx) == _outcome(theirs, value, param, ctx), (
                    command.name, param.name, sample)
    assert compared >= 20  # most options take the plain path: the comparison covers them
