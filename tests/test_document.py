"""The presentation document: built once, in words, and every reporter a pure function of it."""
from __future__ import annotations

import json

import pytest
from diagnostica.engine.kb.texts import bundled_texts
from diagnostica.engine.present import compose, document
from diagnostica.engine.present.render import Renderer
from diagnostica.engine.present.reporters import REPORTERS

FACTS = {"dns.mx_valid": False, "offer": "hosted", "account.email": "anna@example.it",
         "customer.tried": ("riavvio", "password: Sup3r-S3gr3ta")}
HOSTILE = {"dns.mx_valid": False, "domain": "esempio.it\x1b]0;pwned\x07", "customer.tried": ("\x1b[2J",)}


def _parts(value):
    """Every value inside a document, records (NamedTuples) opened up."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        for name in value._fields:
            yield from _parts(getattr(value, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _parts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _parts(item)
    else:
        yield value


def _strings(value):
    """The strings people read: the records' fields, not the JSON shape (which carries values as given)."""
    for name in value._fields:
        if name != "data":
            yield from (part for part in _parts(getattr(value, name)) if isinstance(part, str))


@pytest.fixture(scope="module", params=["it", "en"])
def built(kb, request):
    return document.build(kb, kb.evaluate(FACTS), Renderer(kb, request.param), explain=True, secrets=["password"])


def test_the_document_holds_only_words_and_json_values(built):
    kinds = {type(part) for part in _parts(built)}
    assert kinds <= {str, bool, int, float, type(None)}, kinds


def test_the_document_cannot_be_changed_after_it_is_built(built):
    with pytest.raises(AttributeError):
        built.findings = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        built.findings[0].title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        built.findings[0].because[0] = None  # type: ignore[index]


def test_the_words_are_the_chosen_language(built):
    texts = bundled_texts(built.lang)
    assert built.words.title == texts.get("report.title")
    assert built.findings[0].severity_word == texts.get(f"severity.{built.findings[0].severity}")


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_every_reporter_needs_the_document_alone(built, fmt):
    out = REPORTERS[fmt](built)
    assert built.findings[0].title in (out if fmt != "json" else json.loads(out)["findings"][0]["title"])


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_a_typed_password_is_masked_when_the_document_is_built(built, fmt):
    assert "Sup3r-S3gr3ta" not in REPORTERS[fmt](built)
    assert not any("Sup3r-S3gr3ta" in text for text in _strings(built))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_control_characters_are_made_visible_when_the_document_is_built(kb, lang):
    built = document.build(kb, kb.evaluate(HOSTILE), Renderer(kb, lang))
    shown = [text for text in _strings(built) if not text.replace("\n", "").replace("\t", "").isprintable()]
    assert shown == []
    assert built.data["facts"]["domain"] == HOSTILE["domain"]  # JSON carries the value as given (json_safe escapes)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_customer_document_shows_no_evidence_section(kb, fmt):
    renderer = Renderer(kb, "it", audience="cliente")
    result = kb.evaluate(FACTS)
    section = document.Section(("", "Interrogazioni DNS eseguite:"), ("", "## Interrogazioni DNS eseguite"))
    built = document.build(kb, result, renderer, sections=[section])
    assert "Interrogazioni DNS eseguite" not in REPORTERS[fmt](built)


def test_an_unexplained_complaint_is_a_problem_still(kb):
    renderer = Renderer(kb, "it")
    result = kb.evaluate({"dns.mx_valid": True})
    complaint = {"problem": "ricezione", "explained": False, "confirmed": [], "open_causes": []}
    built = document.build(kb, result, renderer, extra={"complaint": complaint})
    assert (compose.exit_code(result, built), bool(built.complaint)) == (1, True)


@pytest.mark.parametrize("ticket", [None, "{{ facts.nothing.here }}", "{% for %}"], ids=["missing", "undefined", "syntax"])
def test_a_broken_ticket_template_stops_no_other_format(cli, tmp_path, ticket):
    from test_lint_corpus import build

    root = build(tmp_path, None)
    if ticket is not None:
        (root / "locales" / "it" / "ticket.txt.j2").write_text(ticket, encoding="utf-8")
    args = ("check", "--kb", str(root), "--no-cache", "--fact", "offer=hosted", "--fact", "quota.used=100")
    shown = {fmt: cli(*args, "--format", fmt) for fmt in ("text", "json", "ticket")}
    assert {fmt: run.code for fmt, run in shown.items()} == {"text": 1, "json": 1, "ticket": 1}
    assert "ticket.txt.j2" in shown["ticket"].out and "ticket.txt.j2" not in shown["text"].out
