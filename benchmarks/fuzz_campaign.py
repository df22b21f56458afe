"""The long hostile-input campaign (not a test): thousands of generated inputs per surface, in-process.

    python benchmarks/fuzz_campaign.py [--count 10000] [--seed 1] [--surfaces facts,fact,paste,zone,batch]

Each input is built from a seed (so a finding can be replayed with the same
``--seed``) out of the bundled examples and a list of known traps (YAML 1.1
words, tags, anchors, deep nesting, long numbers, control characters, lone
surrogates, `$GENERATE`, null MX, CNAME loops, `$INCLUDE`, long lines...), and
carries a planted secret marker: under a secret-named key, after a secret word
in free text, on the line below ``Password:``, in a zone file's comment, in a
``--fact password=...`` option.  Every input runs through ``main(argv)``, as
the CLI tests do (``tests/conftest.run_cli``'s way); batch lines go to a real
DNS server on 127.0.0.1 (``tests/dnsserver.py``).

Printed per surface: inputs tried, tracebacks (an exception out of ``main``, or
a traceback in the output), exit codes outside 0/1/2/130 (3 is an internal
error), hangs past 10 s of CPU time, secrets leaked (the marker in any output, or in any
file of the cache folder), and the slowest input with its time.  Target: all
zero, slowest under 2 s.  Times are CPU seconds of this process (the wall
time of each surface is printed too: a busy machine weighs on it, not on
the CPU time), so a loaded machine neither hides nor invents a slow input.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the loopback DNS server of the tests

MARKER = "Zq7SecretMarker"
HANG_SECONDS = 10
SECRET_KEYS = ["password", "account.password", "Token", "api_key", "new_pwd", "Passwort", "mot_de_passe", "secret"]
FACTS = ["domain", "offer", "account.email", "account.locked", "account.suspended", "dns.mx", "dns.mx_valid",
         "customer.tried", "test_email.sent", "test_email.received", "dns.autodiscover_srv", "pop_imap",
         "exchange_server", "diagnostic.last_check", "webmail.auth_ok", "account", "facts", "unknown.fact",
         "isSpammer", "isMxValid", "connectiveOWA", "lastCheck"]
TRAPS = ["\x1b]0;retitled\x07", "\x1b[2J", "\x9b31m", "\r", "\x00", "\ufeff", "\ud800", "no", "on", "yes", "off",
         "~", "null", "&a", "*a", "!!int x", "!!timestamp 2026-13-45", "!!python/object:os.system x", "!!binary x",
         "1" * 50, "9" * 5000, "12:30:00", "0x1F", "1_000", ".inf", "nan", "..", "../../etc/passwd", "«è»",
         "città.it", "xn--", "a" * 300, "pw" * 1000, "ATTENZIONE: " * 200, "{{ 7*7 }}", "{% for %}", "<script>",
         "%s%s%n", "'", '"', "[", "{", "- ", ": ", "\t", "mx0.mail.ovh.net", "0 0 443 ex2.mail.ovh.net", ".",
         "-1", "2" * 19, "1e309", "true", "false", "sì", "hosted", "private", "ovh", "none", "external"]
PASTE_LINES = ["ATTENZIONE: il record MX del dominio non è valido", "IMPORTANT: the MX record is not valid",
               "ATTENZIONE: impossibile inviare l'email di test da questo account.",
               "L'email di test è stata ricevuta", "Account: info@pizzeria-bella.it",
               "Ultima diagnostica: 27/11/2026 16:42",
               "Servizio: hosted-ab123-1", "ATTENTION : l'enregistrement MX n'est pas valide", "Account bloccato: no"]


def planted_key(rng: random.Random) -> str:
    return rng.choice(SECRET_KEYS)


# ------------------------------------------------------------------ generators
def scalar(rng: random.Random) -> object:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(TRAPS)
    if kind < 0.6:
        return rng.randint(-10**6, 10**6)
    if kind < 0.7:
        return rng.choice([True, False, None])
    return "".join(rng.choice("abcxyz.-_:@ è\t\x1b\\/,;'\"") for _ in range(rng.randint(0, 40)))


def value(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth < 4 and roll < 0.15:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 4 and roll < 0.25:
        return {rng.choice(FACTS + SECRET_KEYS): value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return scalar(rng)


def show_yaml(item: object) -> str:
    """YAML by hand, flow style, unquoted where it can be: the traps stay traps."""
    if isinstance(item, dict):
        return "{" + ", ".join(f"{k}: {show_yaml(v)}" for k, v in item.items()) + "}"
    if isinstance(item, list):
        return "[" + ", ".join(show_yaml(v) for v in item) + "]"
    if isinstance(item, str) and item and item.isprintable() and item.strip() == item and "," not in item:
        return item
    return json.dumps(item)


def mutate(rng: random.Random, text: str) -> str:
    """A few random edits of a valid text: the inputs that are almost right."""
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        if not chars:
            break
        where = rng.randrange(len(chars))
        roll = rng.random()
        if roll < 0.3:
            del chars[where:where + rng.randint(1, 20)]
        elif roll < 0.6:
            chars[where:where] = list(rng.choice(TRAPS))
        elif roll < 0.8:
            chars[where:where] = chars[where:where + rng.randint(1, 60)] * rng.randint(2, 30)
        else:
            chars[where] = rng.choice("\n\t {}[]:,-#&*!|>'\"\\\x00\x1b")
    return "".join(chars)


def plant_in_document(rng: random.Random, document: dict) -> dict:
    key, where = planted_key(rng), rng.randrange(4)
    document = dict(document)
    if where == 0:
        document[key] = MARKER
    elif where == 1:
        document["account"] = {key.rpartition(".")[2]: MARKER, "locked": rng.choice([True, "no", {"x": 1}])}
    elif where == 2:
        document["customer.tried"] = [f"{key}{rng.choice([': ', '=', ' ', ', '])}{MARKER}"]
    else:
        document["account.locked"] = {key: MARKER}  # a secret inside a bad value: named, never quoted
    return document


def facts_input(rng: random.Random, examples: list[str]) -> tuple[list[str], str, str]:
    roll = rng.random()
    if roll < 0.3:
        document = plant_in_document(rng, {rng.choice(FACTS): value(rng) for _ in range(rng.randint(0, 6))})
        text, name = json.dumps(document, ensure_ascii=False), "facts.json"
    elif roll < 0.65:
        document = plant_in_document(rng, {rng.choice(FACTS): value(rng) for _ in range(rng.randint(0, 6))})
        text, name = "".join(f"{k}: {show_yaml(v)}\n" for k, v in document.items()), "facts.yaml"
    elif roll < 0.75:
        depth = rng.choice([50, 99, 101, 150, 1200])
        text, name = f"{planted_key(rng)}: {MARKER}\na: " + "[" * depth + "]" * depth + "\n", "facts.yaml"
    else:
        text = mutate(rng, rng.choice(examples)) + f"\n{planted_key(rng)}: {MARKER}\n"
        name = "facts.yaml"
    fmt = rng.choice(["text", "json", "ticket", "markdown"])
    argv = ["check", "{file}", "--format", fmt]
    if rng.random() < 0.2:
        argv += ["--audience", "cliente"] if fmt in ("text", "markdown") else ["--explain"]
    return argv, text, name


def fact_input(rng: random.Random) -> tuple[list[str], str, str]:
    name = rng.choice(FACTS + SECRET_KEYS)
    separator = rng.choice(["=", " ", ": ", "", "=="])
    text = str(scalar(rng)) if rng.random() < 0.7 else ",".join(str(scalar(rng)) for _ in range(rng.randint(2, 6)))
    secret = f"{planted_key(rng)}{rng.choice(['=', ' ', ''])}{MARKER}"
    argv = ["check", "--fact", f"{name}{separator}{text}", "--fact", secret, "--format", rng.choice(["text", "json"])]
    return argv, "", ""


def paste_input(rng: random.Random, pastes: list[str]) -> tuple[list[str], str, str]:
    lines = rng.choice(pastes).splitlines() if rng.random() < 0.4 else []
    lines += [rng.choice(PASTE_LINES + TRAPS) if rng.random() < 0.7 else str(scalar(rng))
              for _ in range(rng.randint(0, 8))]
    if rng.random() < 0.2:
        lines = mutate(rng, "\n".join(lines)).split("\n")
    key = rng.choice(["Password:", "password =", "token", '"pwd": "', "Mot de passe :", "API key:", "Kennwort:",
                      "password, ", "pwd;"])
    secret = f"{key}\n{MARKER}" if rng.random() < 0.3 and key.endswith(":") else f"{key} {MARKER}"
    lines.insert(rng.randint(0, len(lines)), secret)  # planted after any mutation: the secret word stays whole
    text = "\n".join(lines) + "\n"
    argv = ["report", "-", "--format", rng.choice(["text", "markdown", "json", "ticket"])]
    if rng.random() < 0.2:
        argv.append("--complete")
    return argv, text, ""


ZONE_LINES = ["@ IN MX 0 .", "@ IN MX 1 mx0.mail.ovh.net.", "@ IN MX 5 mx1.mail.ovh.net.", "mail IN CNAME mail",
              "a IN CNAME b", "b IN CNAME a", '@ IN TXT "v=spf1 include:mx.ovh.com ~all"',
              '@ IN TXT "v=spf1 include:a include:b include:c include:d include:e include:f include:g include:h '
              'include:i include:j include:k -all"', '@ IN TXT "v=spf1 +all"', '_dmarc IN TXT "v=DMARC1; p=reject"',
              "_autodiscover._tcp IN SRV 0 0 443 ex2.mail.ovh.net.", "autodiscover IN CNAME ex2.mail.ovh.net.",
              "$GENERATE 1-70000 h$ IN A 192.0.2.1", "$GENERATE 1-100 h$ IN A 192.0.2.1", "$INCLUDE /etc/passwd",
              "$ORIGIN other.example.", "$TTL 99999999999", "sub IN NS ns1.elsewhere.example.",
              '@ IN TXT "\\027]0;x\\007"', "@ IN TXT " + '"' + "x" * 255 + '"', "@ IN A 999.1.1.1", "*.x IN MX 1 ."]


def zone_input(rng: random.Random, zone: str) -> tuple[list[str], str, str]:
    lines = zone.splitlines()
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.5:
            lines.insert(rng.randint(0, len(lines)), rng.choice(ZONE_LINES))
        elif roll < 0.7 and lines:
            del lines[rng.randrange(len(lines))]
        elif lines:
            where = rng.randrange(len(lines))
            lines[where] = mutate(rng, lines[where])
    lines.insert(rng.randint(0, len(lines)), f"; {planted_key(rng)}: {MARKER}")
    argv = ["dns", rng.choice(["example.it", "other.it", "città.it", "EXAMPLE.IT."]), "--zone-file", "{file}",
            "--offer", rng.choice(["hosted", "private"]), "--pop-imap", rng.choice(["none", "ovh", "external"]),
            "--fact", f"{planted_key(rng)}={MARKER}", "--format", rng.choice(["text", "json", "markdown"])]
    return argv, "\n".join(lines) + "\n", "zone.txt"


BATCH_DOMAINS = ["hosted-ok.cases.test", "mx-foreign.cases.test", "lame.test", "truncated.test", "wrong-id.cases.test",
                 "wrong-question.cases.test", "delegated.cases.test", "recursive-nodata.test", "nothing.test",
                 "example.it", "città.it", "-bad-", "a" * 300, "x..y", ""]


def batch_line(rng: random.Random) -> str:
    domain = rng.choice(BATCH_DOMAINS)
    roll = rng.random()
    if roll < 0.35:
        return mutate(rng, domain) if rng.random() < 0.3 else domain
    document = {"domain": domain if rng.random() < 0.9 else value(rng)}
    document.update({rng.choice(FACTS): value(rng) for _ in range(rng.randint(0, 3))})
    text = json.dumps(document, ensure_ascii=False)
    if roll > 0.85:
        text = mutate(rng, text)
    # planted after any mutation, so the secret-named key stays whole
    return text.replace("{", "{" + json.dumps(planted_key(rng)) + ": " + json.dumps(MARKER) + ", ", 1) \
        if "{" in text else f"{text} {planted_key(rng)}: {MARKER}"


# ------------------------------------------------------------------ running
class Hang(BaseException):
    """Raised by the alarm: an input ran past HANG_SECONDS (BaseException: no `except Exception` hides it)."""


@dataclass
class Tally:
    inputs: int = 0
    tracebacks: int = 0
    bad_codes: dict = field(default_factory=dict)
    hangs: int = 0
    leaks: int = 0
    slowest: float = 0.0
    slowest_input: str = ""
    cpu: float = 0.0
    wall: float = 0.0
    examples: list = field(default_factory=list)  # a few failing inputs, to replay


class _Stdin(io.StringIO):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.buffer = io.BytesIO(text.encode("utf-8", "surrogatepass"))

    def isatty(self) -> bool:
        return False


def call(argv: list[str], stdin: str) -> tuple[int | None, str, str]:
    from diagnostica.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = _Stdin(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def run_one(tally: Tally, argv: list[str], stdin: str, text: str, name: str, folder: Path, lines: int = 1) -> None:
    if name:
        path = folder / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        argv = [str(path) if arg == "{file}" else arg for arg in argv]
    tally.inputs += lines
    start, cpu = time.perf_counter(), time.process_time()
    signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)  # CPU time: a busy machine's waiting is not a hang
    problem = None
    try:
        code, out, err = call(argv, stdin)
    except Hang:
        tally.hangs += 1
        code, out, err, problem = None, "", "", "hang"
    except BaseException as exc:  # noqa: BLE001 - what the campaign is looking for
        tally.tracebacks += 1
        code, out, err, problem = None, "", f"{type(exc).__name__}: {exc}", "traceback"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    tally.wall += time.perf_counter() - start
    seconds = time.process_time() - cpu
    tally.cpu += seconds
    if seconds > tally.slowest:
        tally.slowest, tally.slowest_input = seconds, repr((argv, (stdin or text)[:120]))[:200]
    if "Traceback (most recent call last)" in out + err:
        tally.tracebacks += 1
        problem = "traceback"
    if code is not None and code not in (0, 1, 2, 130):
        tally.bad_codes[code] = tally.bad_codes.get(code, 0) + 1
        problem = f"exit {code}: {err.strip()[:200]}"
    if MARKER in out or MARKER in err:
        tally.leaks += 1
        problem = "leak: " + next(line for line in (out + err).splitlines() if MARKER in line)[:200]
    if problem and len(tally.examples) < 5:
        tally.examples.append((problem, repr((argv, (stdin or text)[:300]))[:500]))


def leaked_in_cache(cache: Path) -> int:
    found = 0
    for path in cache.rglob("*"):
        if path.is_file() and MARKER.encode() in path.read_bytes():
            found += 1
    return found


def campaign(surface: str, count: int, rng: random.Random, folder: Path, server) -> Tally:
    tally = Tally()
    examples = [p.read_text(encoding="utf-8") for p in (ROOT / "examples").glob("*.yaml")]
    examples += [(ROOT / "examples" / "api-diagnosis.json").read_text(encoding="utf-8")]
    pastes = [(ROOT / "examples" / "incollato.txt").read_text(encoding="utf-8")]
    zone = (ROOT / "examples" / "example.it.zone").read_text(encoding="utf-8")
    if surface == "batch":
        per_run = 250
        while tally.inputs < count:
            lines = [batch_line(rng) for _ in range(per_run)]
            lines.insert(rng.randrange(per_run), "x" * 3000)  # past --max-size below
            argv = ["dns", "--batch", "{file}", "--nameserver", server.address, "--timeout", "1", "--concurrency",
                    "64", "--max-size", "2000", "--fact", f"{planted_key(rng)}={MARKER}"]
            run_one(tally, argv, "", "\n".join(lines) + "\n", "batch.txt", folder, lines=len(lines))
        return tally
    for _ in range(count):
        if surface == "facts":
            argv, text, name = facts_input(rng, examples)
        elif surface == "fact":
            argv, text, name = fact_input(rng)
        elif surface == "paste":
            argv, text, name = paste_input(rng, pastes)
        else:
            argv, text, name = zone_input(rng, zone)
        run_one(tally, argv, text if not name else "", text, name, folder)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs per surface (batch: lines)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--surfaces", default="facts,fact,paste,zone,batch")
    args = parser.parse_args()

    def alarm(signum, frame):
        raise Hang()

    signal.signal(signal.SIGPROF, alarm)
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        os.environ["XDG_CACHE_HOME"] = str(cache)  # the compiled KB and templates land here: searched too
        os.environ["NO_COLOR"] = "1"
        os.environ.pop("DIAGNOSTICA_DEBUG", None)
        folder = Path(scratch) / "inputs"
        folder.mkdir()
        from dnsserver import make_server

        print(f"seed {args.seed}, {args.count} inputs per surface; hang = more than {HANG_SECONDS} s of CPU; "
              "slowest = CPU seconds of one input")
        print(f"{'surface':8} {'inputs':>7} {'tracebacks':>10} {'exit∉0/1/2/130':>15} {'hangs':>6} {'leaks':>6} "
              f"{'cpu s':>7} {'wall s':>7}  slowest")
        totals = Tally()
        with make_server() as server:
            for surface in args.surfaces.split(","):
                rng = random.Random(f"{args.seed}-{surface}")
                tally = campaign(surface, args.count, rng, folder, server)
                tally.leaks += leaked_in_cache(cache)
                codes = sum(tally.bad_codes.values())
                print(f"{surface:8} {tally.inputs:7d} {tally.tracebacks:10d} {codes:15d} {tally.hangs:6d} "
                      f"{tally.leaks:6d} {tally.cpu:7.1f} {tally.wall:7.1f}  {tally.slowest:.2f} s "
                      f"{tally.slowest_input[:90]}", flush=True)
                for problem, replay in tally.examples:
                    print(f"    {problem}\n      {replay}")
                totals.tracebacks += tally.tracebacks + codes + tally.hangs + tally.leaks
                totals.slowest = max(totals.slowest, tally.slowest if surface != "batch" else 0.0)
        print("verdict:", "ok (all zero)" if totals.tracebacks == 0 else f"{totals.tracebacks} problems",
              f"; slowest single input {totals.slowest:.2f} s ({'ok' if totals.slowest < 2 else 'MISS'}: < 2 s)")


if __name__ == "__main__":
    main()
