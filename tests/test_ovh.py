"""diagnostica ovh against a loopback fake of the OVHcloud API (tests/ovhapi.py) that checks every signature."""
from __future__ import annotations

import json

import pytest
from diagnostica.cli.main import main

import ovhapi as fakeapi
from ovhapi import AK, AS, CK, FakeOvh, use_fake


@pytest.fixture(scope="module")
def fake():
    with FakeOvh() as server:
        yield server


@pytest.fixture(autouse=True)
def keys(fake, monkeypatch, tmp_path):
    use_fake(fake, monkeypatch, tmp_path)


def run(capsys, *args):
    code = main(["ovh", *args])
    out, err = capsys.readouterr()
    return code, out, err


def findings(capsys, *args):
    code, out, err = run(capsys, *args, "--format", "json")
    return code, [f["id"] for f in json.loads(out)["findings"]] if out else None, out, err


# account -> expected findings and exit code, one line each
CASES = [
    ("info@example.it", [], 0),
    ("spam@example.it", ["account-spam-blocked", "test-email-not-sent"], 1),
    ("locked@example.it", ["account-locked", "webmail-auth-failed"], 1),
    ("sospeso@example.it", ["account-expired"], 1),
    ("info@mxwrong.it", ["mx-invalid", "test-email-not-received"], 1),
    ("info@srvwrong.it", ["srv-invalid"], 1),
    ("info@spfwrong.it", ["spf-invalid"], 1),  # the API's spfIsValid
    ("nuovo@example.it", [], 0),  # never diagnosed: a warning, the test's facts stay unknown
    ("chiuso@example.it", ["account-expired"], 1),  # never diagnosed, but the account's state is "suspended"
    ("pro@example.org", [], 0),  # found in Email Pro
    ("refused@example.it", [], 1),  # diagnostics refused: unknown, not healthy
    ("down@example.it", [], 1),  # diagnostics 500: could not check
]


@pytest.fixture(scope="module")
def documents():
    """email -> (code, out, err) of ``ovh EMAIL --format json`` against the fake as it starts, made once
    for the module: two tests below read the same document of each of the CASES accounts (every
    test that changes the fake puts it back as it found it)."""
    return {}


def document_of(capsys, documents, email):
    if email not in documents:
        documents[email] = run(capsys, email, "--format", "json")
    return documents[email]


@pytest.mark.parametrize("email, expected, exit_code", CASES)
def test_account_findings(capsys, documents, email, expected, exit_code):
    code, out, err = document_of(capsys, documents, email)
    ids = [f["id"] for f in json.loads(out)["findings"]] if out else None
    assert (sorted(ids), code) == (sorted(expected), exit_code), err


def test_every_signed_call_was_checked(fake, capsys):
    before = len(fake.seen)
    assert run(capsys, "info@example.it")[0] == 0
    assert len(fake.seen) > before and fake.bad_signatures == 0


def test_advice_names_the_services_own_values(capsys):
    assert "7654321" in run(capsys, "spam@example.it")[1]
    assert "45 minuti" in run(capsys, "locked@example.it")[1]
    assert "45 minutes" in run(capsys, "locked@example.it", "--lang", "en")[1]


# account, a field of its domain's object set to another value -> what the advice must quote (the API's value)
EXPECTED = [
    ("info@mxwrong.it", "expectedMX", ["mx7.mail.ovh.net"], "mxwrong.it. 3600 IN MX 1 mx7.mail.ovh.net."),
    ("info@srvwrong.it", "expectedAutodiscoverSRV", "0 0 443 ex9.mail.ovh.net",
     "_autodiscover._tcp.srvwrong.it. 3600 IN SRV 0 0 443 ex9.mail.ovh.net."),
    ("info@spfwrong.it", "expectedSPF", "v=spf1 include:mx.ovh.com -all", "«v=spf1 include:mx.ovh.com -all»"),
]


@pytest.mark.parametrize("email, field, value, quoted", EXPECTED)
def test_advice_quotes_the_domains_expected_records(fake, capsys, email, field, value, quoted):
    domain = fake.state[("exchange", fakeapi.ORG, fakeapi.SERVICE)]["domains"][email.split("@")[1]]
    before, domain[field] = domain[field], value
    try:
        code, out, err = run(capsys, email)
    finally:
        domain[field] = before
    assert code == 1 and quoted in out and "dall'API OVHcloud" in out, out


