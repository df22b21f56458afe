"""Template (Jinja) mistakes told in the writer's language, at file:line, with a hint (issue 11)."""
from __future__ import annotations

import pytest

from tests.test_lint_corpus import build

TEMPLATE = "locales/it/rules/mailbox-full.explanation.j2"
JINJA_WORDS = ("Unexpected end of template", "Jinja was looking", "Encountered unknown tag", "No filter named",
               "No test named", "template not found", "expected token", "TemplateNotFound", "unexpected char")

CASES = [
    # (template text, lang, line, fragment of the message, fragment of the hint)
    ("{% if facts.domain is defined %}\nabc\n", "it", 2, "«{% if %}» aperto alla riga 1 non è chiuso",
     "aggiungi «{% endif %}»"),
    ("{% if facts.domain is defined %}\nabc\n", "en", 2, "«{% if %}» block opened on line 1 is never closed",
     "add «{% endif %}»"),
    ("{% for x in [1] %}\n{% if x %}\n{% endfor %}\n", "it", 3, "ancora aperto il blocco «{% if %}» della riga 2",
     "chiudi prima «{% if %}» con «{% endif %}»"),
    ("a\n{% endif %}\n", "it", 2, "«{% endif %}» chiude un blocco che non è stato aperto", "togli la riga"),
    ("{% iff x %}{% endif %}\n", "it", 1, "«{% iff %}» non è un comando", "forse intendevi «{% if %}»?"),
    ("{{ facts.domain | lowerr }}\n", "it", 1, "il filtro «lowerr» non esiste", "forse intendevi «lower»?"),
    ("{{ facts.domain | lowerr }}\n", "en", 1, "there is no filter «lowerr»", "did you mean «lower»?"),
    ("{% if facts.domain is definedd %}x{% endif %}\n", "it", 1, "il test «is definedd» non esiste",
     "forse intendevi «is defined»?"),
    ("x\n{% include 'mailbox-ful.remediation.j2' %}\n", "it", 2, "il template «mailbox-ful.remediation.j2» non esiste",
     "forse intendevi «mailbox-full.remediation.j2»?"),
    ("{{ facts.domain }\n", "it", 1, "«}» non è al suo posto", "«{{» si chiude con «}}»"),
    ("{{ facts.domain facts.domain }}\n", "it", 1, "manca «}}» (trovato «facts»)", "«~»"),
    ("{{ facts.domain\n", "en", 1, "the text ends while «}}» is still missing", "close «{{» with «}}»"),
    ("{{ }}\n", "it", 1, "manca il valore da usare prima di «}}»", "facts.domain"),
    ("{{ 'abc }}\n", "it", 1, "le virgolette aperte qui non si chiudono", "stesso tipo di virgolette"),
    ("{{ facts.domain ! 'a' }}\n", "it", 1, "il carattere «!» non è ammesso", "«!="),
    ("{# note\n", "it", 1, "il commento aperto con «{#» non è chiuso", "«#}»"),
    ("{{ facts.domain | default(}}\n", "it", 1, "qui c'è «}», ma manca ancora «)»", "parentesi"),
]


@pytest.mark.parametrize("text, lang, line, message, hint", CASES)
def test_template_mistake_in_the_writers_words(cli, tmp_path, text, lang, line, message, hint):
    root = build(tmp_path, None)
    (root / TEMPLATE).write_text(text, encoding="utf-8")
    run = cli("rules", "lint", str(root), "--format", "json", "--lang", lang)
    assert run.code == 1 and "Traceback" not in run.err, run.err
    problems = [p for p in run.json()["problems"] if p["file"].endswith(TEMPLATE)]
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem["line"] == line
    assert message in problem["message"]
    assert hint in (problem["hint"] or "")
    said = problem["message"] + (problem["hint"] or "")
    assert not [w for w in JINJA_WORDS if w in said], said


@pytest.mark.parametrize("lang, words", [("it", "il filtro «lowerr» non esiste"), ("en", "there is no filter")])
def test_a_finding_whose_template_fails_says_why_in_the_readers_language(cli, tmp_path, lang, words):
    root = build(tmp_path, None)
    for each in ("it", "en"):
        (root / f"locales/{each}/rules/mailbox-full.explanation.j2").write_text("{{ facts.domain | lowerr }}\n",
                                                                                 encoding="utf-8")
    run = cli("check", "--kb", str(root), "--fact", "quota.used=100", "--fact", "offer=hosted", "--format", "json", "--lang", lang)
    assert "Traceback" not in run.err and run.code in (0, 1), run.err
    errors = [e for f in run.json()["findings"] for e in f.get("template_errors", [])]
    assert errors and all(words in e for e in errors), errors
    assert not [w for w in JINJA_WORDS if w in run.out]


def test_rules_test_names_the_line_an_unclosed_block_opens_on(cli, tmp_path):
    root = build(tmp_path, None)
    (root / TEMPLATE).write_text("Testo.\n{% if facts.domain is defined %}\nabc\n", encoding="utf-8")
    run = cli("rules", "test", str(root))
    assert run.code == 1 and "Traceback" not in run.err
    assert "mailbox-full.explanation.j2:3: il blocco «{% if %}» aperto alla riga 2 non è chiuso" in run.out
