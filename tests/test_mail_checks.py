"""DKIM, MTA-STS (+ TLS-RPT), DMARC report destinations and ``--checks``, against the real loopback DNS
server (tests/dnsserver.py, zones tests/zones/mail.test.zone and reports.test.zone) and, for the MTA-STS
policy, a real HTTPS server on 127.0.0.1 with a certificate made here by a test CA."""
from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from diagnostica.engine.dns import collect as dnsfacts
from diagnostica.engine.dns import dkim, dmarc, mtasts
from diagnostica.engine.dns import lookup as dnslookup
from diagnostica.engine.dns.mtasts_fetch import PolicyFetcher

from dnsserver import make_server

MINE = {"dkim-not-enabled", "mta-sts-mx-mismatch", "mta-sts-mx-mismatch-testing", "mta-sts-mx-mismatch-none",
        "mta-sts-policy-unchecked", "tls-rpt-reports", "dmarc-external-destination"}
#: What a failed lookup or fetch of these checks must never produce (the zones lack SRV and DMARC on purpose).
WRONG_RECORD = {"dkim-not-enabled", "mta-sts-mx-mismatch", "mta-sts-mx-mismatch-testing", "mta-sts-mx-mismatch-none",
                "dmarc-external-destination"}
ZONE = str(Path(__file__).parent / "zones" / "mail.test.zone")

S1 = [{"selector": "s1", "type": "CNAME", "value": "s1._domainkey.1.ex.mail.ovh.net"}]
S1_TXT = [{"selector": "s1", "type": "TXT", "value": "v=DKIM1; k=rsa; p=MIIB IjAN"}]
OLD = "version: STSv1\nmode: {mode}\nmx: mail.oldhost.example\nmax_age: 86400\n"
COVERING = "version: STSv1\r\nmode: enforce\r\nmx: *.mail.ovh.net\r\nmax_age: 86400\r\n"
#: What the HTTPS server serves, by Host: the same policies as the facts cases.
POLICIES = {"mta-sts.stsenforce.mail.test": OLD.format(mode="enforce"),
            "mta-sts.ststesting.mail.test": OLD.format(mode="testing"),
            "mta-sts.stsok.mail.test": COVERING,
            "mta-sts.ststoobig.mail.test": COVERING + "#" * 70_000}


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        running.behave("_domainkey.dkimfail.mail.test", "servfail")
        yield running


def source(server):
    return dnslookup.LiveSource([dnslookup.parse_nameserver(server.address)], 2)


def run(kb, server, domain, given=None, fetcher=None, checks=frozenset(dnsfacts.CHECKS)):
    found = asyncio.run(dnsfacts.collect(dnsfacts.domain_name(domain), source(server), kb.catalogue, checks,
                                         given or {}, fetcher))
    given = {name: kb.catalogue.facts[name].coerce(value) for name, value in (given or {}).items()}
    result = kb.evaluate(dnsfacts.merge(found.facts, given))
    return found, result


# ------------------------------------------------------------------ the HTTPS server

def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A test CA and a certificate for every policy host, signed by it (EC keys: fast to make)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command (and no cryptography package) to make a test certificate")
    where = tmp_path_factory.mktemp("tls")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Diagnostica test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=where)
    _openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=mta-sts.mail.test", cwd=where)
    names = ",".join(f"DNS:mta-sts.{case}.mail.test" for case in ("stsenforce", "ststesting", "stsok", "ststoobig",
                                                                   "sts404"))
    (where / "leaf.ext").write_text(f"subjectAltName={names}\nbasicConstraints=CA:FALSE\n"
                                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                                    "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext", cwd=where)
    return where


