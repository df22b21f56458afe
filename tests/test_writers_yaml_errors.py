"""YAML mistakes told in the writer's language, at the line to fix, with what to do (issue 11)."""
from __future__ import annotations

import pytest
from diagnostica.engine.errors import YamlError
from diagnostica.engine.kb.texts import bundled_messages, bundled_texts
from diagnostica.engine.kb.yamlload import load_yaml

from conftest import copy_small_kb

# PyYAML's own words: none may reach the writer (they stay only in the fallback for unknown complaints).
PYYAML_WORDS = ("mapping values are", "could not find expected", "but found", "but got", "while scanning",
                "while parsing", "block end", "<block", "cannot start any token", "unexpected end of stream")

CASES = [
    # (text, lang, "line:column", fragment of the message, fragment of the hint)
    ("a: b: c\n", "it", "1:5", "un «:» che il YAML non si aspetta", "tra virgolette"),
    ("a: b: c\n", "en", "1:5", "a «:» here that YAML does not expect", "in quotes"),
    ("a:\n  b\n  c: d\n", "it", "3:4", "un «:» che il YAML non si aspetta", "alla riga sopra non manchi «:»"),
    ("a: |\n b\nc\n", "it", "3:1", "non ha il «:» che separa la chiave", "chiave: valore"),
    ("a: |\n b\nc\n", "en", "3:1", "has no «:» between the key and the value", "key: value"),
    ("a:\n\tb: c\n", "it", "2:1", "tabulazione", None),
    ('a: "abc\nb: c\n', "it", "1:4", "le virgolette aperte qui non si chiudono", "stesso tipo di virgolette"),
    ("a: 'abc\nb: c\n", "en", "1:4", "the quotes opened here are never closed", "same kind of quote"),
    ("a: [1, 2\nb: c\n", "it", "1:4", "parentesi quadre aperto qui non si chiude", "«]»"),
    ("a: {x: 1\nb: c\n", "en", "1:4", "mapping in braces opened here is never closed", "«}»"),
    ("rules:\n  - id: x\n    links:\n      see_also: [a]\n   causes: [b]\n", "it", "5:4",
     "rientro sbagliato: la riga comincia dopo 3 spazi", "spostala sotto «links:» con 6 spazi, come «see_also»"),
    ("rules:\n  - id: x\n    links:\n      see_also: [a]\n   causes: [b]\n", "en", "5:4",
     "wrong indentation: the line starts after 3 spaces", "move it under «links:» at 6 spaces"),
    ("a:\n  b: 1\n c: 2\n", "it", "3:2", "dopo 1 spazio,", "allinea la riga a «a:», con 0 spazi"),
    ("a: 1\n- b\n", "it", "2:1", "elemento di elenco", "sotto una chiave"),
    ("a:\n  - b\n  c: d\n", "it", "3:3", "qui comincia una chiave", "dopo «- »"),
    ("a: *x\n", "it", "1:4", "l'alias «*x»", "«&x»"),
    ("a: %x\n", "it", "1:4", "non può cominciare con «%»", "tra virgolette"),
    ("a: @x\n", "en", "1:4", "cannot begin with «@»", "in quotes"),
    ("a: \x01\n", "it", "1:4", "U+0001", "copia e incolla"),
    ("a: [1,,2]\n", "it", "1:7", "manca un valore prima di «,»", None),
    ('a: "\\q"\n', "it", "1:4", "«\\q» non è una sequenza valida", "virgolette semplici"),
    ("a: 1\n---\nb: 2\n", "it", "2:1", "secondo documento", "«---»"),
    ("a: !foo x\n", "en", "1:4", "the tag «!foo» is not expected here", "remove the tag"),
    ("a: &x 1\nb: &x 2\n", "it", "2:4", "è già definita alla riga 1", None),
    ("a: &\n", "it", "1:5", "serve un nome", None),
    ("a: |x\n  b\n", "it", "1:5", "sono ammessi solo", None),
]


@pytest.mark.parametrize("text, lang, where, message, hint", CASES)
def test_yaml_mistake_in_the_writers_words(text, lang, where, message, hint):
    with pytest.raises(YamlError) as caught:
        load_yaml(text, "f.yaml")
    texts = bundled_texts(lang)
    rendered = caught.value.render(texts)
    assert rendered.startswith(f"f.yaml:{where}: "), rendered
    assert message in caught.value.message(texts)
    if hint is not None:
        assert hint in (caught.value.hint(texts) or "")
    assert not [w for w in PYYAML_WORDS if w in rendered], rendered


def test_a_complaint_no_locale_knows_is_still_framed_in_the_readers_language():
    from diagnostica.engine.errors import Location
    from diagnostica.engine.kb.yamlload import YamlSyntaxError

    error = YamlSyntaxError(Location("f.yaml", 1, 1), "some new complaint", ("some_new_complaint",))
    assert error.render(bundled_texts("it")).startswith("f.yaml:1:1: YAML non valido (il lettore YAML dice: ")
    assert "controlla la riga indicata" in error.render(bundled_texts("it"))


def test_both_languages_know_the_same_complaints():
    italian, english = (bundled_messages(lang)["yaml_problems"] for lang in ("it", "en"))
    assert set(italian) == set(english)
    for key, entry in italian.items():
        if isinstance(entry, dict):
            assert set(entry) == set(english[key]), key


@pytest.mark.parametrize("lang, words", [("it", "«see_also» non va qui ma dentro «links:»"),
                                         ("en", "«see_also» does not go here but inside «links:»")])
def test_a_field_written_beside_links_says_to_move_it_under_links(cli, tmp_path, lang, words):
    copy_small_kb(tmp_path)  # the schema's words, whatever the knowledge base: the small one (conftest.SMALL_KB)
    path = tmp_path / "rules" / "mailbox.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    links:\n      see_also: [quota-check]\n") == 1
    path.write_text(text.replace("    links:\n      see_also: [quota-check]\n",
                                 "    links:\n    see_also: [quota-check]\n"), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("    see_also: [quota-check]") + 1
    run = cli("rules", "lint", str(tmp_path), "--lang", lang)
    assert run.code == 1 and "Traceback" not in run.err
    assert f"{path}:{line}:5:" in run.out and words in run.out


@pytest.mark.parametrize("line, flagged", [
    ("    label: Si\n", "«Si»"),
    ("    label: sì\n", "«sì»"),
    ("    label: no\n", "«no»"),
    ("    label: On\n", "«On»"),
    ("    label: yes  # a comment\n", "«yes»"),
    ('    label: "Si"\n', None),
    ("    label: 'no'\n", None),
    ("    label: Sicuro\n", None),
    ("    label: |\n      Si\n", None),  # a line of a literal text, not a value
])
def test_yes_no_words_in_locale_files_are_flagged_with_a_hint_to_quote_them(cli, tmp_path, line, flagged):
    from tests.test_lint_corpus import build

    root = build(tmp_path, None)
    path = root / "locales" / "it" / "extra.yaml"
    path.write_text("facts:\n  domain:\n" + line, encoding="utf-8")
    run = cli("rules", "lint", str(root), "--format", "json")
    assert "Traceback" not in run.err
    found = [p for p in run.json()["problems"] if p["file"].endswith("extra.yaml")]
    if flagged is None:
        assert found == []
    else:
        assert [(p["line"], p["check_id"]) for p in found] == [(3, "yaml11-boolean")]
        assert flagged in found[0]["message"] and "virgolette" in found[0]["hint"]
