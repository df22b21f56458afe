"""The DKIM selectors from the OVHcloud API (tests/ovhapi.py, email.exchange.dkim objects), checked in the live
DNS by ``diagnostica ovh --collect-dns`` (tests/dnsserver.py): the API names the selectors, the DNS says
whether their records are published."""
from __future__ import annotations

import json

import pytest
from diagnostica.cli.main import main

from dnsserver import DnsServer
from ovhapi import SERVICE, FakeOvh, use_fake

HEAD = "$TTL 3600\n@ IN SOA ns1.{d}. hostmaster.{d}. 1 7200 3600 1209600 3600\n@ IN NS ns1.{d}.\nns1 IN A 192.0.2.53\n"
CNAME = "ovhex1-selector1._domainkey IN CNAME ovhex1-selector1._domainkey.1.ex.mail.ovh.net.\n"


def dkim(selector: str) -> dict:
    """An email.exchange.dkim object as the API describes one (a CNAME to publish)."""
    return {"selectorName": selector, "recordType": "CNAME", "customerRecord": f"{selector}._domainkey",
            "targetRecord": f"{selector}._domainkey.1.ex.mail.ovh.net", "cnameIsValid": False, "status": "ready",
            "header": "from;to;subject;date", "lastUpdate": None, "taskPendingId": 0}


@pytest.fixture(scope="module")
def fake():
    with FakeOvh() as server:
        exchange = next(v for (p, _, s), v in server.state.items() if s == SERVICE)
        exchange["dkim"] = {"example.it": {"ovhex1-selector1": dkim("ovhex1-selector1")},
                            "mxwrong.it": {"ovhex1-selector1": dkim("ovhex1-selector1")}}
        yield server


@pytest.fixture(scope="module")
def dns_server():
    with DnsServer() as server:
        server.add_zone_text((HEAD + "@ IN MX 1 mx0.mail.ovh.net.\n" + CNAME).format(d="example.it"), "example.it")
        server.add_zone_text((HEAD + "@ IN MX 1 mx0.mail.ovh.net.\n").format(d="mxwrong.it"), "mxwrong.it")
        server.behave("_domainkey.srvwrong.it", "servfail")
        server.add_zone_text((HEAD + "@ IN MX 1 mx0.mail.ovh.net.\n").format(d="srvwrong.it"), "srvwrong.it")
        yield server


@pytest.fixture(autouse=True)
def keys(fake, monkeypatch, tmp_path):
    use_fake(fake, monkeypatch, tmp_path)


def run(capsys, *args):
    code = main(["ovh", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert out, err
    return code, json.loads(out), err


@pytest.mark.parametrize("email, selectors, fires", [
    ("info@example.it", ("ovhex1-selector1",), False),  # the API's selector, its CNAME published
    ("info@mxwrong.it", ("ovhex1-selector1",), True),  # the API's selector, no record
    ("info@srvwrong.it", None, False),  # the API names none: undecided
])
def test_selectors_from_the_api(capsys, fake, dns_server, email, selectors, fires):
    code, document, err = run(capsys, email, "--collect-dns", "--nameserver", dns_server.address)
    found = document["facts"].get("dkim.selectors")
    assert (tuple(s["selector"] for s in found) if found else None) == selectors, err
    assert ("dkim-not-enabled" in [f["id"] for f in document["findings"]]) is fires
    if selectors:  # the fact names the call it came from
        call = document["ovh"]["calls"][document["ovh"]["evidence"]["dkim.selectors"]]
        assert call["path"].endswith("/dkim/ovhex1-selector1")


def test_a_refused_dkim_call_is_could_not_check(capsys, fake, dns_server):
    path = f"/email/exchange/hosted-zz111/service/{SERVICE}/domain/mxwrong.it/dkim"
    fake.fault(path, 403, "NOT_GRANTED_CALL")
    try:
        code, document, _ = run(capsys, "info@mxwrong.it", "--collect-dns", "--nameserver", dns_server.address)
    finally:
        del fake.faults[path]
    assert "dkim.selectors" not in document["facts"] and code == 1  # unknown, and said
    assert "dkim-not-enabled" not in [f["id"] for f in document["findings"]]
