"""A few real processes through the installed entry point: what in-process runs cannot show.

The bulk of the CLI tests call ``main(argv)`` in-process (``run_cli``); these check that the
installed ``diagnostica`` command starts, reads its bundled data and exits with the same codes.
"""
from __future__ import annotations

import re

import pytest

from conftest import EXAMPLES, run_process


@pytest.mark.parametrize("args, code, needle", [
    (["check", str(EXAMPLES / "mx-foreign.yaml")], 1, "MX"),
    (["check", str(EXAMPLES / "api-diagnosis.json"), "--format", "json"], 1, '"findings"'),
    (["report", str(EXAMPLES / "incollato.txt")], 1, "MX"),
    (["dns", "example.it", "--zone-file", str(EXAMPLES / "example.it.zone")], None, "example.it"),
    # the shipped knowledge base lints without a problem, not even a note (test_writers_cli reads its other formats)
    (["rules", "lint"], 0, re.compile(r"Nessun problema: \d+ regole in \d+ file\.\n")),
    (["--version"], 0, "diagnostica "),
    ([], 0, "Uso: diagnostica"),
])
def test_installed_command(args, code, needle):
    run = run_process(*args)
    assert "Traceback" not in run.err
    if code is not None:
        assert run.code == code, run.err
    else:
        assert run.code in (0, 1), run.err
    if isinstance(needle, re.Pattern):
        assert needle.fullmatch(run.out), run.out
    else:
        assert needle in run.out


def test_in_process_and_real_process_agree():
    from conftest import run_cli

    args = ("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "json")
    assert run_cli(*args).json() == run_process(*args).json()
