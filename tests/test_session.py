"""The consultation session in the library: moves, «perché?», and the compact form a page or client keeps."""
from __future__ import annotations

import json

import pytest
from diagnostica.engine.consult.session import UNKNOWN, Session
from diagnostica.engine.errors import InputError
from diagnostica.engine.kb.yamlload import load_yaml
from diagnostica.engine.present.render import Renderer


@pytest.fixture(scope="module")
def renderer(kb):
    return Renderer(kb, "it")


def walk(kb, renderer, problem, lines):
    session = Session.start(kb, problem_name=problem)
    replies = []
    for line in lines:
        session, reply = session.reply(line, renderer)
        replies.append(reply.kind)
    return session, replies


@pytest.mark.parametrize("problem, lines, kinds, asked, ending", [
    ("ricezione", ["no"], ["answer"], ["dns.mx_valid"], "explained"),
    ("invio", ["perché?", "forse", "?", "no", "indietro", "no", "sì"],
     ["why", "invalid", "help", "answer", "back", "answer", "answer"],
     ["account.spam_blocked", "account.locked"], "explained"),
    ("invio", ["indietro"], ["nothing_to_undo"], [], None),
    ("invio", ["non so", "fine"], ["unknown", "stop"], ["account.spam_blocked"], "stopped"),
])
def test_typed_lines_move_the_session(kb, renderer, problem, lines, kinds, asked, ending):
    session, replies = walk(kb, renderer, problem, lines)
    assert replies == kinds
    assert [a.fact for a in session.state.answers] == asked
    assert session.ending() == ending
    typed = ["back" if kind == "nothing_to_undo" else kind for kind in kinds]  # the transcript keeps what was typed
    assert [e["kind"] for e in session.transcript] == typed


def test_back_brings_the_same_question_again(kb):
    session = Session.start(kb, problem_name="invio")
    first = session.question()
    assert session.answer(False).back().question() == first


def test_why_links_the_question_to_the_complaint(kb):
    session = Session.start(kb, problem_name="invio")
    reasons = session.why()
    assert reasons[0].rule == "account-spam-blocked" and reasons[0].decides
    assert reasons[0].cause_of == ("test-email-not-sent",)


def test_why_follows_derived_facts(kb):
    session = Session.start(kb, {"dns.mx": ("mx1.mail.ovh.net",), "account.suspended": False},
                            problem_name="ricezione").answer(UNKNOWN)
    assert session.question().fact.name == "pop_imap"
    assert ("dns.mx_valid", "mx-records-check") in [r.via for r in session.why()]


@pytest.mark.parametrize("lines", [[], ["no"], ["non so", "no", "sì"], ["no", "no", "non so", "no"]])
def test_the_compact_form_round_trips_through_json(kb, renderer, lines):
    session, _ = walk(kb, renderer, "invio", lines)
    data = json.loads(json.dumps(session.to_dict()))
    again = Session.from_dict(kb, data)
    assert again.state.answers == session.state.answers
    assert again.question() == session.question()
    assert again.conclusion() == session.conclusion()


def test_an_object_of_answers_is_read_in_its_order(kb):
    session = Session.from_dict(kb, {"problem": "invio", "answers": {"account.spam_blocked": False,
                                                                     "account.locked": None}})
    assert [(a.fact, a.value) for a in session.state.answers] == [("account.spam_blocked", False),
                                                                  ("account.locked", UNKNOWN)]


@pytest.mark.parametrize("text, code, where", [
    ('[]', "facts_not_mapping", "<answers>:1"),
    ('{"problem": 3}', "ask_bad_state", "<answers>:1:2"),
    ('{"problem": "invii"}', "unknown_problem", "<answers>:1:2"),
    ('{"answers": "no"}', "ask_bad_state", "<answers>:1:2"),
    ('{"answers": [["account.locked"]]}', "ask_bad_state", "<answers>:1:14"),
    ('{"answers": [["account.lockd", true]]}', "unknown_fact", "<answers>:1:14"),
    ('{"answers": {"account.locked": "forse"}}', "fact_bad_bool", "<answers>:1:14"),
    ('{"answers": [["account.locked", true],\n ["account.locked", false]]}', "ask_not_a_question", "<answers>:2:2"),
    ('{"answers": [["dns.mx_lookup", "ok"]]}', "ask_not_a_question", "<answers>:1:14"),
])
def test_a_bad_state_is_one_input_error_at_its_line(kb, text, code, where):
    with pytest.raises(InputError) as caught:
        Session.from_dict(kb, load_yaml(text, "<answers>").data)
    assert (caught.value.code, str(caught.value.location)) == (code, where)


def test_a_secret_typed_as_an_answer_is_masked_in_the_transcript(kb, renderer):
    session = Session.start(kb, problem_name="invio")
    session, _ = session.reply("password: Segreta!2026", renderer)
    assert "Segreta" not in json.dumps(session.transcript)


def test_a_secret_inside_an_answers_value_is_never_kept(kb, renderer):
    """A typed answer is read masked (a record or a list holds the secret, not only the line); an answer
    replayed from a client's state is masked too, a list's items as well as a text."""
    session = Session.start(kb, problem_name="invio")
    while (question := session.question()) is not None and question.fact.name != "dns.spf":
        session = session.answer(UNKNOWN)
    assert question is not None  # the consultation asks for the SPF record
    session, _ = session.reply("v=spf1 include:mx.ovh.com password: Segreta!2026 ~all", renderer)
    assert "Segreta" not in json.dumps([session.transcript, session.to_dict()], default=str)
    replayed = Session.from_dict(kb, {"problem": "invio",
                                      "answers": [["dns.spf", ["v=spf1 -all", "token: Segreta!2026"]]]})
    assert "Segreta" not in json.dumps(replayed.to_dict(), default=str)
