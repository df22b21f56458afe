"""diagnostica ovh --new: a new diagnostic started with the account's password, its task polled, its result read."""
from __future__ import annotations

import io
import json
import sys

import pytest
from diagnostica.engine.ovh import diagnose

import ovhapi as fakeapi
from ovhapi import AS, CK, PASSWORD
from test_ovh import fake, keys, run  # noqa: F401 - the loopback API and its keys, shared with test_ovh


@pytest.fixture(autouse=True)
def fresh(fake, monkeypatch):  # noqa: F811 - the fixture imported above
    monkeypatch.setattr(diagnose, "POLL_INTERVAL", 0.001)
    fake.reset()
    yield
    fake.reset()


def new(capsys, monkeypatch, *args, password=PASSWORD):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return run(capsys, *args, "--new", "--password-stdin")


def test_new_diagnostic_polls_the_task_and_reads_the_new_result(fake, capsys, monkeypatch):
    code, out, err = new(capsys, monkeypatch, "nuovo@example.it", "--format", "json")
    document = json.loads(out)
    assert code == 0, err
    task = document["ovh"]["task"]
    assert (task["status"], task["polls"], task["previous_check"]) == ("done", len(fakeapi.TASK_STEPS), None)
    assert f"/tasks/{task['id']}" in " ".join(p for _, p in fake.seen)
    # the diagnosis was never run before: now it is, so no warning says it is missing
    assert document["ovh"]["warnings"] == [] and document["facts"]["test_email.sent"] is True
    posts = [p for m, p in fake.seen if m == "POST"]
    assert posts == [fake._account_path("nuovo@example.it") + "/diagnostics"]
    assert [json.loads(b) for b in fake.bodies] == [{"password": PASSWORD}]


@pytest.mark.parametrize("steps, frozen, exit_code, words", [
    (("todo", "doing", "done"), False, 0, ["Nuova diagnostica eseguita", "attività 1000"]),
    (("todo", "done"), True, 0, ["non è cambiata"]),
    (("todo", "error"), False, 1, ["impossibile verificare", "1000", "error"]),
    (("todo", "cancelled"), False, 1, ["impossibile verificare", "cancelled"]),
    (("todo", "doing"), False, 1, ["impossibile verificare", "1000", "--wait"]),  # never done: past --wait
])
def test_task_outcomes(fake, capsys, monkeypatch, steps, frozen, exit_code, words):
    fake.steps["info@example.it"] = steps
    if frozen:
        fake.frozen.add("info@example.it")
    # A task that ends is given all the time it may need (a busy machine is slow); one that never ends, little.
    limit = "0.05" if steps[-1] in ("todo", "doing") else "30"
    code, out, err = new(capsys, monkeypatch, "info@example.it", "--wait", limit)
    said = out + err
    assert code == exit_code and all(w in said for w in words), said
    if exit_code:  # could not check: one line, nothing that looks like a diagnosis
        assert out == "" and err.count("\n") == 1


def test_email_pro_too(fake, capsys, monkeypatch):
    code, out, err = new(capsys, monkeypatch, "pro@example.org", "--format", "json")
    task = json.loads(out)["ovh"]["task"]
    assert code == 0 and task["status"] == "done", err
    assert ("GET", f"/email/pro/{fakeapi.PRO}/account/pro@example.org/tasks/{task['id']}") in fake.seen


def test_the_previous_last_check_is_compared(fake, capsys, monkeypatch):
    code, out, _ = new(capsys, monkeypatch, "spam@example.it", "--format", "json")
    document = json.loads(out)
    before = fake.state[("exchange", fakeapi.ORG, fakeapi.SERVICE)]["accounts"]["spam@example.it"][1]["lastCheck"]
    assert document["ovh"]["task"]["previous_check"] not in (None, before) and code == 1
    assert "account-spam-blocked" in [f["id"] for f in document["findings"]]


@pytest.mark.parametrize("password, words", [
    ("wrong-Pa55word", ["Non è stato possibile avviare", "HTTP 400"]),  # refused: the last diagnosis is used
])
def test_a_rejected_password_keeps_the_last_diagnosis(capsys, monkeypatch, password, words):
    code, out, err = new(capsys, monkeypatch, "spam@example.it", password=password)
    assert code == 1 and all(w in out for w in words) and password not in out + err, out


def test_refused_post_is_named(fake, capsys, monkeypatch):
    fake.fault(fake._account_path("info@example.it") + "/diagnostics", 403, "NOT_GRANTED_CALL")
    try:
        code, out, _ = new(capsys, monkeypatch, "info@example.it", "--lang", "en")
    finally:
        del fake.faults[fake._account_path("info@example.it") + "/diagnostics"]
    assert code == 1 and "NOT_GRANTED_CALL" in out and "could not be started" in out


def test_a_failed_post_is_not_retried(fake, capsys, monkeypatch):
    target = fake._account_path("info@example.it") + "/diagnostics"
    fake.fault(target, 500, None)
    before = len(fake.seen)
    try:
        code, out, _ = new(capsys, monkeypatch, "info@example.it")
    finally:
        del fake.faults[target]
    # a second POST could start a second diagnostic: one only, then "could not check", never a misconfiguration
    assert [m for m, p in fake.seen[before:] if p == target].count("POST") == 1
    assert code == 1 and "Impossibile verificare" in out and "Non è stato possibile avviare" in out


@pytest.mark.parametrize("args, words", [
    (["info@example.it", "--password-stdin"], ["--new"]),
    (["info@example.it", "--new", "--wait", "0"], ["--wait"]),
])
def test_bad_options_exit_2(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and all(w in err for w in words), err


def test_empty_password_exit_2(capsys, monkeypatch):
    code, out, err = new(capsys, monkeypatch, "info@example.it", password="")
    assert code == 2 and out == "" and "password" in err


def test_the_password_is_asked_without_echo(capsys, monkeypatch):
    import getpass

    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or PASSWORD)
    code, out, err = run(capsys, "info@example.it", "--new")
    assert code == 0 and prompts == ["Password dell'account (non viene mostrata): "] and PASSWORD not in out + err


def test_progress_only_on_a_terminal(capsys, monkeypatch):
    _, _, err = new(capsys, monkeypatch, "info@example.it")
    assert "Diagnostica in corso" not in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _, _, err = new(capsys, monkeypatch, "info@example.it")
    assert "Diagnostica in corso (attività 1001): completata" in err and err.endswith("\n")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "ticket"])
@pytest.mark.parametrize("email, steps", [
    ("spam@example.it", ("todo", "done")), ("info@example.it", ("todo", "error")),
    ("info@example.it", ("todo",)), ("nessuno@example.it", ("done",)),
])
def test_no_password_in_any_output(fake, capsys, monkeypatch, fmt, email, steps):
    fake.steps[email] = steps
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)  # the progress line too
    code, out, err = new(capsys, monkeypatch, email, "--format", fmt, "--explain",
                         "--wait", "0.05" if steps[-1] in ("todo", "doing") else "30")
    assert out or err
    for secret in (PASSWORD, AS, CK):
        assert secret not in out and secret not in err


def test_the_password_is_not_in_the_records():
    record = diagnose.NewDiagnosis(PASSWORD)
    assert PASSWORD not in repr(record) and PASSWORD not in str(record)
