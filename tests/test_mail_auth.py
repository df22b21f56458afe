"""SPF in depth against the real loopback DNS server (tests/dnsserver.py, zone tests/zones/spf.test.zone)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostica.engine.dns import collect as dnsfacts
from diagnostica.engine.dns import dmarc, spf
from diagnostica.engine.dns import lookup as dnslookup

from dnsserver import make_server

MAIL_AUTH = {"spf-invalid", "spf-multiple-records", "spf-too-many-lookups", "dmarc-missing", "dmarc-invalid"}


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        yield running


def report(kb, server, domain):
    source = dnslookup.LiveSource([dnslookup.parse_nameserver(server.address)], 2)
    found = asyncio.run(dnsfacts.collect(dnsfacts.domain_name(domain), source, kb.catalogue))
    result = kb.evaluate(found.facts)
    return found, {f.id for f in result.findings} & MAIL_AUTH


@pytest.mark.parametrize("case, lookups, void, expected", [
    ("nine", 9, 0, set()),
    ("ten", 10, 0, set()),
    ("eleven", 11, 0, {"spf-too-many-lookups"}),
    ("loop", 2, 0, {"spf-too-many-lookups"}),
    ("void", 3, 3, {"spf-too-many-lookups"}),
    ("two", 1, 0, {"spf-multiple-records"}),
    ("plusall", 1, 0, {"spf-invalid"}),
    ("noall", 1, 0, {"spf-invalid"}),
    ("typo", 0, 0, {"spf-invalid"}),
    # A failure inside the tree: 1 + 3 x 4 counted is already past 10, so "too many" holds...
    ("failing", 13, None, {"spf-too-many-lookups"}),
    # ...but below the limit nothing is concluded: could not check, never a finding.
    ("deadinc", None, None, set()),
])
def test_spf_tree(kb, server, case, lookups, void, expected):
    found, ids = report(kb, server, f"{case}.spf.test")
    assert ids - {"dmarc-missing"} == expected
    assert found.facts.get("dns.spf_lookups") == lookups
    assert found.facts.get("dns.spf_void_lookups") == void


def test_tree_lines_name_each_term_and_its_cost(kb, server):
    found, _ = report(kb, server, "eleven.spf.test")
    assert found.facts["dns.spf_tree"][:3] == (
        "eleven.spf.test [11]", "· include:inc3.spf.test [4]", "· · a:host.spf.test [1]")
    # every follow-up query is evidence, with its outcome
    assert {(q.name, q.rdtype, q.outcome) for q in found.followups} >= {("leaf.spf.test", "TXT", "ok")}


def test_failed_lookup_in_the_tree_is_unchecked_not_void(kb, server):
    found, _ = report(kb, server, "deadinc.spf.test")
    assert found.facts["dns.spf_unchecked"] == ("x.servfail.test",)
    assert "dns.spf_lookups" not in found.facts


@pytest.mark.parametrize("record, error, final", [
    ("v=spf1 include:mx.ovh.com ~all", "", "softfail"),
    ("v=spf1 include:mx.ovh.com all", "", "pass"),
    ("v=spf1 ip4:192.0.2.300 -all", "ip4:192.0.2.300", "fail"),
    ("v=spf1 ip6:192.0.2.1 -all", "ip6:192.0.2.1", "fail"),
    ("v=spf1 mx/24 a:host.example.it/28//64 -all", "", "fail"),
    ("v=spf1 ptr/24 -all", "ptr/24", "fail"),
    ("v=spf1 foo:bar -all", "foo:bar", "fail"),
    ("v=spf1 include: -all", "include:", "fail"),
    ("v=spf1 exists:%{i}.spf.example.it -all", "", "fail"),
    ("v=spf1 redirect=_spf.example.it", "", "redirect"),
    ("v=spf1 include:mx.ovh.com", "", "missing"),
])
def test_parse(record, error, final):
    parsed = spf.parse(record)
    assert (parsed.error, parsed.all_qualifier) == (error, final)


@pytest.mark.parametrize("records, expected", [
    (["v=spf1 include:mx.ovh.com ~all", "v=spf1 include:_spf.google.com -all"],
     "v=spf1 include:mx.ovh.com include:_spf.google.com ~all"),
    (["v=spf1 ip4:192.0.2.1", "v=spf1 ip4:192.0.2.1 include:mx.ovh.com"], "v=spf1 ip4:192.0.2.1 include:mx.ovh.com ~all"),
])
def test_merged(records, expected):
    assert spf.merged(records) == expected


@pytest.mark.parametrize("domain, expected, policy, where", [
    ("absent.dmarc.test", {"dmarc-missing"}, None, None),
    ("reject.dmarc.test", {"dmarc-policy-enforced"}, "reject", "reject.dmarc.test"),
    ("quarantine.dmarc.test", {"dmarc-policy-enforced"}, "quarantine", "quarantine.dmarc.test"),
    ("monitor.dmarc.test", set(), "none", "monitor.dmarc.test"),
    ("malformed.dmarc.test", {"dmarc-invalid"}, None, "malformed.dmarc.test"),
    ("nopolicy.dmarc.test", {"dmarc-invalid"}, None, "nopolicy.dmarc.test"),
    ("twice.dmarc.test", {"dmarc-invalid"}, None, "twice.dmarc.test"),
    ("posta.orgdmarc.test", {"dmarc-policy-enforced"}, "reject", "orgdmarc.test"),
    # The lookup fails: no DMARC finding at all, only "could not check".
    ("broken.dmarc.test", {"dns-lookup-failed"}, None, None),
    # DNSSEC broken: SERVFAIL everywhere, cleared by the CD bit; no record judged wrong or missing.
    ("bogus.dmarc.test", {"dnssec-bogus", "dns-lookup-failed"}, None, None),
])
def test_dmarc(kb, server, domain, expected, policy, where):
    source = dnslookup.LiveSource([dnslookup.parse_nameserver(server.address)], 2)
    found = asyncio.run(dnsfacts.collect(dnsfacts.domain_name(domain), source, kb.catalogue))
    ids = {f.id for f in kb.evaluate(found.facts).findings}
    assert ids & (MAIL_AUTH | {"dmarc-policy-enforced", "dns-lookup-failed", "dnssec-bogus"}) == expected
    assert found.facts["dns.dnssec_bogus"] is (domain == "bogus.dmarc.test")
    if "dnssec-bogus" in expected:  # every lookup failed: nothing is called missing or wrong
        assert not ids & {"mx-invalid", "srv-invalid", "domain-not-found"}
    assert (found.facts.get("dns.dmarc_policy"), found.facts.get("dns.dmarc_domain")) == (policy, where)


@pytest.mark.parametrize("record, error", [
    ("v=DMARC1; p=reject", ""),
    ("v=DMARC1; p=quarantine; rua=mailto:a@example.it,mailto:b@example.net!10m; pct=20; adkim=s", ""),
    ("v=DMARC1; p=rejet", "p=rejet"),
    ("v=DMARC1; rua=mailto:a@example.it", "p"),
    ("v=DMARC1; p=none; rua=a@example.it", "rua=a@example.it"),
    ("v=DMARC1; p=none; pct=150", "pct=150"),
    ("p=none; v=DMARC1", "p=none"),
    ("v=DMARC1; p=none; p=reject", "p=reject"),
])
def test_dmarc_parse(record, error):
    assert dmarc.parse(record).error == error


@pytest.mark.parametrize("domain, org", [
    ("example.it", "example.it"), ("posta.example.it", "example.it"), ("a.b.example.co.uk", "example.co.uk"),
])
def test_organisational_domain(domain, org):
    assert dmarc.organisational_domain(domain) == org


ZONE = str(Path(__file__).parent / "zones" / "spf.test.zone")


@pytest.mark.parametrize("checks, asked, rules", [
    ("spf", ["eleven.spf.test TXT"], {"spf-too-many-lookups"}),
    ("dmarc", ["_dmarc.eleven.spf.test TXT"], set()),
    ("mx,srv", ["eleven.spf.test MX", "_autodiscover._tcp.eleven.spf.test SRV", "autodiscover.eleven.spf.test A"],
     {"mx-invalid", "srv-invalid"}),
    ("SPF, dmarc", ["eleven.spf.test TXT", "_dmarc.eleven.spf.test TXT"], {"spf-too-many-lookups"}),
])
def test_checks_select_the_lookups(cli, checks, asked, rules):
    run = cli("dns", "eleven.spf.test", "--zone-file", ZONE, "--checks", checks, "--format", "json")
    data = run.json()
    assert [q["query"] for q in data["dns"]["lookups"]][:len(asked)] == asked
    assert {q["query"] for q in data["dns"]["lookups"][len(asked):]} <= {"inc3.spf.test TXT", "leaf.spf.test TXT",
                                                                         "host.spf.test A", "host.spf.test AAAA",
                                                                         "host.spf.test MX", "_dmarc.spf.test TXT"}
    assert {f["id"] for f in data["findings"]} == rules


@pytest.mark.parametrize("checks, hint", [("dmark", "dmarc"), ("mx,spff", "spf")])
def test_unknown_check_is_exit_2_with_a_hint(cli, checks, hint):
    run = cli("dns", "eleven.spf.test", "--zone-file", ZONE, "--checks", checks)
    assert run.code == 2 and f"«{hint}»" in run.err and "Traceback" not in run.err
