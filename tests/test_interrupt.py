"""Ctrl-C: the real command, interrupted with SIGINT while it waits for a DNS server that never answers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def test_sigint_while_the_command_imports_its_libraries_ends_with_130_and_one_line(tmp_path):
    """Ctrl-C before ``main`` runs (typer and click still importing): the console script's own entry point
    catches it.  ``-X importtime`` shows how far the imports got: the signal goes as soon as the entry
    module is in, while typer is being imported."""
    script = Path(sys.executable).parent / "diagnostica"
    entry = [str(script)] if script.exists() else ["-c", "from diagnostica.cli.entry import run; run()"]
    proc = subprocess.Popen([sys.executable, "-X", "importtime", *entry, "check", "--help"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.rstrip().endswith("| diagnostica.cli.entry"):
            proc.send_signal(signal.SIGINT)
            break
    out, rest = proc.communicate(timeout=60)
    lines = [line for line in seen + rest.splitlines(keepends=True) if not line.startswith("import time:")]
    imported = {line.rpartition("|")[2].strip() for line in seen + rest.splitlines() if line.startswith("import time:")}
    assert (proc.returncode, lines, out, "typer" in imported) == (130, ["diagnostica: interrotto (Ctrl-C)\n"], "", False)
