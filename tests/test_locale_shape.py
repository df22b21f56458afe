"""A locale file of the wrong shape is one clear error (exit 2, file:line), and no message names a Python type."""
from __future__ import annotations

import pytest

from conftest import copy_small_kb


@pytest.fixture
def kb(tmp_path):
    """The small knowledge base (conftest.SMALL_KB): a file's shape is checked against the bundled Italian
    texts whatever the knowledge base, so a locale file it lacks (ask.yaml) is tried in it too."""
    return copy_small_kb(tmp_path)


@pytest.mark.parametrize("file, text, lang, expected", [
    ("it/messages.yaml", "- a\n- b\n", "it", "it/messages.yaml:1:1: un file di testi deve essere una mappa "
                                            "(chiave: testo), qui c'è un elenco"),
    ("en/messages.yaml", "rules: 3\n", "en", "en/messages.yaml:1:1: «rules» must be a mapping, this one holds a "
                                           "whole number"),
    ("en/messages.yaml", "report:\n  title: [a]\n", "en", "en/messages.yaml:2:3: «report.title» must be a text, "
                                                         "this one holds a list"),
    ("it/ask.yaml", "report:\n  title: null\n", "it", "it/ask.yaml:2:3: «report.title» deve essere un testo, "
                                                     "qui c'è un valore vuoto"),
    ("it/ask.yaml", "\"next_steps\": {a: b}\n", "it", "it/ask.yaml:1:1: «next_steps» deve essere un elenco, "
                                                     "qui c'è una mappa"),
])
def test_a_locale_file_of_the_wrong_shape_is_one_clear_error(kb, cli, file, text, lang, expected):
    (kb / "locales" / file).write_text(text, encoding="utf-8")
    check = cli("check", "--fact", "mailbox.full=true", "--fact", "offer=hosted", "--kb", str(kb), "--no-cache",
                "--lang", lang)  # a finding to tell: its texts are what the locale files hold
    lint = cli("rules", "lint", str(kb), "--lang", lang, "--format", "json")
    shape = [p["message"] for p in lint.json()["problems"] if p["check_id"] == "locale-shape"]
    assert (check.code, check.err.strip().endswith(expected), check.err.count("\n"), lint.code, len(shape)) == \
        (2, True, 1, 1, 1)


@pytest.mark.parametrize("facts, lang, found", [
    ("dns.mx: {a: 1}", "it", "trovato una mappa"),
    ("domain: [a]", "it", "trovato un elenco"),
    ("domain: null", "it", "trovato un valore vuoto"),
    ("dns.autodiscover_srv: [[1]]", "it", "trovato un elenco"),
    ("account.locked: null", "it", "trovato un valore vuoto"),
    ("account.locked: [1]", "en", "found a list"),
    ("dns.mx: [null]", "en", "found an empty value"),
])
def test_type_errors_say_the_kind_in_words(cli, write, facts, lang, found):
    run = cli("check", str(write("facts.yaml", facts + "\n")), "--lang", lang)
    words = ("Seq", "Map", "Text", "None", "NoneType", "dict", "list ")
    assert (run.code, found in run.err, [w for w in words if w in run.err]) == (2, True, [])
