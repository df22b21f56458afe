"""diagnostica ovh --service S --all: every account of a service, one JSON line each, in the listing's order."""
from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

import ovhapi as fakeapi
from conftest import run_cli
from ovhapi import AS, CK, account, diagnosis, use_fake
from test_ovh import fake, keys, run  # noqa: F401 - the loopback API and its keys, shared with test_ovh

BIG = "hosted-zz111-2"
EMAILS = [f"utente{n:02d}@grande.it" for n in range(50)]
SPAM = EMAILS[3::7]
SLOW, DOWN, GONE = EMAILS[1], EMAILS[5], EMAILS[9]


def where(email: str) -> str:
    return f"/email/exchange/{fakeapi.ORG}/service/{BIG}/account/{email}"


@pytest.fixture(scope="module", autouse=True)
def big_service(fake):  # noqa: F811 - the fixture imported above
    # Set once for the module: no test changes the accounts, and the one that adds a fault takes it back.
    fake.reset()
    accounts = {e: (account(e), diagnosis(isSpammer=e in SPAM)) for e in EMAILS}
    fake.state[("exchange", fakeapi.ORG, BIG)] = {
        "service": {"domain": BIG, "offer": "hosted", "hostname": "ex5.mail.ovh.net", "state": "ok"},
        "accounts": accounts, "domains": {"grande.it": fakeapi.domain("grande.it")}}
    # finishes after later ones (at 8 or 16 at once, the other 49 take less than this): order must hold anyway
    fake.fault(where(SLOW) + "/diagnostics", "slow", 0.15)
    fake.fault(where(DOWN), 500, None)
    fake.fault(where(GONE), 404, None)
    yield
    for target in (where(SLOW) + "/diagnostics", where(DOWN), where(GONE)):
        del fake.faults[target]
    fake.reset()


def lines(capsys, *args):
    code, out, err = run(capsys, "--service", BIG, "--all", *args)
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.fixture(scope="module")
def plain_run(fake, big_service, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """One ``--all`` run with the defaults (not on a terminal), which the tests that only read its
    output share: fifty accounts' worth of calls once instead of once per test."""
    with pytest.MonkeyPatch.context() as patch:
        use_fake(fake, patch, tmp_path_factory.mktemp("ovh-all"))
        return run_cli("ovh", "--service", BIG, "--all")


@pytest.mark.parametrize("concurrency", ["1", "8", "16"])
def test_fifty_accounts_in_listing_order(capsys, concurrency):
    code, results, err = lines(capsys, "--concurrency", concurrency)
    assert code == 1, err
    assert [r["email"] for r in results] == sorted(EMAILS) and [r["index"] for r in results] == list(range(1, 51))
    status = {r["email"]: r["status"] for r in results}
    expected = {e: "problems" if e in SPAM else "unchecked" if e == DOWN else "error" if e == GONE else "ok"
                for e in EMAILS}
    assert status == expected


def test_each_line_has_its_own_findings_and_calls(plain_run):
    results = [json.loads(line) for line in plain_run.out.splitlines()]
    by_email = {r["email"]: r for r in results}
    spam = by_email[SPAM[0]]
    assert "account-spam-blocked" in [f["id"] for f in spam["findings"]]
    assert all(SPAM[0] in c["path"] for c in spam["ovh"]["calls"] if "/account/" in c["path"])
    assert "non trovato" in by_email[GONE]["error"] and by_email[DOWN]["ovh"]["failed"]


def test_what_the_accounts_have_in_common_is_read_once(fake, capsys):
    # The service, the domain and its DKIM selectors are the same for the fifty accounts: one call each for
    # the batch, besides each account's own two (its object and its diagnosis).
    base = f"/email/exchange/{fakeapi.ORG}/service/{BIG}"
    domain = base + "/domain/grande.it"
    selector = {"selectorName": "ovhex1-selector1", "recordType": "CNAME",
                "targetRecord": "ovhex1-selector1._domainkey.1.ex.mail.ovh.net"}
    state = fake.state[("exchange", fakeapi.ORG, BIG)]
    state["dkim"] = {"grande.it": {"ovhex1-selector1": selector}}
    before = len(fake.seen)
    try:
        code, results, err = lines(capsys, "--concurrency", "8")
    finally:
        del state["dkim"]
    made = Counter(target for method, target in fake.seen[before:] if method == "GET")
    assert [made[t] for t in (base, domain, domain + "/dkim", domain + "/dkim/ovhex1-selector1")] == [1, 1, 1, 1]
    assert all(made[where(e)] == 1 and made[where(e) + "/diagnostics"] == 1 for e in EMAILS if e not in (DOWN, GONE))
    # Each line still names the call every fact of its came from: the shared reads are in its calls, marked.
    read = [r for r in results if r["status"] != "error"]
    assert len(read) == 49 and all(r["facts"].get("dkim.selectors") for r in read), err
    calls = [{c["path"]: c for c in r["ovh"]["calls"]} for r in read]
    assert all(c[base]["shared"] and c[domain]["outcome"] == "ok" and c[domain]["reads"] for c in calls)
    assert sum(not c[domain]["shared"] for c in calls) == 1  # the one account that asked for it


def test_progress_only_on_a_terminal(capsys, monkeypatch, plain_run):
    assert plain_run.out and "Account controllati" not in plain_run.err
    # The count is the progress line's own; the two accounts of the Email Pro service show it as well as
    # fifty would, for a twenty-fifth of the calls.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, out, err = run(capsys, "--service", fakeapi.PRO, "--all")
    assert out.count("\n") == 2 and "Account controllati: 2 su 2" in err, err


def test_no_secret_in_the_lines(plain_run):
    out, err = plain_run.out, plain_run.err
    assert out.count("\n") == 50
    for secret in (AS, CK):
        assert secret not in out and secret not in err


@pytest.mark.parametrize("args, words", [
    (["--all"], ["--service"]),
    (["info@example.it", "--service", BIG, "--all"], ["info@example.it"]),
    (["--service", BIG, "--all", "--new"], ["--new"]),
    (["--service", BIG, "--all", "--concurrency", "0"], ["--concurrency", "64"]),
    (["--service", "hosted-nope", "--all"], ["hosted-nope", "non trovato"]),
    ([], ["--all"]),
])
def test_bad_batch_options_exit_2(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and all(w in err for w in words), err


def test_email_pro_service(capsys):
    code, out, err = run(capsys, "--service", fakeapi.PRO, "--all")
    assert [json.loads(line)["email"] for line in out.splitlines()] == ["both@example.it", "pro@example.org"], err


def test_no_c1_control_in_the_lines(fake, capsys):
    # What reaches a line is the same for any service's accounts: the first of the two Email Pro ones.
    target = f"/email/pro/{fakeapi.PRO}/account/both@example.it/diagnostics"
    fake.fault(target, 403, "NOT_GRANTED\x9b2J")
    try:
        code, out, _ = run(capsys, "--service", fakeapi.PRO, "--all")
    finally:
        del fake.faults[target]
    assert "NOT_GRANTED" in out and "\x9b" not in out
    assert json.loads(out.splitlines()[0])["ovh"]["calls"][-1]["error_code"] == "NOT_GRANTED\x9b2J"
