"""`diagnostica dns` against a real DNS server on 127.0.0.1 (tests/dnsserver.py), and offline on its zone."""
from __future__ import annotations

import pytest

from dnsserver import ZONES, make_server

ZONE = str(ZONES / "cases.test.zone")
HOSTED = ("--offer", "hosted", "--pop-imap", "none")


@pytest.fixture(scope="module")
def server():
    with make_server() as running:
        yield running


@pytest.fixture
def dns(cli, server):
    def run(domain: str, *args: str, timeout: float = 30):
        return cli("dns", domain, "--nameserver", server.address, "--timeout", "2", *args, timeout=timeout)
    return run


def ids(run) -> list[str]:
    return [f["id"] for f in run.json()["findings"]]


def lookup(run, rdtype: str) -> dict:
    return next(entry for entry in run.json()["dns"]["lookups"] if entry["type"] == rdtype)


# ------------------------------------------------------------------ correct

def test_correct_hosted_domain(dns):
    run = dns("hosted-ok.cases.test", *HOSTED, "--format", "json")
    assert run.code == 0, run.out + run.err
    data = run.json()
    assert data["findings"] == []
    assert data["facts"]["dns.mx_lookup"] == "ok"
    assert data["facts"]["dns.mx_records"][0] == {"priority": 1, "host": "mx0.mail.ovh.net"}
    assert data["facts"]["dns.mx"] == [f"mx{i}.mail.ovh.net" for i in range(5)]
    assert data["facts"]["dns.autodiscover_srv"] == [{"priority": 0, "weight": 0, "port": 443, "target": "ex2.mail.ovh.net"}]


def test_correct_domain_with_pop_imap_elsewhere(dns):
    run = dns("external-ok.cases.test", "--offer", "hosted", "--pop-imap", "external",
              "--exchange-server", "ex2.mail.ovh.net", "--format", "json")
    assert run.code == 0, run.out
    assert ids(run) == []


def test_upper_case_records_are_fine(dns):
    run = dns("UPPER.cases.test.", *HOSTED, "--format", "json")
    assert run.code == 0, run.out
    assert run.json()["facts"]["dns.mx"] == ["mx0.mail.ovh.net", "mx1.mail.ovh.net"]
    assert run.json()["facts"]["domain"] == "upper.cases.test"


# -------------------------------------------------------------------- wrong

def test_foreign_mx_names_the_host_and_the_right_records(dns):
    run = dns("foreign.cases.test", *HOSTED)
    assert run.code == 1
    assert "Record MX del dominio non valido (mx-invalid)" in run.out
    assert "Questo host non è un server di posta OVHcloud: mx.provider.example." in run.out
    assert "Record MX trovati (priorità e host): 10 mx.provider.example." in run.out
    assert "foreign.cases.test. 3600 IN MX 1 mx0.mail.ovh.net." in run.out
    # the wrong record to delete, as it stands in the zone (no TTL: the zone's own)
    assert "foreign.cases.test. IN MX 10 mx.provider.example." in run.out


def test_a_foreign_host_below_ovhclouds_is_a_warning_about_a_fallback(dns):
    run = dns("mixed.cases.test", *HOSTED)  # MX 1 mx0, 5 mx1, 10 mail.mixed.cases.test
    assert run.code == 1
    assert "[ATTENZIONE] Un record MX di riserva non previsto (mx-foreign-backup)" in run.out
    assert "(mx-invalid)" not in run.out and "la posta destinata all'account non arriva" not in run.out
    assert "verso mail.mixed.cases.test (priorità 10)" in run.out
    assert "mixed.cases.test. IN MX 10 mail.mixed.cases.test." in run.out  # the one line to delete


def test_pop_imap_elsewhere_but_shared_mx(dns):
    run = dns("hosted-ok.cases.test", "--offer", "hosted", "--pop-imap", "external",
              "--exchange-server", "ex2.mail.ovh.net")
    assert run.code == 1
    assert "deve essere il server dell'account, ex2.mail.ovh.net, non mx0.mail.ovh.net" in run.out
    assert "hosted-ok.cases.test. 3600 IN MX 1 ex2.mail.ovh.net." in run.out


def test_missing_final_dot_in_the_zone(dns):
    run = dns("nodot.cases.test", *HOSTED)
    assert run.code == 1
    assert "mx0.mail.ovh.net.cases.test è quasi certamente mx0.mail.ovh.net scritto senza il punto finale" in run.out


