"""No input drives the terminal: control characters are shown escaped in text, escaped by JSON in JSON."""
from __future__ import annotations

import json

import pytest
from diagnostica.engine.present.controls import escape, json_safe

from conftest import run_cli

RETITLE, CLEAR, CSI = "\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m"
RAW = ("\x1b", "\x07", "\x9b", "\r")


@pytest.mark.parametrize("text, shown", [
    (RETITLE, "\\x1b]0;pwned\\x07"),
    (CLEAR, "\\x1b[2J"),
    (CSI, "\\x9b31m"),
    ("riga\rsovrascritta", "riga\\x0dsovrascritta"),
    ("a\tb\nc", "a\tb\nc"),  # tab and newline are text
    ("l'account è «bloccato»", "l'account è «bloccato»"),
    ("\ud800", "\\ud800"),  # a lone surrogate cannot even be printed
])
def test_escape(text, shown):
    assert escape(text) == shown


@pytest.mark.parametrize("value", ["\x9b", "\ud800", "\x1b[2J", "è\x85"])
def test_json_safe_reads_back_the_same_string(value):
    encoded = json_safe(json.dumps({"v": value}, ensure_ascii=False))
    assert (json.loads(encoded), any(c in encoded for c in RAW + ("\x85", "\ud800"))) == ({"v": value}, False)


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    result = run_cli(*argv, stdin=stdin)  # main(argv) in-process, as every CLI test
    return result.code, result.out, result.err


FACTS = 'customer.tried: ["\\e]0;pwned\\a", "\\e[2J", "\\u009b31m", "a\\rb"]\ntest_email.sent: false\n'
PASTE = f"ATTENZIONE: il record MX del dominio non è valido {CLEAR}\nriga{RETITLE} sconosciuta {CSI}\n"


@pytest.mark.parametrize("fmt", ["text", "markdown", "ticket", "json"])
@pytest.mark.parametrize("source", ["facts file", "--fact", "paste"])
def test_no_output_carries_a_control_character(write, source, fmt):
    if source == "facts file":
        argv = ["check", str(write("facts.yaml", FACTS))]
    elif source == "--fact":
        argv = ["check", "--fact", f"customer.tried={RETITLE},{CSI}", "--fact", "test_email.sent=no"]
    else:
        argv = ["report", str(write("paste.txt", PASTE))]
    code, out, err = run([*argv, "--format", fmt])
    assert code == 1
    assert [c for c in RAW if c in out + err] == []
    if fmt in ("ticket", "json") or source == "paste":  # text and markdown do not show what was tried
        assert "\\x1b" in out + err or "\\u001b" in out + err  # shown, not dropped


def test_error_messages_escape_what_they_quote():
    code, out, err = run(["check", "--fact", f"offer={CLEAR}"])
    assert (code, "\x1b" in err, "\\x1b[2J" in err) == (2, False, True)
