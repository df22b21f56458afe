"""The consultation on the page and the API with the DNS as a source (real DNS server on 127.0.0.1):
the domain first, the lookup offered, and what the DNS establishes never asked."""
from __future__ import annotations

import html
import json
import re
import warnings

import pytest

from dnsserver import make_server

starlette_testclient = pytest.importorskip("starlette.testclient")


@pytest.fixture(scope="module")
def client(kb):
    from diagnostica.cli.web.app import create_app
    from diagnostica.engine.dns.lookup import LiveSource, parse_nameserver

    with make_server() as server, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = LiveSource([parse_nameserver(server.address)], timeout=2)
        # entered once: one event loop and its thread for the module's requests, as a server has, not one per request
        with starlette_testclient.TestClient(create_app(kb, source), raise_server_exceptions=False) as client:
            yield client


def state_of(page) -> str:
    return html.unescape(re.search(r'name="state" value="([^"]*)"', page.text).group(1))


def post(client, page, **fields):
    return client.post("/consultazione", data={"state": state_of(page), **fields})


def test_the_domain_first_then_the_offer_then_no_mx_question(client):
    page = client.post("/consultazione", data={"action": "start", "problem": "ricezione", "dns": "1"})
    assert "Qual è il dominio dell'account" in html.unescape(page.text)
    assert "Il dominio non esiste nel DNS" in html.unescape(page.text)  # «perché?»: the DNS rules it decides
    page = post(client, page, action="text", text="foreign.cases.test")
    assert 'id="dns-offer"' in page.text and "foreign.cases.test" in page.text
    page = post(client, page, action="dns_yes")
    assert page.status_code == 200
    assert "<h2>Causa accertata</h2>" in page.text and "<h3>Record MX del dominio non valido</h3>" in page.text
    assert "foreign.cases.test MX @ 127.0.0.1" in page.text  # the lookups' evidence, folded
    assert json.loads(state_of(page))["dns"] == "collected"
    assert "mx.provider.example" not in state_of(page)  # the state holds no DNS facts: looked up again


def test_declining_the_offer_asks_the_mx_verdict(client):
    page = client.post("/consultazione", data={"action": "start", "problem": "ricezione", "dns": "1",
                                               "email": "mario@foreign.cases.test"})
    assert 'id="dns-offer"' in page.text  # the domain known from the address: offered at once
    page = post(client, page, action="dns_no")
    assert "La diagnostica considera valido il record MX" in html.unescape(page.text)


def test_without_the_box_the_planner_alone(client):
    page = client.post("/consultazione", data={"action": "start", "problem": "ricezione"})
    assert "La diagnostica considera valido il record MX" in html.unescape(page.text)


@pytest.mark.parametrize("dns, offered, found", [
    ("offer", True, False),
    ("collected", False, True),
    ("declined", False, False),
])
def test_the_api_offers_and_looks_up(client, dns, offered, found):
    body = {"problem": "ricezione", "dns": dns, "answers": [["domain", "foreign.cases.test"]]}
    step = client.post("/api/v1/ask", json=body).json()
    assert ("dns_offer" in step) is offered
    if found:
        assert step["ended"] == "explained" and "dns" in step["result"]
        assert step["result"]["complaint"]["confirmed"] == ["mx-invalid"]
    elif not offered:
        assert step["question"]["fact"] == "dns.mx_valid"


def test_a_bad_dns_state_is_a_4xx(client):
    response = client.post("/api/v1/ask", content='{"dns": "sempre"}')
    assert response.status_code == 422 and response.json()["error"]["code"] == "ask_bad_state"