@pytest.mark.parametrize("case, wrong", [
    ("srv-port", "porta 80 invece di 443"),
    ("srv-priority", "priorità 10 invece di 0"),
    ("srv-weight", "peso 5 invece di 0"),
    ("srv-target", "destinazione autodiscover.provider.example, che non è un server Exchange OVHcloud"),
])
def test_srv_wrong_in_one_field(dns, case, wrong):
    run = dns(f"{case}.cases.test", *HOSTED, "--format", "json")
    assert run.code == 1
    assert ids(run) == ["srv-invalid"]
    finding = run.json()["findings"][0]
    assert f"da correggere: {wrong}" in finding["explanation"]
    assert f"_autodiscover._tcp.{case}.cases.test. 3600 IN SRV 0 0 443 ex?.mail.ovh.net." in finding["remediation"]


def test_srv_target_of_another_server(dns):
    run = dns("hosted-ok.cases.test", *HOSTED, "--exchange-server", "ex3.mail.ovh.net")
    assert "destinazione ex2.mail.ovh.net invece di ex3.mail.ovh.net" in run.out
    assert "IN SRV 0 0 443 ex3.mail.ovh.net." in run.out


# ------------------------------------------------------------------- absent

def test_no_mx(dns):
    run = dns("nomx.cases.test", *HOSTED, "--format", "json")
    assert run.code == 1
    assert ids(run) == ["mx-invalid"]
    assert run.json()["facts"]["dns.mx_lookup"] == "no_answer"
    assert "Il dominio non ha nessun record MX." in run.json()["findings"][0]["explanation"]


def test_no_srv(dns):
    run = dns("nosrv.cases.test", *HOSTED, "--format", "json")
    assert ids(run) == ["srv-invalid"]
    assert run.json()["facts"]["dns.srv_lookup"] == "nxdomain"
    assert "nessun record SRV _autodiscover._tcp" in run.json()["findings"][0]["explanation"]


def test_domain_that_does_not_exist(dns):
    run = dns("missing.cases.test", *HOSTED, "--format", "json")
    assert run.code == 1
    assert ids(run) == ["domain-not-found"]  # never "MX invalid": there is no domain to have one
    assert "dns.mx" not in run.json()["facts"]
    assert "NXDOMAIN" in run.json()["findings"][0]["explanation"]


def test_no_spf_and_a_foreign_autodiscover_name(dns):
    run = dns("nospf.cases.test", *HOSTED, "--format", "json")
    assert ids(run) == ["spf-invalid", "autodiscover-host-foreign"]
    spf = run.json()["findings"][0]
    assert 'nospf.cases.test. 3600 IN TXT "v=spf1 include:mx.ovh.com ~all"' in spf["remediation"]
    assert "web.cases.test" in run.json()["findings"][1]["explanation"]


@pytest.mark.parametrize("domain, zone_file, others", [
    ("nullmx.cases.test", False, None),
    ("nullmx.cases.test", True, None),
    ("nullmx-mixed.cases.test", False, ["mx1.mail.ovh.net"]),
    ("nullmx-mixed.cases.test", True, ["mx1.mail.ovh.net"]),
])
def test_null_mx_is_its_own_finding_not_bad_input(cli, server, domain, zone_file, others):
    source = ("--zone-file", ZONE) if zone_file else ("--nameserver", server.address, "--timeout", "2")
    run = cli("dns", domain, *source, *HOSTED, "--format", "json", timeout=30)
    assert run.code == 1, run.err
    data = run.json()
    assert ids_of(data) == ["mx-null"]  # not mx-invalid's "no MX record", not exit 2
    assert data["facts"]["dns.mx_null"] is True
    assert data["facts"].get("dns.mx") == others
    assert lookup_of(data, "MX")["answers"][0] == "0 ."
    finding = data["findings"][0]
    assert ("causes", "test-email-not-received") in {(link["relation"], link["id"]) for link in finding["links"]}
    assert "dichiara di non accettare posta" in finding["explanation"]
    assert f"{domain}. 3600 IN MX 1 mx0.mail.ovh.net." in finding["remediation"]


# ------------------------------------------------------------ could not check

