"""One list of yes/no words (the locales' ask.words): facts and ask's answers read the same words."""
from __future__ import annotations

import pytest
from diagnostica.engine.consult.answers import parse
from diagnostica.engine.kb.catalogue import CoercionError, Fact
from diagnostica.engine.kb.texts import bundled_messages
from diagnostica.engine.kb.yesno import words

BOOL = Fact("x.y", "bool")


@pytest.mark.parametrize("text, value", [
    ("sì", True), ("Sì", True), ("si", True), ("yes", True), ("VERO", True), ("true", True), ("1", True),
    (" no ", False), ("falso", False), ("False", False), ("0", False), ("n", False),
])
def test_fact_words(text, value):
    assert BOOL.coerce(text) is value


@pytest.mark.parametrize("text", ["forse", "", "2", "non so", "sìsì"])
def test_other_words_are_not_booleans(text):
    with pytest.raises(CoercionError):
        BOOL.coerce(text)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_answer_word_is_a_fact_word_too(lang):
    locale = bundled_messages(lang)["ask"]["words"]
    yes, no = words()
    for word in locale["yes"]:
        assert parse(word, BOOL, locale).value is True and BOOL.coerce(word) is True, word
    for word in locale["no"]:
        assert parse(word, BOOL, locale).value is False and BOOL.coerce(word) is False, word
    assert not yes & no
