"""The console script's entry point: Ctrl-C is handled before anything heavy is imported.

``diagnostica.cli.main`` imports typer and click (a tenth of a second or more);
a Ctrl-C then, or while the console script itself still runs, would end in a
Python traceback before ``main`` could catch it.  Importing this module (the
console script's first step) installs a handler that says so in one line and
exits 130; ``run`` gives Ctrl-C back to Python's usual handling once the
imports are done, and ``main`` catches it from there on.  Only the console
script imports this module: the in-process tests never change the signal handling.
"""
from __future__ import annotations

import gc
import signal
import sys

from .language import chosen_lang

INTERRUPTED = 130


def _interrupted_while_starting(signum: int, frame: object) -> None:
    try:
        from diagnostica.engine.kb.texts import bundled_texts

        print(f"diagnostica: {bundled_texts(chosen_lang(sys.argv[1:])).format('interrupt.message')}",
              file=sys.stderr)
    except BaseException:  # noqa: BLE001 - a second Ctrl-C, an import broken half-way: stop without words
        pass
    raise SystemExit(INTERRUPTED)  # not KeyboardInterrupt: nothing above would catch it quietly


signal.signal(signal.SIGINT, _interrupted_while_starting)

# The cyclic collector's first generation is collected every 50,000 new container objects instead of
# every 700: starting a command (the libraries, the knowledge base, the templates) allocates tens of
# thousands of objects that live until the end, and the ~45 collections they triggered found nothing
# to free (about 8 % of a `check`'s CPU).  Collection still happens, so a long command (serve, a
# batch) keeps its memory bounded.  Only the console script: the in-process tests keep Python's default.
gc.set_threshold(50_000, 10, 10)


def run() -> None:
    from .main import main

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main()
    finally:
        # The process ends now: what is alive is freed with it.  Frozen, it is not scanned by the full
        # collection the interpreter makes on its way out (20-35 ms of a `check` once loading the
        # knowledge base stopped freezing what it made: a library must not freeze a server's objects).
        gc.freeze()
    sys.exit(code)