def test_evidence_says_which_call_when_and_status(capsys):
    code, out, _ = run(capsys, "spam@example.it", "--format", "json")
    document = json.loads(out)
    call = document["ovh"]["calls"][document["ovh"]["evidence"]["account.spam_blocked"]]
    assert call["path"].endswith("/account/spam@example.it/diagnostics") and call["status"] == 200 and call["at"]
    assert "account/spam@example.it" in document["evidence"]["account.spam_ticket"]


def test_refused_call_is_named_and_the_rest_goes_on(capsys):
    code, out, _ = run(capsys, "refused@example.it")
    assert code == 1 and "NOT_GRANTED_CALL" in out and "refused@example.it/diagnostics" in out
    assert "45" in run(capsys, "refused@example.it", "--format", "ticket")[1]  # the service was still read


def test_server_error_is_could_not_check(capsys):
    code, out, _ = run(capsys, "down@example.it", "--lang", "en")
    assert code == 1 and "Could not check" in out and "misconfiguration" in out


def test_slow_answer_is_a_timeout(capsys):
    code, out, _ = run(capsys, "slow@example.it", "--timeout", "0.15", "--lang", "en")  # tried 3 times
    assert code == 1 and "no answer within the time limit" in out


def test_old_and_missing_diagnosis_are_said(capsys):
    assert "72 ore fa" in run(capsys, "vecchio@example.it")[1] or "71 ore fa" in run(capsys, "vecchio@example.it")[1]
    assert "mai stata eseguita" in run(capsys, "nuovo@example.it")[1]


def test_given_organization_and_service(capsys):
    assert findings(capsys, "spam@example.it", "--organization", fakeapi.ORG, "--service", fakeapi.SERVICE)[:2] == \
        (1, ["account-spam-blocked", "test-email-not-sent"])
    assert findings(capsys, "pro@example.org", "--service", fakeapi.PRO, "--product", "pro")[:2] == (0, [])


def test_both_products_need_a_choice(capsys):
    code, _, err = run(capsys, "both@example.it")
    assert code == 2 and "--product" in err and err.count("\n") == 1
    assert findings(capsys, "both@example.it", "--product", "pro")[:2] == (0, [])


@pytest.mark.parametrize("args, words", [
    (["nessuno@example.it"], ["non trovato", "info@example.it"]),
    (["nessuno@example.it", "--organization", fakeapi.ORG, "--service", fakeapi.SERVICE], ["non trovato"]),
    (["info@example.it", "--organization", fakeapi.ORG, "--service", "hosted-nope"], ["hosted-nope", "non trovato"]),
    (["info@example.it", "--endpoint", "ovh-ue"], ["ovh-eu"]),
    (["info@example.it", "--product", "mail"], ["exchange o pro"]),
    (["not-an-address"], ["non è un indirizzo"]),
])
def test_not_found_and_bad_input_exit_2(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and all(w in err for w in words), err


@pytest.mark.parametrize("override, word", [
    ({"OVH_APPLICATION_SECRET": "wrong-secret-value"}, "INVALID_SIGNATURE"),
    ({"OVH_CONSUMER_KEY": "wrong-consumer-key"}, "INVALID_CREDENTIAL"),
    ({"OVH_APPLICATION_KEY": "wrong-app-key"}, "INVALID_KEY"),
    ({"OVH_CONSUMER_KEY": None}, "consumer_key"),
    ({"OVH_APPLICATION_SECRET": None, "OVH_APPLICATION_KEY": None}, "application_key, application_secret"),
])
def test_bad_credentials_one_line_exit_2(capsys, monkeypatch, override, word):
    for name, value in override.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    code, out, err = run(capsys, "info@example.it")
    assert code == 2 and out == "" and err.count("\n") == 1 and word in err, err
    for secret in (AS, CK, *(v for v in override.values() if v)):
        assert secret not in err


def test_api_down_while_searching_is_could_not_check(fake, capsys):
    fake.fault("/email/exchange", 503, None)
    try:
        code, out, err = run(capsys, "info@example.it")
    finally:
        del fake.faults["/email/exchange"]
    assert code == 1 and out == "" and "impossibile verificare" in err and "configurazione" in err


def test_endpoint_from_the_option(capsys, monkeypatch, fake):
    monkeypatch.delenv("OVH_ENDPOINT")
    assert run(capsys, "info@example.it", "--endpoint", fake.url)[0] == 0


def test_keys_from_ovh_conf(capsys, monkeypatch, fake, tmp_path):
    import ovh.config

    for name in ("OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(name)
    conf = tmp_path / "ovh.conf"
    conf.write_text(f"[default]\nendpoint={fake.url}\n[{fake.url}]\napplication_key={AK}\n"
                    f"application_secret={AS}\nconsumer_key={CK}\n")
    monkeypatch.delenv("OVH_ENDPOINT")
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [str(conf)])
    assert run(capsys, "spam@example.it")[0] == 1


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "ticket"])
@pytest.mark.parametrize("email", ["spam@example.it", "refused@example.it", "down@example.it", "nessuno@example.it"])
def test_no_secret_in_any_output(capsys, fmt, email):
    code, out, err = run(capsys, email, "--format", fmt, "--explain")
    assert out or err
    for secret in (AS, CK):
        assert secret not in out and secret not in err


