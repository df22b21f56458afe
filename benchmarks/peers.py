"""Diagnostica beside other rule engines, in one run of the shared peers harness (``shared/peers-bench``).

    python benchmarks/peers.py                       # R = 10, 100, 1000, 5000; 2,000 fact sets (~8 min)
    python benchmarks/peers.py --R 10 100 --M 200    # a quick look
    python benchmarks/peers.py --harness DIR --venv DIR --engines naive,compiled,ours

What it does, so that anyone can reproduce the comparison:

1. copies the harness (found as ``shared/peers-bench`` in a folder above this
   repository, or ``--harness``) to a work folder, because it writes its data
   and results beside itself;
2. makes a virtual environment of its own (``--venv``, default under /tmp) with
   the peer engines pinned as the harness measured them -- CLIPS through clipspy
   and zen-engine; a peer that does not install is named and left out, the
   others still run -- and Diagnostica installed from a clean clone of this
   repository's HEAD (what is committed, not the working tree: the harness asks
   for a clean clone);
3. runs the harness (``run.py``: each engine in its own process, fact sets
   interleaved, every answer checked against the reference interpreter) and
   prints the median latencies, the ratios to the ideal pure-Python compiler
   (``compiled``) and to CLIPS, the loads and the memory each load added.

It is not part of the test suite: it needs the harness, the package index
and minutes of a quiet machine.  The markdown and JSON of the run stay in the
work folder (``results/peers.md``, ``results/peers.json``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The peers and the versions the harness was measured with (its requirements.txt).
PEERS = {"clipspy": ("clipspy==1.0.6", "clipspy"), "zen_engine": ("zen-engine==2.1.3", "zen")}
ENGINES = ("naive", "compiled", "clipspy", "zen_engine", "ours", "ours_full")


def find_harness(given: str | None) -> Path:
    if given:
        return Path(given).resolve()
    for parent in REPO.parents:
        candidate = parent / "shared" / "peers-bench"
        if (candidate / "run.py").exists():
            return candidate
    raise SystemExit("peers harness not found: pass --harness DIR (the shared peers-bench folder)")


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=False, text=True, capture_output=True, **kwargs)


def prepare_venv(venv: Path, python: str, wanted: list[str]) -> list[str]:
    """The venv with the wanted peers and this repository's HEAD; returns the peers that did not install."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check"]
    if not (venv / "bin" / "python").exists():
        made = run([python, "-m", "venv", str(venv)])
        if made.returncode:
            raise SystemExit(f"could not create {venv}: {made.stderr.strip()}")
    missing = []
    for name in wanted:
        spec, module = PEERS[name]
        if run([str(venv / "bin" / "python"), "-c", f"import {module}"]).returncode == 0:
            continue
        installed = run([*pip, "install", spec])
        if installed.returncode:
            last = (installed.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"peer {name} ({spec}) could not be installed, left out: {last}", file=sys.stderr)
            missing.append(name)
    with tempfile.TemporaryDirectory(prefix="diagnostica-clone-") as tmp:
        clone = Path(tmp) / "diagnostica"
        cloned = run(["git", "clone", "--quiet", str(REPO), str(clone)])
        if cloned.returncode:
            raise SystemExit(f"could not clone {REPO}: {cloned.stderr.strip()}")
        have = run([str(venv / "bin" / "python"), "-c", "import diagnostica.engine"]).returncode == 0
        # Dependencies once; afterwards only the project itself is replaced by the new HEAD.
        step = ["--force-reinstall", "--no-deps"] if have else []
        installed = run([*pip, "install", *step, str(clone)])
        if have and not installed.returncode:  # a dependency HEAD added since the venv was made
            installed = run([*pip, "install", str(clone)])
        if installed.returncode:
            raise SystemExit(f"could not install Diagnostica into {venv}: {installed.stderr.strip()}")
    return missing


def fmt_time(us: float | None) -> str:
    if us is None:
        return "–"
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.1f} µs"