class _Policy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server interface
        body = POLICIES.get(self.headers.get("Host", "").split(":")[0])
        if body is None or self.path != "/.well-known/mta-sts.txt":
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def https(tls_files):
    """(port, CA file) of an HTTPS server on 127.0.0.1 serving POLICIES."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Policy)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "leaf.key")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], str(tls_files / "ca.pem")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


# ------------------------------------------------------------------ zone -> rule ids

@pytest.mark.parametrize("domain, given, expected", [
    # DKIM: the selector's CNAME present / absent / to another target / a TXT where a CNAME belongs
    ("dkimok.mail.test", {"dkim.selectors": S1}, set()),
    ("dkimabsent.mail.test", {"dkim.selectors": S1}, {"dkim-not-enabled"}),
    ("dkimwrong.mail.test", {"dkim.selectors": S1}, {"dkim-not-enabled"}),
    ("dkimtxt.mail.test", {"dkim.selectors": S1}, {"dkim-not-enabled"}),
    ("dkimtxt.mail.test", {"dkim.selectors": S1_TXT}, set()),  # the key matches, spaces aside
    ("dkimfail.mail.test", {"dkim.selectors": S1}, set()),  # SERVFAIL: could not check
    ("dkimok.mail.test", {}, set()),  # no selectors: undecided, never "not enabled"
    # MTA-STS, the policy from the facts
    ("stsenforce.mail.test", {"mta_sts.policy": OLD.format(mode="enforce")}, {"mta-sts-mx-mismatch", "tls-rpt-reports"}),
    ("ststesting.mail.test", {"mta_sts.policy": OLD.format(mode="testing")}, {"mta-sts-mx-mismatch-testing"}),
    ("ststesting.mail.test", {"mta_sts.policy": "version: STSv1\nmode: none\nmax_age: 86400"},
     {"mta-sts-mx-mismatch-none"}),
    ("stsok.mail.test", {"mta_sts.policy": COVERING}, set()),
    ("stsnone.mail.test", {"mta_sts.policy": OLD.format(mode="enforce")}, set()),  # no _mta-sts: no policy applies
    ("stsenforce.mail.test", {}, {"tls-rpt-reports"}),  # no policy text, no fetch: undecided
    # DMARC report destinations
    ("extmissing.mail.test", {}, {"dmarc-external-destination"}),
    ("extok.mail.test", {}, set()),
    ("extsame.mail.test", {}, set()),
    ("extfail.mail.test", {}, set()),  # the destination's lookup fails: could not check
])
def test_zone_cases(kb, server, domain, given, expected):
    found, result = run(kb, server, domain, given)
    ids = {f.id for f in result.findings}
    assert ids & MINE == expected
    undecided = {u.id for u in result.undecided}
    if not given.get("dkim.selectors"):
        assert "dkim-not-enabled" in undecided
    if domain in ("dkimfail.mail.test", "extfail.mail.test"):
        assert not ids & WRONG_RECORD
    # a selector of the domain that could not be looked up is said: could not check
    assert ("dns-lookup-failed" in ids) is (domain == "dkimfail.mail.test" and bool(given))


@pytest.mark.parametrize("domain, expected, fetch", [
    ("stsenforce.mail.test", {"mta-sts-mx-mismatch", "tls-rpt-reports"}, "ok"),
    ("ststesting.mail.test", {"mta-sts-mx-mismatch-testing"}, "ok"),
    ("stsok.mail.test", set(), "ok"),
    ("stsnone.mail.test", set(), None),  # nothing announced: nothing fetched
    # could not check, never a wrong policy: no address, a 404, a body over the limit
    ("stsnosite.mail.test", {"mta-sts-policy-unchecked"}, "failed"),
    ("sts404.mail.test", {"mta-sts-policy-unchecked"}, "failed"),
    ("ststoobig.mail.test", {"mta-sts-policy-unchecked"}, "failed"),
])
def test_policy_over_https(kb, server, https, domain, expected, fetch):
    port, ca_file = https
    found, result = run(kb, server, domain, fetcher=PolicyFetcher(ca_file=ca_file, port=port, timeout=5))
    assert {f.id for f in result.findings} & MINE == expected
    assert found.facts.get("dns.mta_sts_fetch") == fetch


def test_policy_certificate_is_always_verified(kb, server, https):
    """Without the test CA as trust anchor the self-made certificate is refused: could not check."""
    port, _ = https
    found, result = run(kb, server, "stsenforce.mail.test", fetcher=PolicyFetcher(port=port, timeout=5))
    assert {f.id for f in result.findings} & MINE == {"mta-sts-policy-unchecked", "tls-rpt-reports"}
    assert "certificate" in found.facts["dns.mta_sts_fetch_detail"].lower()


def test_dkim_evidence_names_what_is_there(kb, server):
    found, _ = run(kb, server, "dkimwrong.mail.test", {"dkim.selectors": S1})
    assert found.facts["dns.dkim_wrong"] == ({"selector": "s1", "name": "s1._domainkey.dkimwrong.mail.test",
                                             "type": "CNAME", "expected": "s1._domainkey.1.ex.mail.ovh.net",
                                             "found": "s1._domainkey.old-provider.example."},)
    assert "s1._domainkey.dkimwrong.mail.test CNAME" in {f"{q.name} {q.rdtype}" for q in found.lookups}


def test_external_destination_lookup_is_evidence(kb, server):
    found, _ = run(kb, server, "extmissing.mail.test")
    assert found.facts["dns.dmarc_external_missing"] == ("reports.test",)
    assert ("extmissing.mail.test._report._dmarc.reports.test", "TXT", "nxdomain") in {
        (q.name, q.rdtype, q.outcome) for q in found.followups}


# ------------------------------------------------------------------ the pieces

@pytest.mark.parametrize("pattern, host, covered", [
    ("mx1.mail.ovh.net", "MX1.mail.ovh.net.", True),
    ("*.mail.ovh.net", "mx1.mail.ovh.net", True),
    ("*.mail.ovh.net", "mail.ovh.net", False),  # the wildcard stands for one label, not none
    ("*.ovh.net", "mx1.mail.ovh.net", False),  # ...nor two (RFC 8461 §4.1)
    ("*.mail.ovh.net", "mx1.mail.ovh.net.evil.example", False),
    ("mail.oldhost.example", "mx1.mail.ovh.net", False),
])
def test_mx_pattern(pattern, host, covered):
    assert mtasts.covers(pattern, host) is covered


@pytest.mark.parametrize("text, mode, mx, error", [
    ("version: STSv1\nmode: enforce\nmx: a.example\nmx: *.b.example\nmax_age: 1", "enforce", ("a.example", "*.b.example"), ""),
    ("version: STSv1\r\nmode: testing\r\nmx: a.example\r\n", "testing", ("a.example",), ""),
    ("version: STSv1\nmode: none\nmax_age: 1", "none", (), ""),
    ("version: STSv2\nmode: enforce\nmx: a.example", "enforce", ("a.example",), "version"),
    ("version: STSv1\nmode: enforcing\nmx: a.example", "enforcing", ("a.example",), "mode"),
    ("version: STSv1\nmode: enforce\n", "enforce", (), "mx"),
])
def test_policy_parse(text, mode, mx, error):
    assert mtasts.parse_policy(text) == mtasts.Policy("STSv1" if error != "version" else "STSv2", mode, mx, error)


@pytest.mark.parametrize("record, domain, external", [
    ("v=DMARC1; p=none; rua=mailto:a@reports.example.net", "example.it", ["reports.example.net"]),
    ("v=DMARC1; p=none; rua=mailto:a@example.it,mailto:b@sub.example.it!10m", "example.it", []),
    ("v=DMARC1; p=none; rua=mailto:a@x.example.net; ruf=mailto:b@x.example.net", "example.it", ["x.example.net"]),
    ("v=DMARC1; p=none; ruf=mailto:a@example.co.uk", "posta.example.it", ["example.co.uk"]),
    ("v=DMARC1; p=rejet; rua=mailto:a@reports.example.net", "example.it", []),  # invalid: dmarc-invalid says it
])
def test_external_destinations(record, domain, external):
    assert dmarc.external_destinations(record, domain) == external


def test_selectors_skip_what_cannot_be_looked_up():
    given = [*S1, {"selector": "s2", "type": "MX", "value": "x"}, {"selector": "bad name", "type": "TXT", "value": ""}]
    assert [s.selector for s in dkim.selectors(given)] == ["s1"]


# ------------------------------------------------------------------ the command line

@pytest.mark.parametrize("domain, fact, checks, rules", [
    ("dkimabsent.mail.test", "dkim.selectors=s1 CNAME s1._domainkey.1.ex.mail.ovh.net", "dkim", {"dkim-not-enabled"}),
    ("dkimok.mail.test", "dkim.selectors=s1 CNAME s1._domainkey.1.ex.mail.ovh.net", "dkim", set()),
    ("dkimabsent.mail.test", "dkim.selectors=s1 CNAME s1._domainkey.1.ex.mail.ovh.net", "mx", set()),  # not chosen
    # the policy is compared with the MX hosts: without the mx check there is nothing to compare
    ("stsenforce.mail.test", "mta_sts.policy=version: STSv1\nmode: enforce\nmx: old.example", "mx,mta-sts",
     {"mta-sts-mx-mismatch", "tls-rpt-reports"}),
    ("stsenforce.mail.test", "mta_sts.policy=version: STSv1\nmode: enforce\nmx: old.example", "mta-sts",
     {"tls-rpt-reports"}),
    # a zone file cannot answer for the report destination's domain: could not check, no finding
    ("extmissing.mail.test", "offer=hosted", "dmarc", set()),
])
def test_zone_file_with_checks(cli, domain, fact, checks, rules):
    run_ = cli("dns", domain, "--zone-file", ZONE, "--fact", fact, "--checks", checks, "--format", "json")
    assert {f["id"] for f in run_.json()["findings"]} & (MINE | {"mx-invalid"}) == rules, run_.err


@pytest.mark.parametrize("checks, asked", [
    ("dkim", ["s1._domainkey.dkimok.mail.test CNAME"]),
    ("mta-sts", ["_mta-sts.dkimok.mail.test TXT"]),  # _smtp._tls only beside a policy
    ("mta-sts,dnssec", ["_mta-sts.dkimok.mail.test TXT"]),  # its SERVFAIL would show a broken chain too
    ("dnssec", ["dkimok.mail.test DNSKEY"]),
])
def test_new_checks_select_their_lookups(cli, checks, asked):
    run_ = cli("dns", "dkimok.mail.test", "--zone-file", ZONE, "--checks", checks, "--format", "json",
               "--fact", "dkim.selectors=s1 CNAME s1._domainkey.1.ex.mail.ovh.net")
    assert [q["query"] for q in run_.json()["dns"]["lookups"]] == asked


@pytest.mark.parametrize("checks, expected", [
    ("dnssec", {"dnssec-bogus"}),
    ("mx", {"dns-lookup-failed"}),  # dnssec not chosen: the SERVFAIL stays "could not check", no DNSSEC verdict
    ("mx,dnssec", {"dnssec-bogus", "dns-lookup-failed"}),
])
def test_dnssec_check(cli, server, checks, expected):
    run_ = cli("dns", "bogus.dmarc.test", "--nameserver", server.address, "--timeout", "2", "--checks", checks,
               "--format", "json")
    assert {f["id"] for f in run_.json()["findings"]} == expected


@pytest.mark.parametrize("checks, hint", [("dkm", "dkim"), ("mta_sts", "mta-sts"), ("dnsec", "dnssec")])
def test_unknown_check_names_the_closest(cli, checks, hint):
    run_ = cli("dns", "dkimok.mail.test", "--zone-file", ZONE, "--checks", checks)
    assert run_.code == 2 and f"«{hint}»" in run_.err and "Traceback" not in run_.err


def test_fetch_https_failure_is_could_not_check(cli, server):
    """Nothing listens on 127.0.0.1:443 here: the fetch fails, and that is all that is said."""
    run_ = cli("dns", "stsenforce.mail.test", "--nameserver", server.address, "--timeout", "2", "--fetch-https",
               "--checks", "mx,mta-sts", "--format", "json")
    data = run_.json()
    assert {f["id"] for f in data["findings"]} & MINE == {"mta-sts-policy-unchecked", "tls-rpt-reports"}
    assert data["facts"]["dns.mta_sts_fetch"] == "failed"


def test_bad_ca_file_is_exit_2(cli, tmp_path):
    run_ = cli("dns", "stsenforce.mail.test", "--zone-file", ZONE, "--fetch-https", "--ca-file", str(tmp_path / "no.pem"))
    assert run_.code == 2 and "--ca-file" in run_.err and "Traceback" not in run_.err


def test_batch_and_collect_dns_take_the_checks(cli, server, tmp_path):
    batch = tmp_path / "domains.jsonl"
    batch.write_text(json.dumps({"domain": "dkimabsent.mail.test", "dkim.selectors": S1}) + "\n"
                     + "extmissing.mail.test\n", encoding="utf-8")
    out = cli("dns", "--batch", str(batch), "--nameserver", server.address, "--timeout", "2", "--checks", "dkim,dmarc")
    results = [json.loads(line) for line in out.out.splitlines()]
    assert [{f["id"] for f in r["findings"]} & MINE for r in results] == [{"dkim-not-enabled"},
                                                                        {"dmarc-external-destination"}]
    facts = tmp_path / "facts.yaml"
    facts.write_text("domain: dkimabsent.mail.test\ndkim:\n  selectors:\n"
                     "    - {selector: s1, type: CNAME, value: s1._domainkey.1.ex.mail.ovh.net}\n", encoding="utf-8")
    run_ = cli("check", str(facts), "--collect-dns", "--nameserver", server.address, "--timeout", "2",
               "--checks", "dkim", "--format", "json")
    data = run_.json()
    assert {f["id"] for f in data["findings"]} & MINE == {"dkim-not-enabled"}
    assert [q["query"] for q in data["dns"]["lookups"]] == ["s1._domainkey.dkimabsent.mail.test CNAME"]


def test_the_consultation_asks_for_the_selectors(kb):
    """Without selectors dkim-not-enabled is undecided, and the complaint "cannot send" leads to the question."""
    from diagnostica.engine.consult.planner import UNKNOWN, Consultation, problem

    state = Consultation(kb, {"test_email.sent": False}, complaint=problem(kb, "invio"))
    asked = []
    while (question := state.next_question()) is not None and len(asked) < 30:
        asked.append(question.fact)
        state = state.answer(question.fact, UNKNOWN)
    assert "dkim.selectors" in asked


def test_too_many_selectors_is_exit_2(cli):
    many = ",".join(f"s{i} CNAME s{i}._domainkey.1.ex.mail.ovh.net" for i in range(17))
    run_ = cli("dns", "dkimok.mail.test", "--zone-file", ZONE, "--fact", f"dkim.selectors={many}")
    assert run_.code == 2 and "16" in run_.err and "Traceback" not in run_.err


def test_checks_without_collect_dns_is_exit_2(cli, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text("domain: example.it\n", encoding="utf-8")
    run_ = cli("check", str(facts), "--checks", "dkim")
    assert run_.code == 2 and "--collect-dns" in run_.err


def test_ask_looks_the_selectors_up_once_answered(cli, server):
    """ask --collect-dns: SPF and DMARC right, no DKIM record; the selectors asked, then looked up."""
    given = ("domain=dkimask.mail.test", "offer=hosted", "account.suspended=false", "account.spam_blocked=false",
             "account.locked=false", "webmail.auth_ok=true", "infrastructure.incident=false", "test_email.sent=false")
    run_ = cli("ask", "--problem", "invio", *(arg for fact in given for arg in ("--fact", fact)), "--collect-dns",
               "--nameserver", server.address, "--timeout", "2", "--format", "json",
               stdin="s1 CNAME s1._domainkey.1.ex.mail.ovh.net\n")
    document = run_.json()
    assert [t["fact"] for t in document["transcript"]] == ["dkim.selectors"]
    assert "dkim-not-enabled" in [f["id"] for f in document["result"]["findings"]]
    assert "s1._domainkey.dkimask.mail.test CNAME" in [q["query"] for q in document["result"]["dns"]["lookups"]]