def test_servfail_is_could_not_check(dns):
    run = dns("servfail.test", *HOSTED)
    assert run.code == 1
    assert "Verifica DNS non completata (dns-lookup-failed)" in run.out
    assert "SERVFAIL" in run.out
    assert "Record MX del dominio non valido" not in run.out and "(srv-invalid)" not in run.out
    assert "servfail.test MX @ 127.0.0.1:" in run.out
    data = dns("servfail.test", *HOSTED, "--format", "json").json()
    assert ids_of(data) == ["dns-lookup-failed"]
    assert data["facts"]["dns.mx_lookup"] == "servfail"
    assert "dns.mx" not in data["facts"] and "dns.autodiscover_srv" not in data["facts"]


def test_refused_is_could_not_check(dns):
    data = dns("refused.test", *HOSTED, "--format", "json").json()
    assert ids_of(data) == ["dns-lookup-failed"]
    assert data["facts"]["dns.mx_lookup"] == "refused"


def test_server_that_never_answers(cli, server):
    # it never answers: a short wait shows the same outcome as a long one
    run = cli("dns", "silent.test", "--nameserver", server.address, "--timeout", "0.1", *HOSTED,
              "--format", "json", timeout=30)
    assert run.code == 1
    data = run.json()
    assert ids_of(data) == ["dns-lookup-failed"]
    assert {entry["outcome"] for entry in data["dns"]["lookups"]} == {"timeout"}
    assert "nessuna risposta entro il tempo limite" in data["findings"][0]["explanation"]
    # nothing answered: whether DNSSEC is broken is not known, never "not broken" (the ticket said «no»)
    assert "dns.dnssec_bogus" not in data["facts"], data["facts"]


WRONG_RECORD = {"mx-invalid", "srv-invalid", "spf-invalid", "domain-not-found", "autodiscover-host-foreign"}


@pytest.mark.parametrize("domain, zone_file, handed_to", [
    ("lame.test", False, "lame.test NS ns1.elsewhere.example, ns2.elsewhere.example"),  # a lame server
    ("delegated.cases.test", False, "delegated.cases.test NS ns1.elsewhere.example, ns2.elsewhere.example"),
    ("delegated.cases.test", True, "delegated.cases.test NS ns1.elsewhere.example, ns2.elsewhere.example"),
])
def test_referral_is_could_not_check_never_a_wrong_record(cli, server, domain, zone_file, handed_to):
    source = ("--zone-file", ZONE) if zone_file else ("--nameserver", server.address, "--timeout", "2")
    data = cli("dns", domain, *source, *HOSTED, "--format", "json", timeout=30).json()
    assert ids_of(data) == ["dns-lookup-failed"], ids_of(data)
    assert not WRONG_RECORD & set(ids_of(data))
    assert {entry["outcome"] for entry in data["dns"]["lookups"]} == {"referral"}
    assert {entry["detail"] for entry in data["dns"]["lookups"]} == {handed_to}
    assert "dns.mx" not in data["facts"] and "dns.spf" not in data["facts"]
    assert "non è autorevole" in data["findings"][0]["explanation"]


def test_truncated_answer_that_tcp_cannot_complete_is_could_not_check(dns):
    data = dns("truncated.test", *HOSTED, "--format", "json").json()
    assert ids_of(data) == ["dns-lookup-failed"]
    assert {entry["outcome"] for entry in data["dns"]["lookups"]} == {"truncated"}
    assert lookup_of(data, "MX")["detail"].startswith("answer truncated (TC), then over TCP: ")
    assert "troppo grande per UDP" in data["findings"][0]["explanation"]


@pytest.mark.parametrize("domain", ["wrong-id.cases.test", "wrong-question.cases.test"])
def test_answer_for_another_query_is_its_own_outcome_never_believed(cli, server, domain):
    # A reply whose id or question is not ours (spoofed, or a broken server) is "mismatch", not a timeout.
    run = cli("dns", domain, "--nameserver", server.address, "--timeout", "5", *HOSTED, "--format", "json",
              timeout=60)
    data = run.json()
    assert ids_of(data) == ["dns-lookup-failed"]  # not domain-not-found, which the reply itself says
    assert {entry["outcome"] for entry in data["dns"]["lookups"]} == {"mismatch"}
    assert "non corrisponde alla domanda" in data["findings"][0]["explanation"]


def test_unauthoritative_no_data_with_soa_is_not_a_referral(dns):
    data = dns("recursive-nodata.test", *HOSTED, "--format", "json").json()  # what a recursive resolver says
    assert lookup_of(data, "MX")["outcome"] == "no_answer"
    assert "mx-invalid" in ids_of(data) and "dns-lookup-failed" not in ids_of(data)


