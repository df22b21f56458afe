"""diagnostica ovh --collect-dns: the fake OVHcloud API (tests/ovhapi.py) and the loopback DNS server together."""
from __future__ import annotations

import json

import pytest
from diagnostica.cli.main import main

from dnsserver import DnsServer
from ovhapi import AS, CK, FakeOvh, use_fake

HEAD = "$TTL 3600\n@ IN SOA ns1.{d}. hostmaster.{d}. 1 7200 3600 1209600 3600\n@ IN NS ns1.{d}.\nns1 IN A 192.0.2.53\n"
HEALTHY = ("@ IN MX 1 mx0.mail.ovh.net.\n@ IN MX 5 mx1.mail.ovh.net.\n@ IN MX 50 mx2.mail.ovh.net.\n"
           '@ IN TXT "v=spf1 include:mx.ovh.com ~all"\n_autodiscover._tcp IN SRV 0 0 443 ex5.mail.ovh.net.\n')
DMARC = '_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@{d}"\n'
ZONES = {
    "example.it": HEALTHY + DMARC,
    "mxwrong.it": "@ IN MX 10 mail.altrove.net.\n" + '@ IN TXT "v=spf1 include:mx.ovh.com ~all"\n',  # no DMARC
    "example.org": "@ IN MX 0 .\n" + DMARC,  # a null MX: the API's domain check does not say it
}


@pytest.fixture(scope="module")
def fake():
    with FakeOvh() as server:
        yield server


@pytest.fixture(scope="module")
def dns_server():
    with DnsServer() as server:
        for name, body in ZONES.items():
            server.add_zone_text((HEAD + body).format(d=name), name)
        server.behave("srvwrong.it", "servfail")
        yield server


@pytest.fixture(autouse=True)
def keys(fake, monkeypatch, tmp_path):
    use_fake(fake, monkeypatch, tmp_path)


def run(capsys, *args):
    code = main(["ovh", *args])
    out, err = capsys.readouterr()
    return code, out, err


# account -> findings with the live DNS beside the API's (the API's verdicts stay, the DNS adds its own)
CASES = [
    ("info@example.it", [], 0),
    ("info@mxwrong.it", ["mx-invalid", "test-email-not-received", "dmarc-missing"], 1),
    ("info@srvwrong.it", ["srv-invalid", "dns-lookup-failed"], 1),  # SERVFAIL: could not check, not "wrong"
    ("pro@example.org", ["mx-null"], 1),
]


@pytest.mark.parametrize("email, expected, exit_code", CASES)
def test_findings_with_the_live_dns(capsys, dns_server, email, expected, exit_code):
    code, out, err = run(capsys, email, "--collect-dns", "--nameserver", dns_server.address, "--format", "json")
    document = json.loads(out)
    assert (sorted(f["id"] for f in document["findings"]), code) == (sorted(expected), exit_code), err
    assert document["dns"]["lookups"][0]["query"] == f"{email.split('@')[1]} MX"


def test_without_collect_dns_nothing_is_asked(capsys, dns_server):
    before = dns_server.queries
    code, out, _ = run(capsys, "info@mxwrong.it", "--format", "json")
    assert "dns" not in json.loads(out) and dns_server.queries == before


def test_evidence_names_the_call_or_the_lookup(capsys, dns_server):
    code, out, _ = run(capsys, "info@mxwrong.it", "--collect-dns", "--nameserver", dns_server.address,
                       "--format", "json")
    evidence = json.loads(out)["evidence"]
    assert evidence["dns.mx"].startswith("GET /email/")  # the API's record wins, and names its call
    assert "«mxwrong.it TXT»" in evidence["dns.spf_all"]  # what only the DNS said names its lookup
    assert "dns.dmarc_lookup" in evidence


@pytest.mark.parametrize("fmt, words", [
    ("text", ["Interrogazioni DNS:", "mxwrong.it MX", "Chiamate all'API OVHcloud"]),
    ("markdown", ["`mxwrong.it MX`", "## Chiamate all'API OVHcloud"]),
    ("ticket", ["mxwrong.it"]),
])
def test_every_format_shows_the_lookups(capsys, dns_server, fmt, words):
    code, out, err = run(capsys, "info@mxwrong.it", "--collect-dns", "--nameserver", dns_server.address,
                         "--format", fmt)
    assert code == 1 and all(w in out for w in words), out
    assert AS not in out + err and CK not in out + err


@pytest.mark.parametrize("args, words", [
    (["info@example.it", "--nameserver", "127.0.0.1"], ["--nameserver", "--collect-dns"]),
    (["info@example.it", "--collect-dns", "--nameserver", "not an address"], ["not an address"]),
    (["--all", "--service", "hosted-zz111-1", "--collect-dns"], ["--collect-dns", "dns --batch"]),
])
def test_bad_options_one_line_exit_2(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and all(w in err for w in words), err


def test_the_customer_audience_sees_no_lookups(capsys, kb, dns_server):
    from test_audience import leaks

    code, out, err = run(capsys, "info@mxwrong.it", "--collect-dns", "--nameserver", dns_server.address,
                         "--audience", "cliente")
    assert code == 1 and "Interrogazioni DNS" not in out and "GET /email" not in out and leaks(kb, out) == [], err
    assert "Interrogazioni DNS" in run(capsys, "info@mxwrong.it", "--collect-dns", "--nameserver",
                                       dns_server.address)[1]  # the agent's text has them: the test can fail
