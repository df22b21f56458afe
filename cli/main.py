"""Entry point: ``main(argv) -> int``; every subcommand lives in its own module.

Errors the user can cause (DiagnosticaError) become one message on stderr
and exit code 2; the usage errors click detects exit 2 as well.  A bug gives
one line and exit code 3 (DIAGNOSTICA_DEBUG=1 shows the traceback).
"""
from __future__ import annotations

import os
import sys

import typer

try:  # typer >= 0.20 vendors click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer
    from click.exceptions import ClickException

from . import ask_cmd, check, dns_cmd, fastparams, report_cmd, rules_cmd

app = typer.Typer(
    name="diagnostica",
    help="Diagnostica Exchange: dai fatti di un account alla diagnosi e ai rimedi, in italiano.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("check")(check.check)
app.command("dns")(dns_cmd.dns)
app.command("report")(report_cmd.report)
app.command("ask")(ask_cmd.ask)
app.add_typer(rules_cmd.app, name="rules")


def main(argv: list[str] | None = None) -> int:
    from diagnostica.engine.errors import DiagnosticaError

    fastparams.install()  # no pydantic for plain str/Path/int/bool options
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="diagnostica", standalone_mode=False)
    except DiagnosticaError as exc:
        print(f"diagnostica: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        print("", file=sys.stderr)
        return 130
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line, not a traceback, unless asked
        if os.environ.get("DIAGNOSTICA_DEBUG"):
            raise
        from diagnostica.engine.messages import format_message

        print(f"diagnostica: {format_message('errors.internal', problem=f'{type(exc).__name__}: {exc}')}",
              file=sys.stderr)
        return 3
    return code if isinstance(code, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
