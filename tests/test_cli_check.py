"""`diagnostica check` run for real on real files: formats, exit codes, bad input."""
from __future__ import annotations

import pytest

from conftest import EXAMPLES

SEED_CASES = [
    # (facts file, rule that must fire, Italian fragment of its advice)
    ("account:\n  spam_blocked: true\n", "account-spam-blocked", "etichetta SPAM"),
    ("account:\n  expired: true\n", "account-expired", "periodicità di fatturazione"),
    ("account:\n  locked: true\n", "account-locked", "politica di sicurezza"),
    ("webmail:\n  auth_ok: false\n", "webmail-auth-failed", "Webmail (OWA)"),
    ("domain: example.it\npop_imap: none\ndns:\n  mx: [mail.example.com]\n", "mx-invalid", "IN MX 5 mx1.mail.ovh.net."),
    ("test_email:\n  received: false\n", "test-email-not-received", "non è arrivato"),
    ("domain: example.it\noffer: hosted\ndns:\n  autodiscover_srv: ['0 0 80 ex2.mail.ovh.net']\n", "srv-invalid",
     "_autodiscover._tcp.example.it. 3600 IN SRV 0 0 443"),
    ("test_email:\n  sent: false\n", "test-email-not-sent", "non è potuto partire"),
]


@pytest.mark.parametrize("facts, rule_id, fragment", SEED_CASES, ids=[c[1] for c in SEED_CASES])
def test_each_seed_error_gives_its_italian_advice(cli, write, facts, rule_id, fragment):
    run = cli("check", str(write("facts.yaml", facts)))
    assert run.code == 1, run.err
    assert f"({rule_id})" in run.out
    assert fragment in run.out
    assert run.err == ""


def test_nothing_wrong_exits_zero(cli, write):
    path = write("ok.yaml", "account:\n  locked: false\ntest_email:\n  sent: true\n  received: true\n")
    run = cli("check", str(path))
    assert run.code == 0
    assert "Nessun problema" in run.out


