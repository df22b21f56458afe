"""Python's JSON complaints (English) said in the reader's words: every one of them, in both languages."""
from __future__ import annotations

import json

import pytest
from diagnostica.engine.inputs.facts import json_problem
from diagnostica.engine.kb.texts import bundled_texts


@pytest.mark.parametrize("text", ['{"a" 1}', '{"a": 1 "b": 2}', '{1: 2}', "[", "", '"abc', '"a\tb"', '"\\q"',
                                  '"\\u12"', "{} x"])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_json_complaint_has_the_readers_words(text, lang):
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    params = json_problem(caught.value)
    assert params["problem"] == caught.value.msg and "problem_key" in params, caught.value.msg
    assert bundled_texts(lang).word(params["problem_key"])
