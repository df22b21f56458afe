"""A standing hostile-input campaign, bounded for the suite: facts files, --fact, pastes, redaction.

Every generated input carries a planted secret marker; whatever the input, the run ends with an exit
code of 0, 1 or 2 (never 3, an internal error), and the marker appears in no output.
"""
from __future__ import annotations

import json
import os
import tempfile

from diagnostica.engine.inputs.redact import redact
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import run_cli

MARKER = "Zq7SecretMarker"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ("password", "passwd", "pwd", "pw", "secret", "token", "api_key", "mot de passe")

FACTS = ["domain", "offer", "account.email", "account.locked", "dns.mx", "customer.tried", "test_email.sent",
         "dns.autodiscover_srv", "pop_imap", "account", "facts", "unknown.fact"]
SECRET_KEYS = ["password", "account.password", "Token", "api_key", "new_pwd"]
HOSTILE = ["\x1b]0;x\x07", "\x1b[2J", "\x9b", "\r", "\ud800", "no", "on", "yes", "~", "&a", "*a", "!!int x",
           "!!timestamp 2026-13-45", "1" * 50, "12:30:00", "0x1F", "..", "../../etc/passwd", "«è»"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.sampled_from(HOSTILE),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(FACTS), inner, max_size=4)),
                      max_leaves=12)


def planted(document: dict, where: int, key: str) -> dict:
    """The document with the marker under a secret key, at the top or one level down, or in free text."""
    document = dict(document)
    if where == 0:
        document[key] = MARKER
    elif where == 1:
        document["account"] = {key.rpartition(".")[2]: MARKER}
    else:
        document["customer.tried"] = [f"{key}: {MARKER}"]
    return document


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    result = run_cli(*argv, stdin=stdin)  # main(argv) in-process, as every CLI test
    return result.code, result.out + result.err


@SETTINGS
@given(document=st.dictionaries(st.sampled_from(FACTS), values, max_size=6), where=st.integers(0, 2),
       key=st.sampled_from(SECRET_KEYS), as_json=st.booleans(), fmt=st.sampled_from(["text", "json", "ticket"]))
def test_facts_files(document, where, key, as_json, fmt):
    document = planted(document, where, key)
    text = json.dumps(document, ensure_ascii=False) if as_json else _yamlish(document)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "facts.json" if as_json else "facts.yaml")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as stream:
            stream.write(text)
        code, output = run(["check", path, "--format", fmt])
    assert code in (0, 1, 2), output
    assert MARKER not in output


def _yamlish(document: dict) -> str:
    """YAML by hand, flow style, unquoted where it can be: the traps (no, ~, !!int x) stay traps."""
    def show(value) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(show(v) for v in value) + "]"
        if isinstance(value, str) and value.isprintable() and value.strip() == value and value:
            return value
        return json.dumps(value)

    return "".join(f"{k}: {show(v)}\n" for k, v in document.items())


@SETTINGS
@given(name=st.sampled_from(FACTS + SECRET_KEYS), value=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)),
       separator=st.sampled_from(["=", " ", ": ", ""]), secret=st.sampled_from(SECRET_KEYS))
def test_fact_options(name, value, separator, secret):
    code, output = run(["check", "--fact", f"{name}{separator}{value}", "--fact", f"{secret}{separator}{MARKER}",
                        "--format", "json"])
    assert code in (0, 1, 2), output
    assert MARKER not in output


LINES = ["ATTENZIONE: il record MX del dominio non è valido", "IMPORTANT: the MX record is not valid",
         "ATTENZIONE: impossibile inviare l'email di test da questo account.", "Account: a@example.it"]


@SETTINGS
@given(lines=st.lists(st.one_of(st.sampled_from(LINES + HOSTILE), st.text(max_size=40)), max_size=8),
       at=st.integers(0, 8), key=st.sampled_from(["Password:", "password =", "token", '"pwd": "']),
       below=st.booleans(), fmt=st.sampled_from(["text", "markdown", "json", "ticket"]))
def test_pastes(lines, at, key, below, fmt):
    secret = f"{key}\n{MARKER}" if below else f"{key} {MARKER}"
    lines.insert(min(at, len(lines)), secret)
    code, output = run(["report", "-", "--format", fmt], stdin="\n".join(lines) + "\n")
    assert code in (0, 1, 2), output
    assert MARKER not in output


@settings(max_examples=300, deadline=None)
@example(before="SECRET", after="", key='"api_key": "')  # found by this test: a quoted key after a secret word
@given(before=st.text(max_size=40), after=st.text(max_size=40),
       key=st.sampled_from(["password: ", "Password=", "TOKEN ", '"api_key": "', "mot de passe : ", "pw\t"]))
def test_redact_hides_a_planted_secret_whatever_surrounds_it(before, after, key):
    line = before.replace("\n", " ") + " " + key + MARKER + after
    assert MARKER not in redact(line, NAMES)
