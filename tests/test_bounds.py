"""Bounds on the way in and quiet output failures: each exceeded limit is bad input (exit 2) naming it."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import EXAMPLES, _command, run_cli


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    result = run_cli(*argv, stdin=stdin)  # main(argv) in-process, as every CLI test
    return result.code, result.out, result.err


@pytest.mark.parametrize("name, text, says", [
    ("deep.yaml", "a: " + "[" * 150 + "]" * 150 + "\n", "facts.yaml:1:"),
    ("deep.yaml", "a: " + "[" * 3000 + "]" * 3000 + "\n", "oltre il limite di 100 livelli"),
    ("deep.json", "[" * 3000 + "]" * 3000 + "\n", "oltre il limite di 100 livelli"),
    ("digits.yaml", "dns.autodiscover_srv: [{priority: " + "9" * 5000 + "}]\n", "limite di 4000 cifre"),
    ("digits.json", '{"a": ' + "9" * 5000 + ', "b":\t1}', "limite di 4000 cifre"),
    ("tag.yaml", "diagnostic.last_check: !!timestamp 2026-13-45\n", "facts.yaml:1:24: valore non valido per il tag !!timestamp"),
    ("tag.yaml", "test_email.sent: !!int x\n", "facts.yaml:1:18: valore non valido per il tag !!int"),
    ("tag.yaml", "test_email:\n  !!timestamp 2026-13-45sent: true\n", "il tag !!timestamp"),  # found by the campaign
    ("tag.yaml", "test_email.sent: !!float x\n", "il tag !!float"),
    ("long.yaml", "customer.tried: [" + "x, " * 25_000 + "x]\n", "limite di 20000 nodi"),
    ("sexagesimal.yaml", "dns.autodiscover_srv: [{priority: 12:30:00, weight: 0, port: 443, target: a.b}]\n",
     "atteso"),  # YAML 1.1 read it as 45000
    ("hex.yaml", "dns.autodiscover_srv: [{priority: 0x1F, weight: 0, port: 443, target: a.b}]\n", "atteso"),
])
def test_facts_file_past_a_bound_is_bad_input(write, name, text, says):
    path = write("facts.yaml", text)
    code, out, err = run(["check", str(path)])
    assert (code, out, says in err, err.count("\n")) == (2, "", True, 1), err


@pytest.mark.parametrize("option, says", [
    ("dns.autodiscover_srv=" + "9" * 5000 + " 0 443 ex2.mail.ovh.net", "limite è 100"),
    ("dns.autodiscover_srv=0 0 " + "4" * 101 + " ex2.mail.ovh.net", "limite è 100"),
])
def test_fact_option_past_a_bound_is_bad_input(option, says):
    code, out, err = run(["check", "--fact", option])
    assert (code, says in err) == (2, True), err


@pytest.mark.parametrize("argv, stdin, says", [
    (["check", "--max-size", "10", str(EXAMPLES / "mx-foreign.yaml")], "", "limite di 10 byte"),
    (["check", "--max-size", "1000", "/dev/zero"], "", "limite di 1000 byte"),  # stops reading at the limit
    (["report", "--max-size", "50", "-"], "ATTENZIONE: " * 10, "limite di 50 byte"),
    (["check", "--max-size", "0", "-"], "", "maggiore di zero"),
    (["dns", "--zone-file", str(EXAMPLES / "example.it.zone"), "--max-size", "20"], "", "limite di 20 byte"),
    (["dns", "example.it", "--zone-file", "/dev/zero", "--max-size", "1000"], "", "limite di 1000 byte"),
    (["ask", "--report", "-", "--answers", "/dev/null", "--max-size", "50"], "ATTENZIONE: " * 10, "limite di 50 byte"),
    (["ask", str(EXAMPLES / "mx-foreign.yaml"), "--max-size", "10", "--answers", "/dev/null"], "", "limite di 10 byte"),
    (["ask", "--problem", "invio", "--answers", "/dev/zero", "--max-size", "1000"], "", "limite di 1000 byte"),
    (["ask", "--problem", "invio", "--max-size", "100"], "a" * 5000, "la risposta supera il limite di 100 byte"),
    # found by benchmarks/fuzz_campaign.py: dnspython's ValueError for an SOA away from the origin (was exit 3)
    (["dns", "example.it", "--zone-file", "-"], "$ORIGIN exampl\n@ 60 IN SOA a.b. c.d. 1 2 3 4 5\n$ORIGIN example.it.\n"
     "@ 60 IN MX 1 mx1.mail.ovh.net.\n", "non-origin SOA"),
])
def test_input_size_limit(argv, stdin, says):
    code, out, err = run(argv, stdin)
    assert (code, says in err, err.count("\n")) == (2, True, 1), err


HOSTS = [f"h{i}.example.it" for i in range(10_001)]


@pytest.mark.parametrize("argv, text", [
    (["check", "{file}"], json.dumps({"dns.autodiscover_srv": ["0 0 443 ex2.mail.ovh.net"] * 10_001})),
    (["check", "--fact", "dns.mx=" + ",".join(HOSTS)], ""),
])
def test_a_list_past_ten_thousand_items_is_bad_input(write, argv, text):
    path = write("facts.yaml", text)
    code, out, err = run([arg.replace("{file}", str(path)) for arg in argv])
    assert (code, "elementi, oltre il limite di 10000" in err, err.count("\n")) == (2, True, 1), err


def test_a_batch_line_past_the_limit_is_an_error_result_and_the_batch_goes_on(write):
    import gc

    frozen = gc.get_freeze_count()
    path = write("domains.txt", "a" * 5000 + "\n" + "{\"domain\": \"x.it\", \"customer.tried\": \"" + "b" * 3000
                 + "\"}\n" + "example.it\n")
    code, out, err = run(["dns", "--batch", str(path), "--max-size", "1000", "--zone-file", "/dev/null"][:5]
                         + ["--nameserver", "127.0.0.1:9", "--timeout", "0.1"])
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["line"], line["status"], "limite di 1000 byte" in line.get("error", "")) for line in lines] == [
        (1, "error", True), (2, "error", True), (3, lines[2]["status"], False)]
    assert lines[2]["domain"] == "example.it"
    # The batch freezes what is loaded for its run and thaws it after: left frozen in this process, every
    # later knowledge base load here counted the frozen objects and left its own to the young collections.
    assert gc.get_freeze_count() == frozen


def test_lone_surrogate_in_json_is_printed_escaped(write):
    path = write("facts.json", '{"customer.tried": ["\\ud800"], "test_email.sent": false}')
    code, out, err = run(["check", str(path), "--format", "json"])
    assert (code, json.loads(out)["facts"]["customer.tried"]) == (1, ["\ud800"])


def _real(args: list[str], stdout) -> subprocess.CompletedProcess:
    return subprocess.run([*_command(), *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_full_disk_is_one_line_and_exit_2(fmt):
    with open("/dev/full", "w") as full:
        proc = _real(["check", str(EXAMPLES / "mx-foreign.yaml"), "--format", fmt], full)
    assert (proc.returncode, proc.stderr.count("\n"), "Traceback" in proc.stderr) == (2, 1, False)


def test_closed_pipe_ends_quietly():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (as `| head -0`)
    with os.fdopen(write, "w") as pipe:
        proc = _real(["rules", "list"], pipe)
    assert (proc.returncode, proc.stderr) == (0, "")


@pytest.mark.parametrize("pattern, nested", [
    ("^(a+)+$", True),
    ("(a*b?)*", True),
    ("(a+){3,}", True),
    ("^[a-z0-9-]+(\\.[a-z0-9-]+)*$", False),  # a repeated group whose own repeats are separated
    ("^mx[0-4]\\.mail\\.ovh\\.net\\.?$", False),
    ("(a{1,3})+", False),
])
def test_nested_quantifiers_are_found(pattern, nested):
    from diagnostica.engine.kb.regexes import nested_quantifier

    assert nested_quantifier(pattern) is nested


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "301"])
def test_a_dns_timeout_that_is_no_duration_is_refused(value):
    from conftest import run_cli

    run = run_cli("dns", "example.it", "--timeout", value)
    assert run.code == 2 and "--timeout" in run.err, run.err
