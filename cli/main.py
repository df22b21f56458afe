"""Entry point: ``main(argv) -> int``; every subcommand lives in its own module.

Errors the user can cause (DiagnosticaError) become one message on stderr
and exit code 2; the usage errors click detects exit 2 as well.  A bug gives
one line and exit code 3 (DIAGNOSTICA_DEBUG=1 shows the traceback).  Ctrl-C,
wherever it comes, gives one line and exit code 130 (128 + SIGINT, as shells do).
"""
from __future__ import annotations

import functools
import importlib
import os
import sys

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # typer vendors click

from . import fastparams, helptext
from .language import chosen_lang

# Each command's module is imported only when that command runs (all of them
# for the top-level --help), so `diagnostica check` starts without the DNS,
# consultation or linting machinery.  name -> (module, attribute, is a group)
COMMANDS = {
    "check": ("check", "check", False),
    "dns": ("dns_cmd", "dns", False),
    "ovh": ("ovh_cmd", "ovh", False),
    "report": ("report_cmd", "report", False),
    "ask": ("ask_cmd", "ask", False),
    "rules": ("rules_cmd", "app", True),
    "serve": ("serve_cmd", "serve", False),
}


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"diagnostica {version('diagnostica')}")
        raise typer.Exit()


def build_app(names: list[str] | None = None) -> typer.Typer:
    app = typer.Typer(
        name="diagnostica",
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def diagnostica(
        version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                     help="Mostra la versione di Diagnostica ed esce."),
    ) -> None:
        """Diagnostica Exchange: dai fatti di un account alla diagnosi e ai rimedi, in italiano."""

    for name in names or COMMANDS:
        module_name, attribute, is_group = COMMANDS[name]
        target = getattr(importlib.import_module(f"{__package__}.{module_name}"), attribute)
        if is_group:
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


@functools.lru_cache(maxsize=None)
def _command(name: str | None) -> typer.core.TyperGroup:
    """The click command for one command (``name``) or for all of them (None), built once per process:
    typer reads every option from the functions' signatures again on each build, about a fifth of an
    in-process call (the tests', a caller of ``main``); the command keeps no state between runs."""
    command = typer.main.get_command(build_app([name] if name else None))
    assert isinstance(command, typer.core.TyperGroup)  # the app has a callback: always a group
    helptext.localise(command)
    return command


#: The exit code of an interrupted command (typer turns a KeyboardInterrupt inside a command into
#: it; ask returns it on Ctrl-C): one line says so, whatever was running.
INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, so that a full disk or a closed pipe is ours to report, not a shutdown trace
        return code
    except KeyboardInterrupt:
        return _interrupted(chosen_lang(argv))
    except BrokenPipeError:
        return _stdout_gone()
    except OSError as exc:  # the final flush: /dev/full, a full disk, a closed terminal
        return _output_failed(exc, chosen_lang(argv))


def _stdout_gone() -> int:
    """The reader went away (``| head``): stop quietly, as other tools do, and keep the interpreter's
    final flush from printing a traceback about it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush later
        pass
    return 0


def _output_failed(exc: OSError, lang: str = "it") -> int:
    from diagnostica.engine.kb.texts import bundled_texts

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered cannot be written either
    except (OSError, ValueError, AttributeError):
        pass
    try:
        problem = exc.strerror or str(exc)
        print(f"diagnostica: {bundled_texts(lang).format('errors.output_failed', problem=problem)}",
              file=sys.stderr)
    except OSError:
        pass
    return 2


def _interrupted(lang: str = "it") -> int:
    from diagnostica.engine.kb.texts import bundled_texts

    try:
        print(f"diagnostica: {bundled_texts(lang).format('interrupt.message')}", file=sys.stderr)
    except KeyboardInterrupt:  # a second Ctrl-C while saying so: just stop
        pass
    return INTERRUPTED


def _main(argv: list[str]) -> int:
    from diagnostica.engine.errors import DiagnosticaError

    fastparams.install()  # no pydantic for plain str/Path/int/bool options
    lang = chosen_lang(argv)
    if not argv:  # no arguments: the help, as a request for it (exit 0), not a usage error
        argv = ["--help"]
    command = _command(argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        code = command.main(args=argv, prog_name="diagnostica", standalone_mode=False)
    except DiagnosticaError as exc:
        # Only for an error (the texts need PyYAML), and through the cache: a user's mistake is answered
        # without parsing the locale's YAML again (about 20 ms).  A full disk or a bug below keeps the
        # plain reading, which needs no cache folder.
        from diagnostica.engine.kb.cached_texts import bundled_texts
        from diagnostica.engine.present.controls import escape

        print(f"diagnostica: {escape(exc.render(bundled_texts(lang)))}", file=sys.stderr)  # it may quote the input
        return exc.exit_code
    except typer.Abort:  # an EOFError no command caught: the input ended
        print("", file=sys.stderr)
        return 130
    except NoArgsIsHelpError as exc:  # a group named without a command (`diagnostica rules`): its help, as asked
        print(exc.ctx.get_help())
        return 0
    except ClickException as exc:
        from .usage import describe

        print(f"diagnostica: {describe(exc, lang)}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # click's own EPIPE handling exits 1: not an error
            return _stdout_gone()
        raise
    except BrokenPipeError:
        return _stdout_gone()
    except Exception as exc:  # noqa: BLE001 - a bug: one line, not a traceback, unless asked
        import errno

        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT):
            return _output_failed(exc, lang)  # writing the output failed: the input was fine
        if os.environ.get("DIAGNOSTICA_DEBUG"):
            raise
        from diagnostica.engine.kb.texts import bundled_texts

        problem = f"{type(exc).__name__}: {exc}"
        print(f"diagnostica: {bundled_texts(lang).format('errors.internal', problem=problem)}",
              file=sys.stderr)
        return 3
    if code == INTERRUPTED:  # a KeyboardInterrupt inside the command, which typer turned into its exit code
        raise KeyboardInterrupt
    return code if isinstance(code, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
