"""Record lines with the customer's real domain and the real wrong values to delete (issue 11).

Each case: facts, a rule, lines that must be in its remediation (in both languages: zone lines are
the same in every language), and lines that must not.
"""
from __future__ import annotations

import pytest
from diagnostica.engine.inputs.facts import parse_facts_document
from diagnostica.engine.present.render import Renderer

MX_BACKUP = {"domain": "pizzeria-bella.it", "pop_imap": "none",
             "dns.mx": ["mx0.mail.ovh.net", "mx1.mail.ovh.net", "backup.vecchio.it"],
             "dns.mx_primary": ["mx0.mail.ovh.net"],
             "dns.mx_records": [{"priority": 1, "host": "mx0.mail.ovh.net"}, {"priority": 5, "host": "mx1.mail.ovh.net"},
                                {"priority": 20, "host": "backup.vecchio.it"}]}
MX_FOREIGN_FIRST = {"domain": "pizzeria-bella.it", "pop_imap": "none", "dns.mx": ["mail.vecchio.it", "mx1.mail.ovh.net"],
                    "dns.mx_primary": ["mail.vecchio.it"],
                    "dns.mx_records": [{"priority": 0, "host": "mail.vecchio.it"}, {"priority": 5, "host": "mx1.mail.ovh.net"}]}
TWO_SPF = {"domain": "pizzeria-bella.it", "dns.spf_count": 2,
           "dns.spf": ["v=spf1 include:_spf.google.com -all", "v=spf1 include:mx.ovh.com ~all"],
           "dns.spf_merged": "v=spf1 include:_spf.google.com include:mx.ovh.com -all"}
TWO_SPF_NO_OVH = {"domain": "pizzeria-bella.it", "offer": "hosted", "dns.spf_count": 2,
                  "dns.spf": ["v=spf1 a -all", "v=spf1 include:_spf.google.com -all"]}
SRV_WRONG = {"domain": "pizzeria-bella.it", "offer": "hosted", "exchange_server": "ex3.mail.ovh.net",
             "dns.autodiscover_srv": ["10 0 443 autodiscover.vecchio.it", "0 0 443 ex3.mail.ovh.net"]}

CASES = [
    # a foreign host below OVHcloud's: the fallback's line to delete, OVHcloud's left alone
    (MX_BACKUP, "mx-foreign-backup", ["pizzeria-bella.it. IN MX 20 backup.vecchio.it."], ["pizzeria-bella.it. IN MX 1 mx0", "pizzeria-bella.it. IN MX 5 mx1"]),
    # a foreign host first: OVHcloud's records to publish, the wrong one (with its priority) to delete
    (MX_FOREIGN_FIRST, "mx-invalid", ["pizzeria-bella.it. 3600 IN MX 1 mx0.mail.ovh.net.",
                                      "pizzeria-bella.it. IN MX 0 mail.vecchio.it."], ["pizzeria-bella.it. IN MX 5 mx1"]),
    # two SPF records: the one naming OVHcloud rewritten with the merged value, the other deleted with its value
    (TWO_SPF, "spf-multiple-records", ['pizzeria-bella.it. 3600 IN TXT "v=spf1 include:_spf.google.com include:mx.ovh.com -all"',
                                       'pizzeria-bella.it. IN TXT "v=spf1 include:_spf.google.com -all"'],
     ['IN TXT "v=spf1 include:mx.ovh.com ~all"']),
    # an SPF record to fix beside a second one: the first corrected, the second deleted
    (TWO_SPF_NO_OVH, "spf-invalid", ['pizzeria-bella.it. 3600 IN TXT "v=spf1 include:mx.ovh.com a -all"',
                                     'pizzeria-bella.it. IN TXT "v=spf1 include:_spf.google.com -all"'], []),
    # a wrong SRV record beside the right one: only the wrong one is to delete
    (SRV_WRONG, "srv-invalid", ["_autodiscover._tcp.pizzeria-bella.it. 3600 IN SRV 0 0 443 ex3.mail.ovh.net.",
                                "_autodiscover._tcp.pizzeria-bella.it. IN SRV 10 0 443 autodiscover.vecchio.it."],
     ["_autodiscover._tcp.pizzeria-bella.it. IN SRV 0 0 443 ex3.mail.ovh.net."]),
]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("raw, rule, present, absent", CASES, ids=[c[1] for c in CASES])
def test_record_lines_name_the_domain_and_the_values_to_delete(kb, raw, rule, present, absent, lang):
    result = kb.evaluate(parse_facts_document(raw, "test", kb.catalogue, kb.data).values)
    assert rule in [f.id for f in result.findings]
    text = Renderer(kb, lang).rule_text(rule, result.facts, result.outcomes)
    assert text.errors == ()
    assert [line for line in present if line not in text.remediation] == []
    assert [line for line in absent if line in text.remediation] == []


@pytest.mark.parametrize("raw, fires, quiet", [
    (MX_BACKUP, "mx-foreign-backup", "mx-invalid"),
    ({**MX_BACKUP, "pop_imap": "external"}, "mx-invalid", "mx-foreign-backup"),
    (MX_FOREIGN_FIRST, "mx-invalid", "mx-foreign-backup"),
])
def test_a_foreign_fallback_mx_is_a_warning_not_an_error(kb, raw, fires, quiet):
    result = kb.evaluate(parse_facts_document(raw, "test", kb.catalogue, kb.data).values)
    assert fires in [f.id for f in result.findings] and quiet not in [f.id for f in result.findings]
    assert result.finding(fires).severity == {"mx-foreign-backup": "warning", "mx-invalid": "error"}[fires]


@pytest.mark.parametrize("lang, said, not_said", [
    ("it", "Quasi tutta la posta arriva", "non arriva al server Exchange"),
    ("en", "almost all mail arrives", "does not reach the Exchange server"),
])
def test_the_fallback_warning_speaks_of_part_of_the_mail(kb, lang, said, not_said):
    result = kb.evaluate(parse_facts_document(MX_BACKUP, "test", kb.catalogue, kb.data).values)
    text = Renderer(kb, lang).rule_text("mx-foreign-backup", result.facts, result.outcomes)
    assert said in text.explanation and not_said not in text.explanation


def test_a_paste_naming_the_account_gives_record_lines_for_its_domain(cli, write):
    paste = write("incollato.txt", "Account: info@pizzeria-bella.it\nATTENZIONE: il record MX del dominio non è valido.\n")
    run = cli("report", str(paste))
    assert run.code == 1, run.err
    assert "pizzeria-bella.it. 3600 IN MX 1 mx0.mail.ovh.net." in run.out
    assert "tuodominio.it" not in run.out


@pytest.mark.parametrize("lang, said", [("it", "una parte dei messaggi"), ("en", "part of the messages")])
def test_a_foreign_host_sharing_the_first_priority_loses_part_of_the_mail(kb, lang, said):
    raw = {**MX_BACKUP, "dns.mx_primary": ["mx0.mail.ovh.net", "backup.vecchio.it"]}
    result = kb.evaluate(parse_facts_document(raw, "test", kb.catalogue, kb.data).values)
    assert result.finding("mx-invalid").severity == "error"
    text = Renderer(kb, lang).rule_text("mx-invalid", result.facts, result.outcomes)
    assert said in text.explanation and "backup.vecchio.it" in text.explanation