def table(results: dict, engines: list[str]) -> str:
    evals = results["eval"]
    sizes = list(evals)
    lines = []

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def header(title: str) -> None:
        lines.extend(["", f"{title}", "", "| engine | " + " | ".join(f"R={r}" for r in sizes) + " |",
                      "|---|" + "---:|" * len(sizes)])

    def value(engine: str, size: str, key: str):
        return evals[size].get(engine, {}).get(key)

    header("Median latency per fact set (⚠: some answer differs from the reference interpreter's)")
    for engine in engines:
        cells = []
        for size in sizes:
            data = evals[size].get(engine, {})
            wrong = data.get("mismatch_count", 0) or data.get("error_count", 0)
            cells.append(fmt_time(data.get("lat_med_us")) + (" ⚠" if wrong else ""))
        row(engine, cells)
    for reference in ("compiled", "clipspy"):
        if reference not in engines:
            continue
        header(f"Latency of {reference} ÷ latency of the engine (> 1: faster than {reference})")
        for engine in engines:
            cells = []
            for size in sizes:
                mine, theirs = value(engine, size, "lat_med_us"), value(reference, size, "lat_med_us")
                cells.append(f"{theirs / mine:.2f}×" if mine and theirs else "–")
            row(engine, cells)
    header("Load (parse, validate, compile; median of the harness's repetitions)")
    for engine in engines:
        loads = [value(engine, size, "load_s") for size in sizes]
        row(engine, [fmt_time(statistics.median(times) * 1e6 if times else None) for times in loads])
    header("Resident memory added by the load")
    for engine in engines:
        cells = []
        for size in sizes:
            data = evals[size].get(engine, {})
            cells.append(f"{data['rss_load_mb'] - (data.get('rss_ready_mb') or 0):.0f} MB"
                         if data.get("rss_load_mb") is not None else "–")
        row(engine, cells)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harness", help="the peers-bench folder (default: shared/peers-bench above the repository)")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "diagnostica-peers"),
                        help="where the harness is copied and run")
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "diagnostica-peers-venv"))
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="interpreter for the venv (the harness was measured on 3.11)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--R", dest="sizes", nargs="+", type=int, default=[10, 100, 1000, 5000])
    parser.add_argument("--M", type=int, default=2000, help="fact sets (at most 2,000)")
    parser.add_argument("--budget", type=float, default=30.0, help="evaluation seconds per engine and R")
    parser.add_argument("--render", metavar="JSON", help="only print the tables of an earlier run's peers.json")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text())
        print(table(results, results["meta"]["engines"]))
        return 0

    harness = find_harness(args.harness)
    work = Path(args.workdir)
    shutil.rmtree(work / "engines", ignore_errors=True)
    shutil.copytree(harness, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("results", "__pycache__"))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    missing = prepare_venv(Path(args.venv), args.python, [e for e in engines if e in PEERS])
    engines = [e for e in engines if e not in missing]
    python = str(Path(args.venv) / "bin" / "python")
    out = work / "results" / "peers.md"
    out.parent.mkdir(exist_ok=True)
    command = [python, "run.py", "--engines", ",".join(engines), "--R", *map(str, args.sizes), "--M", str(args.M),
               "--budget", str(args.budget), "--no-cold", "--python", python, "--out", str(out)]
    print("running:", " ".join(command[1:]), f"(in {work})", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=work, stdout=subprocess.DEVNULL)
    if done.returncode:
        print(f"the harness failed (exit {done.returncode}); its logs are in {work / 'results' / 'logs'}",
              file=sys.stderr)
        return 1
    results = json.loads(out.with_suffix(".json").read_text())
    meta = results["meta"]
    print(f"peers harness, {meta['date']}, {meta['cpu']} ({meta['ncpu']} cores), Python {meta['python']}, "
          f"{meta['M']} fact sets per R")
    if missing:
        print(f"not installed here, left out: {', '.join(missing)}")
    print(table(results, engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
