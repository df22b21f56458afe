"""diagnostica ovh --create-key: the URL and the least access rules, checked against the calls really made."""
from __future__ import annotations

import io
import json
import sys

import pytest
from diagnostica.engine.ovh import diagnose, keys

import ovhapi as fakeapi
from ovhapi import PASSWORD
from test_ovh import fake, run  # noqa: F401 - the loopback API and its keys
from test_ovh import keys as api_keys  # noqa: F401 - the fixture `keys`, beside the module of that name


def rules(capsys, *args) -> list[keys.AccessRule]:
    code, out, err = run(capsys, "--create-key", "--format", "json", *args)
    assert code == 0, err
    return [keys.AccessRule(r["method"], r["path"]) for r in json.loads(out)["accessRules"]]


def allowed(rule_list, method, target) -> bool:
    return any(rule.allows(method, target) for rule in rule_list)


@pytest.mark.parametrize("args", [
    ["info@example.it"], ["pro@example.org"], ["nessuno@example.it"], ["--service", "hosted-zz111-1", "--all"],
    ["spam@example.it", "--organization", fakeapi.ORG, "--service", fakeapi.SERVICE],
])
def test_read_only_rules_cover_every_call_made(fake, capsys, monkeypatch, args):
    # --all reads slow@example.it too, whose diagnosis the fake answers after 3 s (for the timeout
    # tests): the calls made are the same when it answers at once
    monkeypatch.setitem(fake.faults, fake._account_path("slow@example.it") + "/diagnostics", ("slow", 0.0))
    before = len(fake.seen)
    run(capsys, *args)
    made = fake.seen[before:]
    granted = rules(capsys)
    assert made and [call for call in made if not allowed(granted, *call)] == []
    assert {r.method for r in granted} == {"GET"}


def test_new_adds_only_the_post_and_its_task(fake, capsys, monkeypatch):
    monkeypatch.setattr(diagnose, "POLL_INTERVAL", 0.001)
    fake.reset()
    before = len(fake.seen)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(capsys, "info@example.it", "--new", "--password-stdin")[0] == 0
    made = fake.seen[before:]
    fake.reset()
    read_only, with_new = rules(capsys), rules(capsys, "--new")
    assert [c for c in made if not allowed(with_new, *c)] == []
    assert {c[0] for c in made if not allowed(read_only, *c)} == {"GET", "POST"}  # the POST and the task
    assert set(with_new) - set(read_only) == {keys.AccessRule(m, p) for m, p in keys.NEW_RULES}


@pytest.mark.parametrize("endpoint, url", [
    ("ovh-eu", "https://eu.api.ovh.com/1.0/auth/credential"),
    ("ovh-ca", "https://ca.api.ovh.com/1.0/auth/credential"),
    ("http://127.0.0.1:9/1.0/", "http://127.0.0.1:9/1.0/auth/credential"),
])
def test_the_url_is_the_endpoints(capsys, endpoint, url):
    code, out, _ = run(capsys, "--create-key", "--format", "json", "--endpoint", endpoint)
    assert code == 0 and json.loads(out)["url"] == url


@pytest.mark.parametrize("lang, words", [
    ("it", ["POST", "X-Ovh-Application", "validationUrl", "sola lettura"]),
    ("en", ["POST", "X-Ovh-Application", "validationUrl", "read-only"]),
])
def test_text_says_how(capsys, lang, words):
    code, out, _ = run(capsys, "--create-key", "--lang", lang)
    assert code == 0 and all(w in out for w in words) and '"accessRules"' in out


def test_no_key_needed_and_no_call(fake, capsys, monkeypatch):
    for name in ("OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(name)
    before = len(fake.seen)
    assert run(capsys, "--create-key")[0] == 0 and len(fake.seen) == before


def test_create_key_format_exit_2(capsys):
    code, out, err = run(capsys, "--create-key", "--format", "ticket")
    assert code == 2 and out == "" and "ticket" in err
