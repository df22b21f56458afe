"""The engine as a library: three-valued logic, forward chaining, cross-links, order."""
from __future__ import annotations

import pytest
from diagnostica.engine.kb.catalogue import normalize_host

SEED_RULES = ["account-spam-blocked", "account-expired", "account-locked", "webmail-auth-failed",
              "mx-invalid", "test-email-not-received", "srv-invalid", "test-email-not-sent"]


def fired(kb, facts):
    return [f.id for f in kb.evaluate(facts).findings]


@pytest.mark.parametrize("rule_id", SEED_RULES)
def test_every_seed_error_has_its_public_rule(kb, rule_id):
    assert kb.by_id[rule_id].is_finding


@pytest.mark.parametrize("facts, expected", [
    ({"account.spam_blocked": True}, ["account-spam-blocked"]),
    ({"account.suspended": True}, ["account-expired"]),
    ({"account.locked": True}, ["account-locked"]),
    ({"webmail.auth_ok": False}, ["webmail-auth-failed"]),
    ({"dns.mx_valid": False}, ["mx-invalid"]),
    ({"dns.srv_valid": False}, ["srv-invalid"]),
    ({"test_email.received": False}, ["test-email-not-received"]),
    ({"test_email.sent": False}, ["test-email-not-sent"]),
    ({"infrastructure.incident": True}, ["infrastructure-incident"]),
])
def test_each_rule_fires_on_its_fact(kb, facts, expected):
    assert fired(kb, facts) == expected


def test_healthy_account_has_no_findings(kb):
    facts = {"account.spam_blocked": False, "account.suspended": False,
             "account.locked": False, "webmail.auth_ok": True, "dns.mx_valid": True, "dns.srv_valid": True,
             "test_email.received": True, "test_email.sent": True, "infrastructure.incident": False}
    result = kb.evaluate(facts)
    assert result.findings == ()
    assert not set(SEED_RULES) & {u.id for u in result.undecided}
    assert not result.problems_found


def test_missing_fact_is_unknown_not_false(kb):
    result = kb.evaluate({})
    assert result.findings == ()
    undecided = {u.id: u.needs for u in result.undecided}
    assert undecided["account-locked"] == ("account.locked",)
    # a derivable fact brings along the facts that would derive it
    assert undecided["mx-invalid"][0] == "dns.mx_valid"
    assert {"dns.mx", "pop_imap"} <= set(undecided["mx-invalid"])


def test_any_with_one_true_branch_is_decided_despite_unknowns(kb):
    # dns-lookup-failed is an `any` over four lookups: one failed lookup is enough, the others unknown
    assert "dns-lookup-failed" in fired(kb, {"dns.mx_lookup": "timeout"})
    # one branch false, the others unknown: undecided, not false
    result = kb.evaluate({"dns.mx_lookup": "ok"})
    assert result.outcomes["dns-lookup-failed"] is None


def test_derived_fact_from_records_fires_the_public_rule(kb):
    result = kb.evaluate({"pop_imap": "none", "dns.mx": ("mx1.mail.ovh.net", "mail.example.com")})
    assert result.derived == {"dns.mx_valid": "mx-records-check"}
    finding = result.finding("mx-invalid")
    assert result.because(finding.id) == {"dns.mx_valid": False, "dns.mx": ("mx1.mail.ovh.net", "mail.example.com"),
                               "pop_imap": "none"}


def test_given_fact_wins_over_derivation(kb):
    result = kb.evaluate({"dns.mx_valid": True, "dns.mx": ("mail.example.com",)})
    assert "dns.mx_valid" not in result.derived
    assert fired(kb, {"dns.mx_valid": True, "dns.mx": ("mail.example.com",)}) == []


def test_current_ovh_zone_is_valid_by_default(kb):
    zone = tuple(f"mx{i}.mail.ovh.net" for i in range(5))
    result = kb.evaluate({"pop_imap": "none", "dns.mx": zone})
    assert result.facts["dns.mx_valid"] is True


def test_cause_is_listed_before_its_consequence(kb):
    result = kb.evaluate({"test_email.received": False, "dns.mx_valid": False})
    assert [f.id for f in result.findings] == ["mx-invalid", "test-email-not-received"]
    assert result.finding("test-email-not-received").consequence_of == ("mx-invalid",)
    assert result.finding("mx-invalid").consequence_of == ()


def test_consequence_order_holds_whatever_the_ids(kb):
    # account-expired sorts before test-email-* alphabetically anyway; webmail-auth-failed does not
    result = kb.evaluate({"test_email.sent": False, "webmail.auth_ok": False, "account.locked": True})
    assert [f.id for f in result.findings] == ["account-locked", "webmail-auth-failed", "test-email-not-sent"]
    assert result.finding("webmail-auth-failed").consequence_of == ("account-locked",)


def test_symptom_alone_lists_possible_causes_with_the_facts_that_decide_them(kb):
    result = kb.evaluate({"test_email.sent": False, "account.spam_blocked": False})
    causes = {p.cause: p.needs for p in result.possible_causes if p.symptom == "test-email-not-sent"}
    assert set(causes) == {"account-expired", "webmail-auth-failed", "infrastructure-incident",
                           # mail authentication (rules/mail-auth.yaml, spf-invalid): receivers refuse the mail
                           "spf-invalid", "spf-multiple-records", "spf-too-many-lookups", "dnssec-bogus",
                           "dkim-not-enabled"}
    assert causes["webmail-auth-failed"] == ("webmail.auth_ok",)
    assert "account-spam-blocked" not in causes  # ruled out