LOOP = "loop.cases.test → loop-b.cases.test → loop.cases.test"
CHAIN = " → ".join(["chain.cases.test"] + [f"chain{i:02d}.cases.test" for i in range(1, 17)])


@pytest.mark.parametrize("domain, zone_file, outcome, evidence", [
    ("loop.cases.test", False, "cname_loop", LOOP),
    ("loop.cases.test", True, "cname_loop", LOOP),
    ("chain.cases.test", False, "cname_too_long", CHAIN),  # 17 aliases: past the bound of 16
    ("chain.cases.test", True, "cname_too_long", CHAIN),
])
def test_cname_loop_or_long_chain_is_could_not_check(cli, server, domain, zone_file, outcome, evidence):
    source = ("--zone-file", ZONE) if zone_file else ("--nameserver", server.address, "--timeout", "2")
    data = cli("dns", domain, *source, *HOSTED, "--format", "json", timeout=30).json()
    assert ids_of(data) == ["dns-lookup-failed"], ids_of(data)
    mx, txt = lookup_of(data, "MX"), lookup_of(data, "TXT")
    assert (mx["outcome"], txt["outcome"]) == (outcome, outcome)
    assert mx["detail"] == evidence and len(mx["cnames"]) == evidence.count("→")
    assert "dns.mx" not in data["facts"] and "dns.spf" not in data["facts"]
    assert "CNAME" in data["findings"][0]["explanation"]


def test_a_chain_just_inside_the_bound_is_followed(dns):
    data = dns("chain02.cases.test", *HOSTED, "--format", "json").json()  # 15 aliases, then the MX
    assert lookup_of(data, "MX")["outcome"] == "ok" and len(lookup_of(data, "MX")["cnames"]) == 15


def ids_of(data: dict) -> list[str]:
    return [f["id"] for f in data["findings"]]


# -------------------------------------------------------------- aliases, IDN

def test_cname_is_followed_and_reported(dns):
    run = dns("alias.cases.test", *HOSTED)
    assert run.code == 0  # an info finding: the records behind the alias are right
    assert "Record letti tramite un alias (CNAME) (dns-alias-followed)" in run.out
    assert "alias: alias.cases.test → hosted-ok.cases.test" in run.out
    assert "Per il dominio" not in run.out and "(mx-invalid)" not in run.out


def lookup_of(data: dict, rdtype: str) -> dict:
    return next(entry for entry in data["dns"]["lookups"] if entry["type"] == rdtype)


def test_idn_domain_queried_in_ascii_shown_in_unicode(dns):
    run = dns("Città.it", *HOSTED)
    assert run.code == 1
    assert "Diagnostica Exchange — città.it" in run.out
    assert "città.it MX @" in run.out
    assert "città.it: interrogato come xn--citt-3na.it" in run.out
    assert "xn--citt-3na.it. 3600 IN MX 1 mx0.mail.ovh.net." in run.out  # a zone file wants ASCII


# ----------------------------------------------------------------- evidence

def test_evidence_complete_in_json_and_explain(dns):
    data = dns("mixed.cases.test", *HOSTED, "--format", "json").json()
    mx = lookup_of(data, "MX")
    assert mx["query"] == "mixed.cases.test MX"
    assert mx["server"].startswith("127.0.0.1:")
    assert mx["answers"] == ["1 mx0.mail.ovh.net.", "5 mx1.mail.ovh.net.", "10 mail.mixed.cases.test."]
    assert isinstance(mx["duration_ms"], float)
    explained = dns("mixed.cases.test", *HOSTED, "--explain")
    assert "risposta: 10 mail.mixed.cases.test." in explained.out
    folded = dns("mixed.cases.test", *HOSTED)
    assert "risposta: 10 mail.mixed.cases.test." not in folded.out
    assert "(dettagli completi con --explain o --format json)" in folded.out


def test_markdown_and_english(dns):
    run = dns("foreign.cases.test", *HOSTED, "--format", "markdown", "--lang", "en")
    assert "## DNS lookups" in run.out
    assert "This host is not an OVHcloud mail server: mx.provider.example." in run.out
    assert "```\nforeign.cases.test. 3600 IN MX 1 mx0.mail.ovh.net." in run.out


def test_fact_option_and_ipv4_port_syntax(dns):
    run = dns("hosted-ok.cases.test", "--fact", "offer=hosted", "--fact", "pop_imap=ovh", "--format", "json")
    assert run.code == 0 and ids(run) == []


