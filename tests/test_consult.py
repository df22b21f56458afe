"""The consultation planner: which question comes next, never twice, and when to stop."""
from __future__ import annotations

import textwrap

import pytest
from diagnostica.engine import from_directory, load_knowledge_base
from diagnostica.engine.consult.planner import UNKNOWN, Consultation, problem, transitive_causes

# The seed's errors, each as the world an agent would discover by asking: the facts that hold
# when that error (and nothing else) is what is wrong.  Healthy values for everything else.
HEALTHY = {
    "account.spam_blocked": False, "account.expired": False, "account.suspended": False,
    "account.locked": False, "webmail.auth_ok": True, "test_email.sent": True,
    "test_email.received": True, "dns.mx_valid": True, "dns.srv_valid": True,
    "infrastructure.incident": False,
}


def world(**broken) -> dict:
    facts = dict(HEALTHY)
    facts.update({k.replace("__", "."): v for k, v in broken.items()})
    return facts


def consult(kb, truth: dict, *, complaint: str | None = None, start: dict | None = None,
            unknown: tuple[str, ...] = ()) -> tuple[list[str], Consultation]:
    """Run a consultation answering from ``truth``; returns the questions asked, in order."""
    state = Consultation(kb, dict(start or {}), complaint=problem(kb, complaint) if complaint else None)
    asked: list[str] = []
    for _ in range(50):
        question = state.next_question()
        if question is None:
            return asked, state
        asked.append(question.fact)
        value = UNKNOWN if question.fact in unknown or question.fact not in truth else truth[question.fact]
        state = state.answer(question.fact, value)
    raise AssertionError(f"the consultation never ended: {asked}")


def finding_ids(state: Consultation) -> set[str]:
    return {f.id for f in state.result().findings}


# ------------------------------------------------------------ question order

def test_failed_send_test_first_asks_about_a_cause(kb):
    state = Consultation(kb, {"test_email.sent": False})
    causes = set(transitive_causes(kb, "test-email-not-sent"))
    assert len(causes) >= 4
    candidates = state.candidates()
    best = candidates[0]
    # The best question can decide a possible cause, and none can decide more of them.
    assert set(best.causes) <= causes and best.causes
    assert all(len(c.causes) <= len(best.causes) for c in candidates)
    # Among the questions that decide as many causes, the cheapest first (cost 1 in the catalogue).
    assert best.cost == min(c.cost for c in candidates if len(c.causes) == len(best.causes))
    assert best.fact == "account.spam_blocked"


EITHER_WAY_KB = {
    "rules/facts.yaml": """
        facts:
          symptom: {type: bool, description: s, cost: 1}
          p: {type: bool, description: p, cost: 1}
          q: {type: bool, description: q, cost: 1}
          r: {type: bool, description: r, cost: 1}
    """,
    "rules/rules.yaml": """
        rules:
          - {id: sym, severity: error, when: {fact: symptom, equals: true}, explanation: x.j2, remediation: x.j2,
             links: {caused_by: [c-either, c-alone]}}
          - {id: c-either, severity: error, when: {any: [{fact: p, equals: true}, {fact: q, equals: true}]},
             explanation: x.j2, remediation: x.j2}
          - {id: c-alone, severity: error, when: {fact: r, equals: true}, explanation: x.j2, remediation: x.j2}
    """,
    "locales/it/messages.yaml": "{}\n",
}


def test_a_yes_no_that_decides_either_way_beats_one_that_decides_only_on_yes(tmp_path):
    # c-alone depends on r alone; c-either on p OR q, so "no" to p alone decides nothing.
    state = Consultation(_kb_from(tmp_path, EITHER_WAY_KB), {"symptom": True})
    assert state.next_question().fact == "r"


def test_cheap_questions_before_expensive_ones(kb):
    asked, _ = consult(kb, world(webmail__auth_ok=False, test_email__sent=False), complaint="invio")
    # Panel questions (cost 1-2) come before the status page (3) and the webmail test (4).
    assert asked.index("infrastructure.incident") < asked.index("webmail.auth_ok")
    costs = [kb.catalogue[name].cost for name in asked]
    assert costs == sorted(costs) and set(costs[:costs.index(3)]) <= {1, 2}


SHARED_KB = {
    "rules/facts.yaml": """
        facts:
          symptom: {type: bool, description: s, cost: 1}
          a: {type: bool, description: a, cost: 1}
          b: {type: bool, description: b, cost: 1}
          status: {type: enum, values: [ok, expired, spam, locked], description: shared, cost: 2}
          other: {type: bool, description: o, cost: 1}
    """,
    "rules/rules.yaml": """
        rules:
          - {id: sym, severity: error, when: {fact: symptom, equals: true}, explanation: x.j2, remediation: x.j2,
             links: {caused_by: [c-a, c-b, c-expired, c-spam, c-locked]}}
          - {id: c-a, severity: error, when: {fact: a, equals: true}, explanation: x.j2, remediation: x.j2}
          - {id: c-b, severity: error, when: {fact: b, equals: true}, explanation: x.j2, remediation: x.j2}
          - {id: c-expired, severity: error, when: {fact: status, equals: expired}, explanation: x.j2, remediation: x.j2}
          - {id: c-spam, severity: error, when: {fact: status, equals: spam}, explanation: x.j2, remediation: x.j2}
          - {id: c-locked, severity: error, when: {fact: status, equals: locked}, explanation: x.j2, remediation: x.j2}
          - {id: unrelated, severity: error, when: {fact: other, equals: true}, explanation: x.j2, remediation: x.j2}
    """,
    "locales/it/messages.yaml": "{}\n",
}