@pytest.mark.parametrize("fmt", ["text", "markdown", "ticket", "json"])
def test_no_control_character_from_the_api_reaches_the_terminal(fake, capsys, fmt):
    target = fake._account_path("info@example.it") + "/diagnostics"
    fake.fault(target, 403, "NOT_GRANTED\x1b]0;pwned\x07\x9b2J")
    try:
        code, out, _ = run(capsys, "info@example.it", "--format", fmt)
    finally:
        del fake.faults[target]
    assert code == 1 and "NOT_GRANTED" in out and not any(c in out for c in "\x1b\x07\x9b")


@pytest.mark.parametrize("email", ["spam@example.it", "locked@example.it", "info@mxwrong.it"])
def test_the_customer_audience_from_the_api(capsys, kb, email):
    from test_audience import leaks

    code, out, err = run(capsys, email, "--audience", "cliente")
    assert code == 1, err
    assert leaks(kb, out) == [] and "GET /email" not in out  # no rule ids, flags, guide numbers or API calls
    assert leaks(kb, run(capsys, email)[1])  # the agent's text shows them: the test can fail


DIAGNOSIS = FakeOvh._account_path("info@example.it") + "/diagnostics"
DOMAIN = f"/email/exchange/{fakeapi.ORG}/service/{fakeapi.SERVICE}/domain/example.it"
SERVICE_OBJECT = f"/email/exchange/{fakeapi.ORG}/service/{fakeapi.SERVICE}"
# what goes wrong at the fake -> exit code, which stream, the words of its one line (the API down or odd: "could
# not check", exit 1; never a misconfiguration, never a traceback)
FAILURES = [
    ({"skew": 120}, 1, "err", [("120 s", "119 s", "118 s"), "NTP", "GET /email/exchange", "impossibile verificare"]),
    ({"skew": -300}, 1, "err", [("300 s", "301 s", "302 s"), "orologio"]),
    ({"skew": 20}, 0, "out", []),  # within what the library's own correction is trusted for: no complaint
    ({"time_fault": (500, None)}, 1, "err", ["GET /auth/time", "impossibile verificare"]),
    ({"time_fault": ("garbage", None)}, 1, "err", ["GET /auth/time", "risposta illeggibile"]),
    ({"time_fault": (404, None)}, 1, "err", ["GET /auth/time"]),
    ({"faults": {DIAGNOSIS: ("garbage", None)}}, 1, "out", ["Impossibile verificare", "risposta illeggibile"]),
    ({"faults": {DIAGNOSIS: ("flaky", [1])}}, 0, "out", []),  # one 502, then an answer: retried with backoff
    ({"faults": {DIAGNOSIS: ("flaky", [5])}}, 1, "out", ["Impossibile verificare", "API non disponibile"]),
    # one object refused or unanswered: its facts stay unknown, the rest goes on and the output names the call
    ({"faults": {DOMAIN: (403, "NOT_GRANTED_CALL")}}, 1, "out", ["Chiamata rifiutata", "domain/example.it"]),
    ({"faults": {SERVICE_OBJECT: (500, None)}}, 1, "out", ["Impossibile verificare", "hosted-zz111-1 non ha"]),
]


