"""The DNS library without the command line: live and zone sources agree, names and servers parse."""
from __future__ import annotations

import asyncio

import pytest
from diagnostica.engine.dns import collect as dnsfacts
from diagnostica.engine.dns import lookup as dnslookup
from diagnostica.engine.errors import InputError
from diagnostica.engine.present.render import Renderer

from dnsserver import ZONES, make_server

ZONE = str(ZONES / "cases.test.zone")
GIVEN = {"offer": "hosted", "pop_imap": "none"}
CASES = ["hosted-ok", "external-ok", "foreign", "mixed", "nomx", "srv-port", "srv-target", "srv-priority",
         "srv-weight", "nosrv", "upper", "nodot", "alias", "nospf", "missing"]


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        yield running


def diagnose(kb, name: str, source):
    report = asyncio.run(dnsfacts.collect(dnsfacts.domain_name(name), source, kb.catalogue))
    result = kb.evaluate(dnsfacts.merge(report.facts, GIVEN))
    renderer = Renderer(kb, "it")
    texts = [renderer.rule_text(f.id, result.facts) for f in result.findings]
    return report, result, texts


@pytest.mark.parametrize("case", CASES)
def test_zone_file_gives_the_same_findings_as_live_lookups(kb, server, case):
    address = dnslookup.parse_nameserver(server.address)
    live, live_result, live_texts = diagnose(kb, f"{case}.cases.test", dnslookup.LiveSource([address], 2))
    zone, zone_result, zone_texts = diagnose(kb, f"{case}.cases.test", dnslookup.load_zone(ZONE, None))
    assert [f.id for f in zone_result.findings] == [f.id for f in live_result.findings]
    assert zone_texts == live_texts
    differ = {"dns.servers"}
    assert {k: v for k, v in zone.facts.items() if k not in differ} == \
        {k: v for k, v in live.facts.items() if k not in differ}
    # Case may differ: name compression on the wire reuses the case of an earlier name.
    assert [(q.outcome, [a.lower() for a in q.answers], q.cnames) for q in zone.lookups] == \
        [(q.outcome, [a.lower() for a in q.answers], q.cnames) for q in live.lookups]


def test_failed_lookup_sets_no_records_fact(kb, server):
    source = dnslookup.LiveSource([dnslookup.parse_nameserver(server.address)], 2)
    report, result, _ = diagnose(kb, "servfail.test", source)
    assert report.facts["dns.mx_lookup"] == "servfail"
    assert not {"dns.mx", "dns.mx_records", "dns.autodiscover_srv", "dns.spf"} & set(report.facts)
    assert result.outcomes["mx-invalid"] is None and result.outcomes["srv-invalid"] is None


def test_alias_outside_the_zone_file_cannot_be_checked(kb, write):
    path = write("out.zone", "$ORIGIN out.test.\n$TTL 300\n@ IN SOA ns hm 1 1 1 1 1\n"
                             "mail IN CNAME mail.elsewhere.example.\n")
    report, result, _ = diagnose(kb, "mail.out.test", dnslookup.load_zone(str(path), None))
    assert report.facts["dns.mx_lookup"] == "not_in_zone"
    assert report.facts.get("dns.mx") is None
    ids = [f.id for f in result.findings]
    assert "dns-lookup-failed" in ids and "mx-invalid" not in ids and "domain-not-found" not in ids


def test_zone_without_origin_takes_the_domain(kb, write):
    path = write("export.txt", "@ 3600 IN SOA ns hm 1 1 1 1 1\n@ 3600 IN MX 1 mx0.mail.ovh.net.\n")
    report, result, _ = diagnose(kb, "export.it", dnslookup.load_zone(str(path), dnsfacts.domain_name("export.it")))
    assert report.facts["dns.mx"] == ("mx0.mail.ovh.net",)
    with pytest.raises(InputError) as caught:
        dnslookup.load_zone(str(path), None)
    assert caught.value.code == "dns_zone_no_origin"


@pytest.mark.parametrize("text, expected", [
    ("127.0.0.1", ("127.0.0.1", 53)),
    ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("::1", ("::1", 53)),
    ("[::1]:5353", ("::1", 5353)),
    ("[2001:db8::1]", ("2001:db8::1", 53)),
])
def test_nameserver_syntax(text, expected):
    ns = dnslookup.parse_nameserver(text)
    assert (ns.address, ns.port) == expected


@pytest.mark.parametrize("text", ["ns1.example.it", "127.0.0.1:0", "[::1]5353", "[::1", "1.2.3.4:x", ""])
def test_bad_nameserver(text):
    with pytest.raises(InputError):
        dnslookup.parse_nameserver(text)


@pytest.mark.parametrize("text, ascii, shown", [
    ("città.it", "xn--citt-3na.it.", "città.it"),
    ("CITTÀ.IT.", "xn--citt-3na.it.", "città.it"),
    ("xn--citt-3na.it", "xn--citt-3na.it.", "città.it"),
    ("mario.rossi@Example.IT", "example.it.", "example.it"),
])
def test_domain_names(text, ascii, shown):
    name = dnsfacts.domain_name(text)
    assert name.to_text() == ascii
    assert dnslookup.shown(name) == shown


@pytest.mark.parametrize("text", ["", "localhost", "a..b.it", "http://example.it", "exa mple.it", "x" * 64 + ".it"])
def test_bad_domain_names(text):
    with pytest.raises(InputError):
        dnsfacts.domain_name(text)


def test_cname_chain_and_idn_in_the_facts(kb, server):
    source = dnslookup.LiveSource([dnslookup.parse_nameserver(server.address)], 2)
    report, _, _ = diagnose(kb, "alias.cases.test", source)
    assert report.facts["dns.mx_cname"] == ("hosted-ok.cases.test",)
    assert report.lookups[0].cnames == (("alias.cases.test", "hosted-ok.cases.test"),)
    report, _, _ = diagnose(kb, "città.it", source)
    assert report.facts["domain"] == "città.it"
    assert report.facts["dns.domain_ascii"] == "xn--citt-3na.it"
    assert report.lookups[0].qname == "xn--citt-3na.it." and report.lookups[0].name == "città.it"


def test_bad_timeout():
    with pytest.raises(InputError):
        dnslookup.LiveSource([dnslookup.parse_nameserver("127.0.0.1")], 0)
