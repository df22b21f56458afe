"""`rules docs`: numbered steps stay ordered lists, and every example of a rule is shown (issue 11)."""
from __future__ import annotations

import html
import re

import pytest
from diagnostica.engine.lint.guide import Block, blocks


@pytest.mark.parametrize("text, expected", [
    ("One paragraph.", [Block("text", "One paragraph.")]),
    ("1. first\n2. second", [Block("steps", "first\nsecond", ("first", "second"), 1)]),
    ("3) third\n4) fourth", [Block("steps", "third\nfourth", ("third", "fourth"), 3)]),
    ("Intro:\n1. first\n2. second\nAfter.", [Block("text", "Intro:"), Block("steps", "first\nsecond", ("first", "second")),
                                             Block("text", "After.")]),
    ("1. first\n   goes on\n2. second", [Block("steps", "first goes on\nsecond", ("first goes on", "second"))]),
    ("- a\n- b", [Block("list", "a\nb", ("a", "b"))]),
    ("x.it. 3600 IN MX 1 mx1.mail.ovh.net.", [Block("code", "x.it. 3600 IN MX 1 mx1.mail.ovh.net.")]),
    ("2026 was a year.", [Block("text", "2026 was a year.")]),
])
def test_blocks(text, expected):
    assert blocks(text) == expected


@pytest.mark.parametrize("lang", ["it", "en"])
def test_html_docs_keep_numbered_steps_as_ordered_lists(cli, kb, lang):
    from diagnostica.engine.present.render import Renderer

    page = cli("rules", "docs", "--format", "html", "--lang", lang).out
    steps = blocks(Renderer(kb, lang).rule_text("account-locked", {"account.locked": True}).remediation)
    first = next(b for b in steps if b.kind == "steps")
    assert f"<ol>\n<li>{first.items[0]}</li>" in html.unescape(page)
    assert not re.search(r"<p>[^<]*\b1\. [^<]*\b2\. ", page)  # no steps merged into one paragraph


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_docs_show_every_example_of_every_rule(cli, kb, fmt):
    page = html.unescape(cli("rules", "docs", "--format", fmt).out)
    for rule in kb.by_id.values():
        if rule.is_finding:
            for example in rule.examples:
                assert example.name in page, (rule.id, example.name)
    # An example that fires with other words than the first one shows those words too.
    assert "Con i fatti dell'esempio «the diagnostic says so»" in page