def alternatives(word: str | tuple[str, ...]) -> tuple[str, ...]:
    """A word, or a tuple of the words any one of which will do: the skew is the API's whole second minus
    the local one read a moment later, which a second's tick in between makes one less (two on a machine
    so loaded that the request takes more than a second)."""
    return word if isinstance(word, tuple) else (word,)


@pytest.mark.parametrize("change, exit_code, stream, words", FAILURES)
def test_api_failures_are_could_not_check(fake, capsys, change, exit_code, stream, words):
    saved = {name: getattr(fake, name) for name in change}
    for name, value in change.items():
        setattr(fake, name, {**fake.faults, **value} if name == "faults" else value)
    try:
        code, out, err = run(capsys, "info@example.it")
    finally:
        for name, value in saved.items():
            setattr(fake, name, value)
    text = {"out": out, "err": err}[stream]
    assert code == exit_code and all(any(w in text for w in alternatives(word)) for word in words), (out, err)
    if stream == "err":
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert not any(f"[{tag}]" in out for tag in ("ERRORE", "ATTENZIONE"))  # a failed call never becomes a finding


def test_a_retried_read_says_how_many_attempts(fake, capsys):
    fake.faults[DIAGNOSIS] = ("flaky", [1])
    try:
        code, out, _ = run(capsys, "info@example.it", "--format", "json")
    finally:
        del fake.faults[DIAGNOSIS]
    calls = json.loads(out)["ovh"]["calls"]
    assert code == 0 and [c["attempts"] for c in calls if c["path"].endswith("/diagnostics")] == [2]
    assert calls[0]["path"] == "/auth/time"  # the clock is read first, and is evidence too


def test_a_slow_clock_is_a_timeout(fake, capsys):
    fake.time_fault = ("slow", 1.0)
    try:
        code, out, err = run(capsys, "info@example.it", "--timeout", "0.1")
    finally:
        fake.time_fault = None
    assert code == 1 and out == "" and "GET /auth/time (nessuna risposta nel tempo limite" in err, err


def test_nothing_listening_at_the_endpoint(capsys):
    code, out, err = run(capsys, "info@example.it", "--endpoint", "http://127.0.0.1:9/1.0", "--lang", "en")
    assert code == 1 and out == "" and err.count("\n") == 1 and "could not check" in err and "GET /auth/time" in err


def test_clock_skew_in_english(fake, capsys):
    fake.skew = 90
    try:
        code, out, err = run(capsys, "info@example.it", "--lang", "en")
    finally:
        fake.skew = 0
    assert code == 1 and any(f"differs from the API's by {s} s" in err for s in (90, 89)) and AS not in err, err


@pytest.mark.parametrize("email", [email for email, _, _ in CASES])
def test_same_findings_as_the_equivalent_facts_file(capsys, documents, tmp_path, email):
    _, out, _ = document_of(capsys, documents, email)
    from_api = json.loads(out)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(from_api["facts"]), encoding="utf-8")
    assert main(["check", str(path), "--format", "json"]) in (0, 1)
    from_file = json.loads(capsys.readouterr()[0])
    assert [(f["id"], f["explanation"], f["remediation"]) for f in from_api["findings"]] == \
        [(f["id"], f["explanation"], f["remediation"]) for f in from_file["findings"]]


@pytest.mark.parametrize("email, service_state, expected", [
    ("nuovo@example.it", "suspended", ["account-expired"]),  # never diagnosed: the service's state decides
    ("nuovo@example.it", "ok", []),
    ("info@example.it", "suspended", []),  # the diagnosis (isSuspended: false) wins, as in a facts file
])
def test_a_suspended_service(fake, capsys, email, service_state, expected):
    service = fake.state[("exchange", fakeapi.ORG, fakeapi.SERVICE)]["service"]
    before, service["state"] = service["state"], service_state
    try:
        code, ids, _, err = findings(capsys, email)
    finally:
        service["state"] = before
    assert ids == expected, err