def test_ipv6_nameserver(cli):
    try:
        server = make_server("::1")
        server.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        run = cli("dns", "hosted-ok.cases.test", "--nameserver", server.address, *HOSTED, "--format", "json")
        assert server.address.startswith("[::1]:")
        assert run.code == 0, run.err
        assert lookup_of(run.json(), "MX")["server"] == server.address
    finally:
        server.stop()


# ---------------------------------------------------------------- zone file

def test_zone_file_on_the_command_line(cli):
    run = cli("dns", "mixed.cases.test", "--zone-file", ZONE, *HOSTED, "--format", "json")
    assert run.code == 1
    assert ids_of(run.json()) == ["mx-foreign-backup"]
    assert lookup_of(run.json(), "MX")["server"] == ZONE
    assert run.json()["dns"]["source"] == "zone"


def test_zone_file_origin_is_enough(cli):
    run = cli("dns", "--zone-file", str(ZONES / "xn--citt-3na.it.zone"), *HOSTED)
    assert run.code == 1
    assert "Diagnostica Exchange — città.it" in run.out


def test_malformed_zone_file(cli, write):
    path = write("bad.zone", "$ORIGIN bad.test.\n$TTL 3600\n@ IN MX notanumber mx1.mail.ovh.net.\n")
    run = cli("dns", "bad.test", "--zone-file", str(path))
    assert run.code == 2
    assert f"{path}:3:" in run.err
    assert "file di zona non valido" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("zone, line, words", [
    ("@ IN MX mx1.mail.ovh.net.\n@ IN TXT \"x\"\n", 3, "serve un numero"),  # priority missing
    ("@ IN MX 1 mx1.mail.ovh.net.\n_autodiscover._tcp IN SRV 0 0 443\n\n; end\n", 4, "manca"),  # target missing
])
def test_zone_file_record_short_of_a_field_is_blamed_on_its_own_line(cli, write, zone, line, words):
    path = write("short.zone", "$ORIGIN bad.test.\n$TTL 3600\n" + zone)
    run = cli("dns", "--zone-file", str(path))
    assert run.code == 2
    assert run.err.startswith(f"diagnostica: {path}:{line}: ")
    assert words in run.err


@pytest.mark.parametrize("generate, code, line", [
    ("$GENERATE 1-1000000000 h$ IN A 192.0.2.1\n", 2, 4),  # the 80-byte file that ran past 60 s
    ("$GENERATE 1-40000 a$ IN A 192.0.2.1\n$GENERATE 1-40000 b$ IN A 192.0.2.1\n", 2, 5),  # the sum counts
    ("$GENERATE 1-" + "9" * 5000 + " h$ IN A 192.0.2.1\n", 2, 4),  # past Python's int digits: still exit 2
    ("$GENERATE 1-1000000000/1000000 h$ IN A 192.0.2.1\n", 1, None),  # a step: 1,000 records, read
    ("$GENERATE 1-100 h$ IN A 192.0.2.1\n", 1, None),
])
def test_zone_file_generate_range_is_bounded(cli, write, generate, code, line):
    path = write("gen.zone", "$ORIGIN gen.test.\n$TTL 3600\n@ IN MX 10 mx.provider.example.\n" + generate)
    run = cli("dns", "--zone-file", str(path), *HOSTED)
    assert run.code == code, run.err
    if line is not None:
        assert run.err.startswith(f"diagnostica: {path}:{line}: $GENERATE 1-")
        assert "il limite di 65536 per un file di zona" in run.err and "Traceback" not in run.err


def test_zone_file_for_another_domain(cli):
    run = cli("dns", "example.it", "--zone-file", ZONE)
    assert run.code == 2 and "non fa parte della zona cases.test" in run.err


# -------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, message", [
    (("dns", "not a domain"), "non è un nome di dominio valido"),
    (("dns", "example.it", "--nameserver", "ns1.example.it"), "non è un server DNS valido"),
    (("dns", "example.it", "--offer", "shared", "--nameserver", "127.0.0.1"), "valore «shared» non ammesso per offer"),
    (("dns",), "indica un dominio"),
    (("dns", "example.it", "--format", "xml", "--nameserver", "127.0.0.1"), "formato «xml» non disponibile"),
])
def test_bad_input_is_one_clear_line(cli, args, message):
    run = cli(*args)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err
