"""Ctrl-C: the real command, interrupted with SIGINT while it waits for a DNS server that never answers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import _command
from dnsserver import make_server


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        yield running


def wait_for_queries(server, before: int, proc: subprocess.Popen) -> None:
    """Until the command's first query reaches the server (a safety limit only, not a timed assertion)."""
    deadline = time.monotonic() + 30
    while server.queries == before:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command never queried the server"
        time.sleep(0.02)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_sigint_during_a_batch_ends_with_130_and_one_line(server, write, source):
    domains = "silent.test\nhosted-ok.cases.test\nsilent.test\n"
    batch = "-" if source == "stdin" else str(write("domains.txt", domains))
    before = server.queries
    proc = subprocess.Popen([*_command(), "dns", "--batch", batch, "--nameserver", server.address,
                             "--timeout", "60", "--concurrency", "1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    if source == "stdin":  # the input stays open: more could come
        proc.stdin.write(domains.encode())
        proc.stdin.flush()
    wait_for_queries(server, before, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # well before the 60 s lookup timeout
    assert proc.returncode == 130
    assert err.decode() == "diagnostica: interrotto (Ctrl-C)\n"
    assert out == b""  # the silent domain is first and unfinished: nothing half-written


#: The console script's first steps, with a real SIGINT sent to itself the moment typer starts importing:
#: an audit hook on the "import" event makes the moment exact, where a parent watching the output would
#: race the child on a loaded machine.
_INTERRUPTED_WHILE_IMPORTING = """
import os, signal, sys
def hook(event, args):
    if event == "import" and args[0] == "typer":
        os.kill(os.getpid(), signal.SIGINT)
sys.addaudithook(hook)
sys.argv = ["diagnostica", "check", "--help"]
from diagnostica.cli.entry import run
run()
"""


def test_sigint_while_the_command_imports_its_libraries_ends_with_130_and_one_line():
    """Ctrl-C before ``main`` runs (typer and click still importing): the entry point catches it.
    ``-X importtime`` shows how far the imports got: typer's own import never finished."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", _INTERRUPTED_WHILE_IMPORTING],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    lines = [line for line in proc.stderr.splitlines(keepends=True) if not line.startswith("import time:")]
    imported = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    expected = (130, ["diagnostica: interrotto (Ctrl-C)\n"], "", False)
    assert (proc.returncode, lines, proc.stdout, "typer" in imported) == expected