def test_json_shape_is_stable(cli):
    run = cli("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "json")
    assert run.code == 1
    doc = run.json()
    assert {"lang", "findings", "undecided", "facts"} <= set(doc)
    assert doc["lang"] == "it"
    first, second = doc["findings"]
    assert set(first) >= {"id", "severity", "title", "explanation", "remediation", "because",
                          "consequence_of", "links"}
    assert (first["id"], second["id"]) == ("mx-invalid", "test-email-not-received")
    assert second["consequence_of"] == ["mx-invalid"]
    assert ("causes", "test-email-not-received") in {(link["relation"], link["id"]) for link in first["links"]}
    assert {"relation", "id", "title", "status"} == set(first["links"][0])
    assert first["because"]["dns.mx"] == ["mx1.mail.ovh.net", "mail.example.com"]
    assert all(set(u) == {"id", "needs"} for u in doc["undecided"])


def test_markdown_output(cli):
    run = cli("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "markdown")
    assert run.code == 1
    assert "## Record MX del dominio non valido" in run.out
    assert "```\nexample.it. 3600 IN MX 1 mx0.mail.ovh.net." in run.out
    assert "[Record MX del dominio non valido](#mx-invalid)" in run.out


def test_english_output(cli):
    run = cli("check", str(EXAMPLES / "mx-foreign.yaml"), "--lang", "en")
    assert run.code == 1
    assert "MX record" in run.out and "Record MX del dominio" not in run.out


def test_explain_says_why_other_rules_did_not_fire(cli):
    run = cli("check", "--fact", "account.locked=no", "--fact", "test_email.sent=false", "--explain",
              "--format", "json")
    explain = {e["id"]: e for e in run.json()["explain"]["rules"]}
    assert explain["account-locked"] == {"id": "account-locked", "kind": "finding", "outcome": "not-fired",
                                         "facts": {"account.locked": False}}
    assert explain["webmail-auth-failed"]["outcome"] == "undecided"
    text = cli("check", "--fact", "account.locked=no", "--explain").out
    assert "account-locked: non scatta, perché Bloccato dalla politica di sicurezza = no" in text


def test_colour_only_on_a_terminal(cli):
    run = cli("check", "--fact", "account.locked=sì")
    assert "\033[" not in run.out


def test_api_diagnosis_json_is_mapped_onto_the_catalogue(cli):
    run = cli("check", str(EXAMPLES / "api-diagnosis.json"), "--format", "json")
    assert run.code == 1
    doc = run.json()
    assert [f["id"] for f in doc["findings"]] == ["webmail-auth-failed", "test-email-not-sent"]
    assert doc["facts"]["webmail.auth_ok"] is False
    assert doc["facts"]["diagnostic.last_check"] == "2026-11-27T16:42:10+01:00"


def test_email_pro_webmail_field(cli):
    run = cli("check", "-", "--format", "json", stdin='{"connectiveWebmail": false}')
    assert [f["id"] for f in run.json()["findings"]] == ["webmail-auth-failed"]


def test_facts_from_stdin_and_options_combine(cli):
    run = cli("check", "-", "--fact", "test_email.received=no", "--format", "json",
              stdin="dns:\n  mx_valid: false\n")
    assert [f["id"] for f in run.json()["findings"]] == ["mx-invalid", "test-email-not-received"]


def test_dotted_and_nested_keys_are_the_same(cli, write):
    nested = cli("check", str(write("a.yaml", "account:\n  locked: true\n")), "--format", "json").json()
    dotted = cli("check", str(write("b.yaml", "account.locked: true\n")), "--format", "json").json()
    assert nested["findings"] == dotted["findings"]


def test_fact_option_types(cli):
    run = cli("check", "--fact", "dns.mx=MX1.mail.ovh.net.,mail.example.com", "--fact", "pop_imap=none",
              "--fact", "dns.autodiscover_srv=0 0 443 ex2.mail.ovh.net", "--fact", "offer=hosted",
              "--format", "json")
    facts = run.json()["facts"]
    assert facts["dns.mx"] == ["mx1.mail.ovh.net", "mail.example.com"]
    assert facts["dns.autodiscover_srv"] == [{"priority": 0, "weight": 0, "port": 443, "target": "ex2.mail.ovh.net"}]


def test_secrets_never_appear(cli, write):
    path = write("s.yaml", "account:\n  email: a@example.it\n  password: Sup3r-S3gr3ta\ntoken: tk-123456\n"
                           "test_email:\n  sent: false\n")
    for fmt in ("text", "markdown", "json"):
        run = cli("check", str(path), "--format", fmt, "--explain")
        assert run.code == 1
        assert "Sup3r-S3gr3ta" not in run.out + run.err
        assert "tk-123456" not in run.out + run.err
    assert run.json()["secrets_ignored"] == ["account.password", "token"]
    option = cli("check", "--fact", "password=Sup3r-S3gr3ta", "--fact", "test_email.sent=no")
    assert "Sup3r-S3gr3ta" not in option.out + option.err


BAD_INPUTS = [
    # (file name, content, expected "file:line" prefix, fragment of the message)
    ("dup.yaml", "domain: example.it\ndomain: other.it\n", "dup.yaml:2:1", "«domain» ripetuta"),
    ("typo.yaml", "account:\n  lockd: true\n", "typo.yaml:2:3", "forse intendevi «account.locked»"),
    ("bool.yaml", "offer: hosted\npop_imap: no\n", "bool.yaml:2:11", "tra virgolette"),
    ("on.yaml", "domain: on\n", "on.yaml:1:9", "ambiguo"),
    ("syntax.yaml", "domain: [unclosed\n", "syntax.yaml:1:9", "parentesi quadre aperto qui non si chiude"),
    ("enum.yaml", "offer: shared\n", "enum.yaml:1:1", "valori possibili hosted, private"),
    ("type.yaml", "dns:\n  mx: 42\n", "type.yaml:2:3", "atteso un elenco, trovato un numero intero"),
    ("srv.yaml", "dns:\n  autodiscover_srv:\n    - {priority: 0, weight: 0, port: x, target: ex2.mail.ovh.net}\n",
     "srv.yaml:3:32", "dns.autodiscover_srv[1].port: atteso un numero intero"),
    ("notbool.yaml", "test_email:\n  sent: forse\n", "notbool.yaml:2:3", "sì/no"),
    ("list.yaml", "- a\n- b\n", "list.yaml:1", "mappa"),
    ("dup.json", '{"isSpammer": true,\n "isSpammer": false}', "dup.json:2:2", "ripetuta"),
    ("bad.json", '{"isSpammer": true,\n "x" 1}', "bad.json:2:6", "non valido"),
    ("bomb.yaml", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
     "bomb.yaml:1:1", "limite di 20000 nodi (contando gli alias espansi)"),
    ("empty.yaml", "", "empty.yaml", "vuoto"),
]


@pytest.mark.parametrize("name, content, where, fragment", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_one_clear_message_exit_2(cli, write, name, content, where, fragment):
    path = write(name, content)
    run = cli("check", str(path))
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(f"diagnostica: {path.parent}/{where}"), lines[0]
    assert fragment in lines[0]
    assert "Traceback" not in run.err


@pytest.mark.parametrize("args, fragment", [
    (["--fact", "accout.locked=true"], "forse intendevi «account.locked»"),
    (["--fact", "offer=hosteed"], "valori possibili hosted, private"),
    (["--fact", "nonsense"], "NOME=VALORE"),
    (["--fact", "dns.autodiscover_srv=0 0 443"], "priority weight port target"),
    (["--format", "xml", "--fact", "offer=hosted"], "formato «xml»"),
    (["--lang", "de", "--fact", "offer=hosted"], "lingua «de»"),
    (["/nonexistent/facts.yaml"], "file non trovato"),
    (["--kb", "/nonexistent"], "non è una cartella"),
    (["--bogus-option"], "bogus"),
])
def test_bad_options_exit_2(cli, args, fragment):
    run = cli("check", *args)
    assert run.code == 2
    assert fragment in run.err
    assert "Traceback" not in run.err


def test_works_from_any_directory(cli, tmp_path):
    run = cli("check", "--fact", "account.locked=true", cwd=tmp_path)
    assert run.code == 1 and "(account-locked)" in run.out


def test_rules_list_and_show(cli):
    listing = cli("rules", "list")
    assert listing.code == 0
    for rule_id in ("mx-invalid", "srv-invalid", "test-email-not-sent", "account-expired"):
        assert rule_id in listing.out
    show = cli("rules", "show", "mx-invalid", "--format", "json")
    info = show.json()
    assert info["causes"] == ["test-email-not-received"]
    assert info["when"] == {"all": [{"fact": "dns.mx_valid", "equals": False},
                                    {"fact": "dns.mx_wrong_only_fallback", "exists": False}]}
    missing = cli("rules", "show", "mx-invalidd")
    assert missing.code == 2 and "forse intendevi «mx-invalid»" in missing.err


def test_open_checks_are_counted_not_hidden(cli):
    run = cli("check", "--fact", "offer=hosted")
    assert run.code == 0
    open_checks = len(cli("check", "--fact", "offer=hosted", "--format", "json").json()["undecided"])
    assert open_checks > 5
    assert f"Verifiche non concluse per mancanza di dati: {open_checks} " in run.out
