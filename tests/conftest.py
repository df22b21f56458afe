"""Shared test helpers: the real `diagnostica` command, the bundled knowledge base."""
from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

# This machine's environment sets PYTHONDONTWRITEBYTECODE: every test worker would then compile the
# engine and rewrite every test module's asserts again on every run (about 2 s per worker).  The
# cache goes to the git-ignored __pycache__ folders; reading it was never switched off.
sys.dont_write_bytecode = False

# The collector as the console script sets it (cli/entry.py): the in-process CLI tests then collect as a
# real `diagnostica` process does, and a worker holding a large heap of leftovers from earlier tests no
# longer rescans it at every 700 allocations (about 3 s of the suite's CPU went to such collections).
# A test that checks what a collection frees calls gc.collect() itself.
gc.set_threshold(50_000, 10, 10)

#: The modules that take longest (CPU seconds, their subprocesses' included, summed by file over one
#: ``-n 2`` run on a quiet machine, 16:59 UTC; every module of 0.4 s or more), heaviest first: they run
#: first, so that the two workers end together on the many short modules instead of one waiting for the
#: other's last slow module (pyproject.toml hands whole files to workers, in this order).  A module's
#: tests stay together (its fixtures are set up once); every other module keeps its place.  test_writers_cli
#: comes after test_ovh_all since one of its three lints of the shipped knowledge base went to
#: test_smoke_process's (3.1 s in a loaded -n 2 run at 19:09 UTC, between test_ovh_all and test_bounds).
#: test_freed is not slow: it runs first, while its worker's heap is small (see the module).
SLOW_FIRST = ("test_freed", "test_web_browser", "test_yaml_fast", "test_cache", "test_kb_mutations", "test_template_guards",
              "test_kb_slips_more", "test_startup", "test_ovh", "test_smoke_process",
              "test_ovh_all", "test_writers_cli", "test_bounds", "test_hostile_properties", "test_dns_cli", "test_web",
              "test_panel_corpus", "test_lint_corpus", "test_equivalence", "test_ovh_new", "test_engine",
              "test_schema_accept", "test_audience", "test_mail_checks", "test_architecture", "test_writers_guide",
              "test_interrupt")


def pytest_collection_modifyitems(items: list) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.nodeid.split("::")[0]).stem, len(rank)))


def copy_kb(dest: Path) -> Path:
    """A writable copy of the shipped knowledge base (``rules/`` and ``locales/``) in ``dest``."""
    import shutil

    for part in ("rules", "locales"):
        shutil.copytree(REPO / part, dest / part)
    return dest


#: A tiny knowledge base that lints clean (two rules, a template of each kind per language): what tests of a
#: mechanism (the lint store, the linter's guards, the folder a command finds) lint, at a fraction of the
#: shipped one's cost; the shipped knowledge base itself is linted by the tests of its content.
SMALL_KB = REPO / "tests" / "lint_corpus" / "_base"


def copy_small_kb(dest: Path) -> Path:
    """A writable copy of :data:`SMALL_KB` (its ``rules/`` and ``locales/``) in ``dest``."""
    import shutil

    shutil.copytree(SMALL_KB, dest, dirs_exist_ok=True)
    return dest


def _command() -> list[str]:
    script = Path(sys.executable).parent / "diagnostica"
    return [str(script)] if script.exists() else [sys.executable, "-m", "diagnostica.cli.main"]


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class _Stdin(io.StringIO):
    """Standard input for an in-process run: text, with the ``buffer`` some readers use."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.buffer = io.BytesIO(text.encode("utf-8", "surrogatepass"))  # a lone surrogate is input too

    def isatty(self) -> bool:
        return False


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 60) -> Run:
    """Run ``diagnostica ARGS`` in this process (``main(argv)``), capturing stdout, stderr and the exit code.

    The same entry point as the installed command, without a process start per case (a fifth of a
    second each); :func:`run_process` is the real subprocess, for what only a process shows (the
    entry point, signals, terminals).  ``timeout`` is honoured by the subprocess runner only.
    """
    from diagnostica.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved = sys.stdin, sys.stdout, sys.stderr
    os.environ.update({"NO_COLOR": "1", **(env or {})})
    try:
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = _Stdin(stdin or ""), out, err
        try:
            code = main(list(args))
        except SystemExit as exc:  # a command that exits by itself
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(code, out.getvalue(), err.getvalue())


def run_process(*args: str, stdin: str | None = None, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 60) -> Run:
    """Run the installed command for real, in a subprocess, and capture everything."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([*_command(), *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


#: The run's own cache folder (XDG_CACHE_HOME), made by the process that starts the run and inherited by
#: its xdist workers: what one worker compiled (the shipped knowledge base, its templates' analyses, its
#: messages) the other reads, as two commands of one user share ~/.cache/diagnostica.
SHARED_CACHE = "DIAGNOSTICA_TESTS_CACHE"


def pytest_configure(config) -> None:
    if SHARED_CACHE in os.environ:  # an xdist worker: the run's folder is already made
        return
    import tempfile

    from diagnostica.engine.kb import cache

    folder = tempfile.mkdtemp(prefix="diagnostica-tests-cache-")
    os.environ[SHARED_CACHE] = config._diagnostica_cache = folder
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = folder
    try:  # the signing key made here, once: two workers starting together would race to create it
        place = cache.trusted_directory()
        if place is not None:
            cache.secret_key(place)
    finally:
        if previous is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = previous


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker ends here: what it holds is freed with its process.  Frozen, its heap (about two million
        # objects, much of it the cyclic garbage of the knowledge bases its tests built and let go, which the
        # raised thresholds leave to the end: 640,000 of 830,000 objects after a third of the suite in one
        # process) is not scanned by the two full collections pytest's unraisable-exception plugin makes next,
        # nor by the interpreter's on its way out: 5 s of CPU per worker, for a net that in a worker only
        # prints to stderr an exception raised in a __del__ of that garbage (no class of engine/, cli/ or
        # tests/ has one).  `-n 0` keeps the net; an unraisable exception during a test is reported as before.
        # The console script freezes at its end for the same reason (cli/entry.py).
        gc.freeze()
        return
    folder = getattr(config, "_diagnostica_cache", None)
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(SHARED_CACHE, None)


@pytest.fixture(scope="session", autouse=True)
def private_cache():
    """The suite never writes to the user's real cache (~/.cache/diagnostica): the run's own folder."""
    folder = Path(os.environ[SHARED_CACHE])
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session")
def kb():
    from diagnostica.engine import load_knowledge_base

    return load_knowledge_base()


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def process():
    return run_process


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> path: a real file for the CLI to read."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