def test_output_is_deterministic(kb):
    facts = {"test_email.sent": False, "test_email.received": False, "dns.mx_valid": False,
             "account.spam_blocked": True, "dns.srv_valid": False, "infrastructure.incident": True}
    first = kb.evaluate(facts)
    for _ in range(5):
        again = kb.evaluate(dict(reversed(list(facts.items()))))
        assert again.findings == first.findings
        assert again.undecided == first.undecided


def test_errors_come_before_warnings_when_unlinked(kb):
    result = kb.evaluate({"dns.srv_valid": False, "account.locked": True})
    assert [f.severity for f in result.findings] == ["error", "warning"]


@pytest.mark.parametrize("raw, canonical", [
    ("MX1.Mail.OVH.net.", "mx1.mail.ovh.net"), ("mx1.mail.ovh.net", "mx1.mail.ovh.net"), (" ex2.mail.ovh.net. ", "ex2.mail.ovh.net"),
])
def test_host_names_compare_case_insensitively_without_final_dot(raw, canonical):
    assert normalize_host(raw) == canonical


def test_srv_compared_on_every_field(kb):
    base = {"offer": "hosted", "exchange_server": "ex2.mail.ovh.net"}
    good = {"priority": 0, "weight": 0, "port": 443, "target": "ex2.mail.ovh.net"}
    assert kb.evaluate({**base, "dns.autodiscover_srv": (good,)}).facts["dns.srv_valid"] is True
    for field, wrong in (("priority", 10), ("weight", 5), ("port", 80), ("target", "ex3.mail.ovh.net")):
        record = {**good, field: wrong}
        result = kb.evaluate({**base, "dns.autodiscover_srv": (record,)})
        assert result.facts["dns.srv_valid"] is False, field


def test_evaluation_does_not_touch_the_input(kb):
    facts = {"dns.mx": ("mail.example.com",)}
    kb.evaluate(facts)
    assert facts == {"dns.mx": ("mail.example.com",)}


@pytest.mark.parametrize("read", [
    lambda r: [f.id for f in r.findings],
    lambda r: [r.because(f.id) for f in r.findings],
    lambda r: [u.needs for u in r.undecided],
    lambda r: [(p.cause, p.needs) for p in r.possible_causes],
    lambda r: dict(r.outcomes),
    lambda r: r.finding("test-email-not-sent"),
], ids=["findings", "because", "undecided", "possible-causes", "outcomes", "finding"])
def test_a_result_read_any_way_is_no_reference_cycle(kb, read):
    """Freed when dropped, by reference counting: a batch is not left to the cyclic collector."""
    import gc

    result = kb.evaluate({"test_email.sent": False, "dns.mx_valid": False})
    assert read(result)  # something was read: the test cannot pass on an empty answer
    gc.disable()
    gc.freeze()  # what the process already holds is set aside: the collection scans only what this read made
    try:
        read(kb.evaluate({"test_email.sent": False, "dns.mx_valid": False}))
        assert gc.collect() == 0
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.mark.parametrize("first", ["item", "get", "items", "undecided"])
def test_a_deferred_finding_is_settled_the_same_whichever_read_comes_first(kb, first):
    """The full variant records only that a laid-out finding fired; whether one that did not is False or
    undecided is settled by its nodes when read (``plan.deferred``), the same by every read, every time."""
    from diagnostica.engine.run.plan import deferred

    plan = kb.plan()
    lazy = [rule for rule in kb.rules if deferred(rule)]
    assert lazy and all(f"= None  # {rule.id}" not in plan.source() for rule in lazy)
    facts = {"dns.mx_lookup": "ok", "account.locked": False, "test_email.sent": False}
    result = kb.evaluate(facts)
    reads = {
        "item": lambda: {rule.id: result.outcomes[rule.id] for rule in lazy},
        "get": lambda: {rule.id: result.outcomes.get(rule.id) for rule in lazy},
        "items": lambda: {rule_id: value for rule_id, value in result.outcomes.items() if rule_id in
                          {rule.id for rule in lazy}},
        "undecided": lambda: {rule.id: None if rule.id in {u.id for u in result.undecided} else
                              result.outcomes[rule.id] for rule in lazy},
    }
    expected = {rule.id: rule.condition.evaluate(result.facts) for rule in lazy}
    assert None in expected.values() and False in expected.values()  # both ways of not firing are met
    assert reads[first]() == expected
    for read in reads.values():
        assert read() == expected


@pytest.mark.parametrize("name", ["evaluate", "fired"])
def test_a_driver_read_before_the_first_evaluation_stays_one_call_to_the_generated_code(name, monkeypatch):
    """``evaluate = kb.evaluate`` read before any evaluation is the generated driver itself, built by that
    read: a loop that kept it never rebuilds it (a first-use method once went through ``runner`` each time)."""
    from diagnostica.engine import load_knowledge_base

    kb = load_knowledge_base(cache=False)  # a plan of its own, not compiled yet
    kept = getattr(kb, name)
    facts = {"test_email.sent": False, "dns.mx_valid": False}
    first = kept(facts)
    plan = kb.plan()
    monkeypatch.setattr(type(plan), "runner", lambda self, fired: pytest.fail("the driver was built again"))
    again = kept(facts)
    # the generated code's own function (its file is the variant's source), kept in the plan's slot
    assert getattr(kb, name) is kept and kept.__code__.co_filename.startswith("<diagnostica ")
    if name == "evaluate":
        assert [f.id for f in again.findings] == [f.id for f in first.findings] != []
    else:
        assert again == first != ()


def test_caused_by_reads_the_causes_turned_round(kb):
    naive = {r.id: tuple(c for c, effects in kb.causes.items() if r.id in effects) for r in kb.rules}
    assert {r.id: kb.caused_by(r.id) for r in kb.rules} == naive and any(naive.values())
    assert kb.caused_by("no-such-rule") == ()
