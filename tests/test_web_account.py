"""The «Account Exchange» page against the loopback fake of the OVHcloud API (tests/ovhapi.py, signatures checked)."""
from __future__ import annotations

import html
import json
import warnings

import pytest
from diagnostica.cli.main import main

from ovhapi import AS, CK, FakeOvh, use_fake

starlette_testclient = pytest.importorskip("starlette.testclient")


@pytest.fixture(scope="module")
def fake():
    with FakeOvh() as server:
        yield server


@pytest.fixture(autouse=True)
def keys(fake, monkeypatch, tmp_path):
    use_fake(fake, monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def client(kb):
    from diagnostica.cli.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # entered once: one event loop and its thread for the module's requests, as a server has, not one per request
        with starlette_testclient.TestClient(create_app(kb), raise_server_exceptions=False) as client:
            yield client


def titles(page) -> list[str]:
    import re

    return [html.unescape(t) for t in re.findall(r'<article class="finding [a-z]+">\n<p class="severity">[^<]*</p>\n<h3>(.*?)</h3>',
                                                 page.text)]


@pytest.mark.parametrize("email", ["spam@example.it", "locked@example.it", "info@mxwrong.it", "info@example.it"])
def test_the_page_shows_what_the_cli_finds(client, capsys, email):
    capsys.readouterr()
    main(["ovh", email, "--format", "json"])
    expected = [f["title"] for f in json.loads(capsys.readouterr().out)["findings"]]
    page = client.post("/account", data={"email": email})
    assert page.status_code == 200
    assert titles(page) == expected
    assert "<summary>Chiamate all&#39;API OVHcloud</summary>" in page.text and "GET /email/exchange" in page.text
    assert 'id="ticket"' in page.text and 'id="customer"' in page.text


def test_the_permalink_recreates_the_result_and_every_call_was_signed(client, fake):
    before = len(fake.seen)
    page = client.post("/account?lang=en", data={"email": "spam@example.it"})
    link = html.unescape(page.text.split('id="permalink" href="')[1].split('"')[0])
    assert link == "/account?lang=en&email=spam%40example.it"
    assert titles(client.get(link)) == titles(page)
    assert len(fake.seen) > before and fake.bad_signatures == 0


@pytest.mark.parametrize("email, status, message", [
    ("nessuno@example.it", 422, "nessuno@example.it"),      # no such account: named, with the closest one
    ("non-un-indirizzo", 422, "non-un-indirizzo"),
])
def test_a_bad_address_is_one_message(client, email, status, message):
    page = client.post("/account", data={"email": email})
    assert page.status_code == status and 'role="alert"' in page.text
    assert message in html.unescape(page.text) and "Traceback" not in page.text


def test_missing_keys_are_named_never_shown(client, monkeypatch):
    monkeypatch.delenv("OVH_CONSUMER_KEY")
    page = client.post("/account", data={"email": "spam@example.it"})
    assert 400 <= page.status_code < 500 and "consumer_key" in page.text
    assert AS not in page.text


def test_secrets_are_never_echoed(client):
    for email in ("spam@example.it", f"password: {CK}"):
        page = client.post("/account", data={"email": email})
        assert CK not in page.text and AS not in page.text
        assert CK not in html.unescape(page.text)


def test_the_empty_page_has_a_labelled_field(client):
    page = client.get("/account")
    assert page.status_code == 200 and '<label for="email">' in page.text and 'id="email"' in page.text