def _kb_from(folder, files: dict[str, str]):
    """A knowledge base made of ``files`` (path -> text) written under ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_knowledge_base(from_directory(folder))


@pytest.fixture
def shared_kb(tmp_path):
    return _kb_from(tmp_path, SHARED_KB)


def test_the_question_that_rules_out_the_most_causes_comes_first_even_if_dearer(shared_kb):
    state = Consultation(shared_kb, {"symptom": True})
    best = state.next_question()
    assert best.fact == "status"  # three causes at once, although it costs 2 and the others 1
    assert set(best.causes) == {"c-expired", "c-spam", "c-locked"}
    state = state.answer("status", "ok")
    # Then the single-cause questions, in catalogue order; the unrelated rule last.
    assert [c.fact for c in state.candidates()] == ["a", "b", "other"]


def test_without_a_fired_symptom_questions_are_ranked_by_rules_decided(shared_kb):
    state = Consultation(shared_kb, {})
    assert state.next_question().fact == "status"
    assert len(state.next_question().decides) == 3


# ------------------------------------------------------ never the same twice

@pytest.mark.parametrize("complaint", [None, "invio", "ricezione"])
@pytest.mark.parametrize("unknown", [(), ("dns.mx_valid", "account.expired"), tuple(HEALTHY)])
def test_never_the_same_question_twice(kb, complaint, unknown):
    truth = world(test_email__sent=False, **{"dns.mx": ["mx1.mail.ovh.net"], "pop_imap": "none"})
    asked, state = consult(kb, truth, complaint=complaint, unknown=unknown)
    assert asked and len(asked) == len(set(asked)), asked
    assert all(kb.catalogue[name].askable for name in asked)
    assert state.next_question() is None


def test_known_and_derived_facts_are_not_asked(kb):
    start = {"dns.mx": ["mx1.mail.ovh.net", "mail.example.com"], "pop_imap": "none", "account.spam_blocked": False}
    state = Consultation(kb, start)
    offered = {c.fact for c in state.candidates()}
    assert "dns.mx_valid" not in offered  # derived from the records found
    assert not offered & set(start)


def test_undo_returns_the_previous_state_and_the_question_comes_back(kb):
    state = Consultation(kb, {}, complaint=problem(kb, "invio"))
    first = state.next_question().fact
    after = state.answer(first, False)
    assert after.next_question().fact != first
    back = after.undo()
    assert back == state
    assert back.next_question().fact == first
    assert state.undo() is state


def test_answering_twice_is_refused(kb):
    state = Consultation(kb, {}).answer("account.locked", False)
    with pytest.raises(ValueError):
        state.answer("account.locked", True)


# ---------------------------------- every seed error, from the customer's complaint

SEND = [  # the panel's «abbonamento scaduto» is one check, account.suspended (the API's isSuspended)
    ("account-spam-blocked", world(account__spam_blocked=True, test_email__sent=False), 1),
    ("account-locked", world(account__locked=True, webmail__auth_ok=False, test_email__sent=False), 2),
    ("account-expired", world(account__suspended=True, test_email__sent=False, test_email__received=False), 3),
    ("infrastructure-incident", world(infrastructure__incident=True, test_email__sent=False), 4),
    ("webmail-auth-failed", world(webmail__auth_ok=False, test_email__sent=False), 5),
    # 9: the SPF causes add the SPF records and the offer (the other SPF facts are not askable),
    # dkim-not-enabled its selectors (dkim.selectors).
    ("test-email-not-sent", world(test_email__sent=False), 9),
]
RECEIVE = [
    ("mx-invalid", world(dns__mx_valid=False, test_email__received=False), 1),
    ("account-expired", world(account__suspended=True, test_email__sent=False, test_email__received=False), 2),
    ("test-email-not-received", world(test_email__received=False), 3),
]


@pytest.mark.parametrize("expected, truth, questions", SEND)
def test_cannot_send_reaches_the_right_advice(kb, expected, truth, questions):
    asked, state = consult(kb, truth, complaint="invio")
    assert expected in finding_ids(state)
    assert len(asked) == questions, asked


@pytest.mark.parametrize("expected, truth, questions", RECEIVE)
def test_cannot_receive_reaches_the_right_advice(kb, expected, truth, questions):
    asked, state = consult(kb, truth, complaint="ricezione")
    assert expected in finding_ids(state)
    assert len(asked) == questions, asked


def test_a_confirmed_cause_ends_the_consultation_unless_thorough(kb):
    truth = world(account__spam_blocked=True, test_email__sent=False)
    asked, _ = consult(kb, truth, complaint="invio")
    assert asked == ["account.spam_blocked"]
    state = Consultation(kb, {}, complaint=problem(kb, "invio"), thorough=True).answer("account.spam_blocked", True)
    assert state.next_question() is not None


def test_full_check_finds_the_srv_record_too(kb):
    asked, state = consult(kb, world(dns__srv_valid=False))
    assert finding_ids(state) == {"srv-invalid"}
    assert "dns.srv_valid" in asked


def test_when_the_diagnostic_verdict_is_unknown_the_records_are_asked(kb):
    truth = world(test_email__received=False, **{"dns.mx": ["mx1.mail.ovh.net", "mail.example.com"],
                                                "pop_imap": "none"})
    asked, state = consult(kb, truth, complaint="ricezione", unknown=("dns.mx_valid",))
    assert "dns.mx" in asked
    assert "mx-invalid" in finding_ids(state)


def test_unknown_problem_names_the_closest(kb):
    from diagnostica.engine.errors import InputError

    with pytest.raises(InputError) as caught:
        problem(kb, "invii")
    assert caught.value.params["suggestion"] == "invio"
    assert problem(kb, "cannot-receive").symptoms == ("test-email-not-received",)
