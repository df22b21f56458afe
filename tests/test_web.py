"""The web front end in-process (Starlette's TestClient): the API gives the CLI's documents, the pages show them."""
from __future__ import annotations

import html
import json
import re
import warnings

import pytest
from diagnostica.cli import main as cli_main

from conftest import EXAMPLES

starlette_testclient = pytest.importorskip("starlette.testclient")

PASTED = (EXAMPLES / "incollato.txt").read_text(encoding="utf-8")
MX_FOREIGN = (EXAMPLES / "mx-foreign.yaml").read_text(encoding="utf-8")
SECRET = "S3gretissima!"


@pytest.fixture(scope="module")
def client(kb):
    from diagnostica.cli.web.app import create_app

    with warnings.catch_warnings():  # starlette 1.x suggests httpx2, which the registry does not have yet
        warnings.simplefilter("ignore")
        # entered once: one event loop and its thread for the module's requests, as a server has, not one per request
        with starlette_testclient.TestClient(create_app(kb), raise_server_exceptions=False) as client:
            yield client


def cli_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    cli_main.main([*argv, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def test_check_is_the_cli_document(client, capsys):
    expected = cli_json(capsys, "check", str(EXAMPLES / "mx-foreign.yaml"))
    assert client.post("/api/v1/check", content=MX_FOREIGN).json() == expected


@pytest.mark.parametrize("lang", ["it", "en"])
def test_report_is_the_cli_document(client, capsys, lang):
    expected = cli_json(capsys, "report", str(EXAMPLES / "incollato.txt"), "--lang", lang)
    got = client.post(f"/api/v1/report?lang={lang}", json={"text": PASTED}).json()
    for key in ("lang", "findings", "possible_causes", "facts", "next_steps", "report"):
        assert got[key] == expected[key], key


def test_explain_adds_the_explain_object(client):
    assert "explain" in client.post("/api/v1/check?explain=1", content=MX_FOREIGN).json()
    assert "explain" not in client.post("/api/v1/check", content=MX_FOREIGN).json()


def test_rules_are_the_cli_list(client, capsys):
    capsys.readouterr()
    cli_main.main(["rules", "list", "--format", "json"])
    assert client.get("/api/v1/rules").json() == json.loads(capsys.readouterr().out)


def test_healthz_and_openapi(client, kb):
    assert client.get("/healthz").json() == {"status": "ok", "rules": len(kb.rules)}
    spec = client.get("/api/v1/openapi.json").json()
    served = {path for path in spec["paths"]}
    assert served == {"/api/v1/check", "/api/v1/report", "/api/v1/dns", "/api/v1/ask", "/api/v1/rules", "/healthz"}


@pytest.mark.parametrize("path, body, status, code, where", [
    ("/api/v1/check", '{"dns.mxx": ["mx1.mail.ovh.net"]}', 422, "unknown_fact", "<body>:1:2"),
    ("/api/v1/check", '{"a": 1, "a": 2}', 400, "yaml_duplicate_key", "<body>:1:10"),
    ("/api/v1/check", "{", 400, "json_syntax", "<body>:1:2"),
    ("/api/v1/check", "", 422, "facts_empty", "<body>"),
    ("/api/v1/check", "[1, 2]", 422, "facts_not_mapping", "<body>"),
    ("/api/v1/check", '{"account": {"locked": "forse"}}', 422, "fact_bad_bool", "<body>:1:14"),
    ("/api/v1/report", "{", 400, "web_not_json", "<body>:1:2"),
    ("/api/v1/report", '{"txt": "x"}', 422, "web_text_missing", "<body>"),
    ("/api/v1/report", '{"text": "   "}', 422, "report_empty", "<testo>"),
    ("/api/v1/report", '{"text": "buongiorno"}', 422, "report_nothing_recognised", "<testo>"),
    ("/api/v1/check?lang=fr", "{}", 422, "unknown_lang", "lang"),
    ("/api/v1/check", "\udcff", 400, "not_utf8", "<body>"),
])
def test_bad_input_is_a_4xx_with_the_cli_message(client, path, body, status, code, where):
    response = client.post(path, content=body.encode("utf-8", "surrogateescape"))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"].startswith(where + ":"), error


@pytest.mark.parametrize("path", ["/api/v1/check", "/api/v1/report", "/report"])
def test_oversized_body_is_413(client, path):
    response = client.post(path, content=b"x" * 1_000_001)
    assert response.status_code == 413
    assert "1000000" in response.text


@pytest.mark.parametrize("path, body", [
    ("/api/v1/check", json.dumps({"account": {"locked": True}, "password": SECRET, "api": {"token": SECRET}})),
    ("/api/v1/report", json.dumps({"text": PASTED + f"\npassword: {SECRET}\n"})),
])
def test_secrets_are_dropped_and_never_echoed(client, path, body):
    response = client.post(path, content=body.encode())
    assert response.status_code == 200, response.text
    assert SECRET not in response.text
    assert "password" in response.json()["secrets_ignored"]


def test_home_page_is_italian_with_a_labelled_textarea(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="it">' in page.text
    assert re.search(r'<label for="report">', page.text) and 'name="report"' in page.text


@pytest.mark.parametrize("lang, heading", [("it", "Incolla la diagnostica"), ("en", "Paste the diagnostic"),
                                           ("xx", "Incolla la diagnostica")])
def test_page_language(client, lang, heading):
    page = client.get(f"/?lang={lang}")
    assert f"<h1>{heading}</h1>" in page.text
    assert f'<html lang="{"it" if lang == "xx" else lang}">' in page.text


def test_pasted_report_shows_the_cli_findings(client, capsys):
    expected = cli_json(capsys, "report", str(EXAMPLES / "incollato.txt"))
    page = client.post("/report", data={"report": PASTED})
    assert page.status_code == 200
    for finding in expected["findings"]:
        assert f"<h3>{finding['title']}</h3>" in page.text
    assert "IN MX" in page.text and 'data-copy="ticket"' in page.text
    assert "Righe non riconosciute" in page.text


def test_pasted_report_lists_the_lines_read_as_the_cli_does(client, capsys):
    capsys.readouterr()
    cli_main.main(["report", str(EXAMPLES / "incollato.txt")])
    read = [line.split(": ", 1)[1] for line in capsys.readouterr().out.split("\n\n", 1)[0].splitlines()[1:]]
    page = client.post("/report", data={"report": PASTED})
    assert len(read) > 2 and [line for line in read if html.escape(line, quote=False) not in page.text] == []


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_causes_still_open_name_what_they_need_by_label(client, kb, lang):
    from diagnostica.engine.present.render import Renderer

    renderer = Renderer(kb, lang)
    causes = client.post(f"/api/v1/report?lang={lang}", json={"text": PASTED}).json()["possible_causes"]
    shown = client.post(f"/report?lang={lang}", data={"report": PASTED}).text
    def item(cause: dict) -> str:  # the cause's line in the page's list of causes still open
        found = re.search(rf"<li>{re.escape(html.escape(cause['title'], quote=False))} \((.*?)\)</li>", shown)
        return found.group(1) if found else ""

    missing = [(cause["cause"], name) for cause in causes for name in cause["needs"]
               if html.escape(renderer.fact_label(name), quote=False) not in item(cause)]
    assert causes and missing == []


def test_pasted_script_shows_as_text_and_the_page_is_locked_down(client):
    page = client.post("/report", data={"report": PASTED + "\n<script>alert(1)</script>"})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/copy.js" defer>']


@pytest.mark.parametrize("line, named", [
    (f"password: {SECRET}", "password"),
    (f"consumer_key: CK{SECRET}", "consumer_key"),
    (f"Authorization: Bearer eyJ{SECRET}token", "bearer"),
    (f"Password:\nCKpw{SECRET}", "password"),  # the value on the line below: never listed as a field
])
def test_secrets_in_the_paste_reach_neither_page_nor_permalink(client, line, named):
    page = client.post("/report", data={"report": PASTED + f"\n{line}\n"})
    assert page.status_code == 200 and SECRET not in page.text and SECRET.lower() not in page.text
    assert "***" in page.text
    # the page says which field it left out (it did not when the paste reached the reading masked)
    assert re.search(r"Dati riservati ignorati e non mostrati: [^<]*" + named, page.text), page.text


def test_permalink_recreates_the_result(client):
    page = client.post("/report?lang=en", data={"report": PASTED})
    link = re.search(r'<a id="permalink" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    again = client.get(link)
    assert again.status_code == 200
    result = lambda html: html[html.index('<section id="result">'):]  # noqa: E731
    assert result(again.text) == result(page.text)
    assert '<html lang="en">' in again.text


def test_page_with_unreadable_paste_says_why(client):
    page = client.post("/report", data={"report": "buongiorno"})
    assert page.status_code == 422
    assert 'role="alert"' in page.text and "buongiorno" in page.text


def test_static_copy_script_is_served(client):
    script = client.get("/static/copy.js")
    assert script.status_code == 200 and "clipboard" in script.text
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_serve_with_a_bad_knowledge_base_stops_before_listening(tmp_path, capsys):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "facts.yaml").write_text("facts: [\n", encoding="utf-8")
    assert cli_main.main(["serve", "--kb", str(tmp_path), "--port", "0"]) == 2
    assert "«locales»" in capsys.readouterr().err


@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/healthz"), ("POST", "/api/v1/check"),
                                          ("GET", "/static/copy.js"), ("GET", "/nowhere")])
def test_every_response_carries_the_security_headers(client, method, path):
    headers = client.request(method, path, content=b"{}" if method == "POST" else None).headers
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"app;dur=\d+\.\d\d", headers["server-timing"])


# ------------------------------------------------------------------ Dominio: a real DNS server on 127.0.0.1

@pytest.fixture(scope="module")
def dns_client(kb):
    from diagnostica.cli.web.app import create_app
    from diagnostica.engine.dns.lookup import LiveSource, parse_nameserver

    from dnsserver import make_server

    with make_server() as server, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = LiveSource([parse_nameserver(server.address)], timeout=2)
        # entered once: one event loop and its thread for the module's requests, as a server has, not one per request
        with starlette_testclient.TestClient(create_app(kb, source), raise_server_exceptions=False) as client:
            client.nameserver = server.address
            yield client


@pytest.mark.parametrize("domain, offer, pop_imap", [
    ("hosted-ok.cases.test", "hosted", "none"),
    ("foreign.cases.test", "hosted", "none"),
    ("nomx.cases.test", "hosted", None),
    ("absent.cases.test", None, None),
])
def test_dns_is_the_cli_document(dns_client, capsys, kb, domain, offer, pop_imap):
    options = [arg for flag, value in (("--offer", offer), ("--pop-imap", pop_imap)) if value for arg in (flag, value)]
    expected = cli_json(capsys, "dns", domain, "--nameserver", dns_client.nameserver, "--timeout", "2", *options)
    body = {"domain": domain, "offer": offer, "pop_imap": pop_imap}
    got = dns_client.post("/api/v1/dns", json=body).json()
    for key in ("possible_causes", "facts", "undecided"):
        assert got[key] == expected[key], key
    # The same findings; only a text written for the terminal (a command to run next) reads otherwise.
    assert [terminal_free(kb, f) for f in got["findings"]] == [terminal_free(kb, f) for f in expected["findings"]]
    assert [entry["type"] for entry in got["dns"]["lookups"]] == [e["type"] for e in expected["dns"]["lookups"]]


def terminal_free(kb, finding: dict) -> dict:
    """A finding as JSON, less the texts whose template tests ``channel`` (terminal or web page)."""
    rule, folder = kb.by_id[finding["id"]], kb.directory.locale("it") / "rules"
    varies = {part for part in ("explanation", "remediation") if getattr(rule, part)
              and "channel" in (folder / getattr(rule, part)).read_text(encoding="utf-8")}
    return {key: value for key, value in finding.items() if key not in varies}


@pytest.mark.parametrize("body, code, where", [
    ({}, "dns_no_domain", "domain"),
    ({"domain": "not a domain"}, "dns_bad_domain", "domain"),
    ({"domain": "foreign.cases.test", "offer": "cloud"}, "fact_bad_enum", "offer"),
])
def test_dns_bad_input(dns_client, body, code, where):
    response = dns_client.post("/api/v1/dns", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"].split(":")[0]) == (code, where)


def test_domain_page_shows_findings_and_folded_evidence(dns_client):
    page = dns_client.post("/dominio", data={"domain": "foreign.cases.test", "offer": "hosted", "pop_imap": "none"})
    assert page.status_code == 200
    assert "<details><summary>Interrogazioni DNS eseguite</summary>" in page.text
    assert 'class="finding error"' in page.text and "IN MX" in page.text
    link = re.search(r'<a id="permalink" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert link == "/dominio?lang=it&domain=foreign.cases.test&offer=hosted&pop_imap=none"
    assert 'class="finding error"' in dns_client.get(link).text


@pytest.mark.parametrize("domain", ["servfail.test", "absent.cases.test"])  # dns-lookup-failed, domain-not-found
def test_the_page_never_advises_a_command_or_an_option(dns_client, cli, domain):
    """A text that tells the agent on a terminal which command to run next says something the page can
    do instead: an agent in a browser has no --timeout or --nameserver to give."""
    page = dns_client.post("/dominio", data={"domain": domain, "offer": "hosted", "pop_imap": "none"})
    assert page.status_code == 200 and 'class="finding' in page.text
    assert [word for word in ("--timeout", "--nameserver", "diagnostica dns") if word in page.text] == []
    run = cli("dns", domain, "--offer", "hosted", "--pop-imap", "none", "--nameserver", dns_client.nameserver)
    assert "diagnostica dns" in run.out  # the same finding on a terminal does give the command


def test_domain_page_empty_and_bad(dns_client):
    empty = dns_client.get("/dominio?lang=en")
    assert empty.status_code == 200 and '<label for="domain">' in empty.text and 'id="result"' not in empty.text
    bad = dns_client.post("/dominio", data={"domain": "<b>x</b>"})
    assert bad.status_code == 422 and "<b>x</b>" not in bad.text and "&lt;b&gt;x&lt;/b&gt;" in bad.text


@pytest.mark.parametrize("lang", ["it", "en"])
def test_result_page_carries_the_customer_message(client, capsys, lang):
    import html

    capsys.readouterr()
    cli_main.main(["report", str(EXAMPLES / "incollato.txt"), "--audience", "cliente", "--lang", lang])
    expected = capsys.readouterr().out
    page = client.post(f"/report?lang={lang}", data={"report": PASTED})
    shown = html.unescape(re.search(r'<pre id="customer">(.*?)</pre>', page.text, re.S).group(1))
    assert shown == expected


# ------------------------------------------------------------------ POST /api/v1/ask

def ask_step(client, body: dict, lang: str = "it") -> dict:
    response = client.post(f"/api/v1/ask?lang={lang}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("problem, lines, answers", [
    ("invio", "no\nsì\n", [["account.spam_blocked", False], ["account.locked", True]]),
    ("ricezione", "no\n", [["dns.mx_valid", False]]),
    ("invio", "non so\nno\nnon so\nfine\n", [["account.spam_blocked", None], ["account.locked", False],
                                                ["account.suspended", None]]),
])
def test_ask_concludes_with_the_cli_document(client, capsys, write, problem, lines, answers):
    capsys.readouterr()
    cli_main.main(["ask", "--no-dns", "--problem", problem, "--answers", str(write("a.txt", lines)),
                   "--format", "json"])
    expected = json.loads(capsys.readouterr().out)
    stopped = expected["ended"] == "stopped"
    got = ask_step(client, {"problem": problem, "answers": answers, "stop": stopped})
    assert (got["ended"], got["result"]) == (expected["ended"], expected["result"])
    typed = [(e["fact"], e["kind"], e.get("value")) for e in expected["transcript"] if e["kind"] in ("answer", "unknown")]
    assert [(e["fact"], e["kind"], e.get("value")) for e in got["transcript"]] == typed


def test_walking_the_api_asks_what_the_cli_asks(client, kb):
    """Each step sends back the state with one more answer (the first choice), until the conclusion."""
    from diagnostica.engine.present.render import Renderer

    intro = Renderer(kb, "it").text("ask.why.intro")
    body: dict = {"problem": "invio"}
    asked = []
    for _ in range(30):
        step = ask_step(client, body)
        if "question" not in step:
            break
        question = step["question"]
        asked.append(question["fact"])
        assert question["why"]["intro"] == intro and question["why"]["rules"]
        assert question["choices"][-1] == {"value": None, "label": "non so"}
        body = {**step["state"], "answers": [*step["state"]["answers"], [question["fact"],
                                                                          question["choices"][0]["value"]]]}
    assert step["ended"] == "explained" and asked == ["account.spam_blocked"]
    assert step["result"]["complaint"]["confirmed"] == ["account-spam-blocked"]


def test_ask_question_and_answer_match_the_openapi_schemas(client):
    jsonschema = pytest.importorskip("jsonschema")
    spec = client.get("/api/v1/openapi.json").json()
    for body in ({"problem": "ricezione"}, {"problem": "ricezione", "answers": {"dns.mx_valid": False}}):
        schema = {"$ref": "#/components/schemas/AskStep", "components": spec["components"]}
        jsonschema.Draft202012Validator(schema).validate(ask_step(client, body))


def test_ask_in_english_with_enum_choices(client):
    step = ask_step(client, {"problem": "receive", "facts": {"dns.mx": ["mx1.mail.ovh.net"]},
                             "answers": [["dns.mx_valid", None]]}, lang="en")
    question = step["question"]
    assert question["fact"] == "pop_imap" and question["n"] == 2
    assert [c["value"] for c in question["choices"]] == ["none", "ovh", "external", None]
    assert any(r.get("via") == {"fact": "dns.mx_valid", "rule": "mx-records-check"} for r in question["why"]["rules"])


def test_ask_drops_secrets_from_facts_and_answers(client):
    step = ask_step(client, {"problem": "invio", "facts": {"account": {"email": "m@example.it", "password": SECRET}},
                             "answers": [["account.spam_blocked", True]]})
    assert SECRET not in json.dumps(step) and step["result"]["secrets_ignored"] == ["account.password"]


@pytest.mark.parametrize("body, status, code, where", [
    ('{"problem": "invii"}', 422, "unknown_problem", "<body>:1:2"),
    ('{"answers": [["account.lockd", true]]}', 422, "unknown_fact", "<body>:1:14"),
    ('{"answers": {"account.locked": "forse"}}', 422, "fact_bad_bool", "<body>:1:14"),
    ('{"answers": 3}', 422, "ask_bad_state", "<body>:1:2"),
    ('{"facts": {"dns.mxx": []}}', 422, "unknown_fact", "<body>:1:12"),
    ('{"answers": [], "answers": []}', 400, "yaml_duplicate_key", "<body>:1:17"),
    ("[1]", 422, "facts_not_mapping", "<body>:1"),
    ("", 422, "facts_empty", "<body>"),
    ('{"answers": {"account.locked": "\\ud800"}}', 422, "fact_bad_bool", "<body>:1:14"),  # a lone surrogate
])
def test_ask_bad_state_is_a_4xx_at_its_place(client, body, status, code, where):
    response = client.post("/api/v1/ask", content=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"].split(": ")[0]) == (code, where)


def test_a_secret_typed_as_the_domain_is_neither_echoed_nor_quoted(client):
    page = client.post("/dominio", data={"domain": f"password: {SECRET}", "offer": "hosted", "pop_imap": "none"})
    assert page.status_code == 422 and SECRET not in page.text and "***" in page.text


@pytest.mark.parametrize("path", ["/", "/dominio", "/consultazione", "/account"])
def test_the_menu_marks_the_page_it_is_on(client, path):
    page = client.get(path)
    assert page.text.count('aria-current="page"') == 1
    assert re.search(r'<a href="' + re.escape(path) + r'\?lang=it" aria-current="page">', page.text)


@pytest.mark.parametrize("path, data, shown", [
    ("/report", {"report": "buongiorno"}, "nessuna riga del testo è stata riconosciuta come risultato della diagnostica: "
                                          "incolla il testo della scheda «Diagnostica»"),
    ("/report", {"report": '{"isSpammer": "forse"}'}, "riga 1: «forse» non è un valore sì/no valido"),
])
def test_a_page_says_an_error_in_the_agents_words(client, path, data, shown):
    """No «<testo>:1:2:» prefix (a file the agent never had), no command-line flag; the line in words."""
    page = client.post(path, data=data)
    box = html.unescape(re.search(r'role="alert">(.*?)</section>', page.text, re.S).group(1))
    assert shown in box and "<testo>" not in box and "--" not in box, box


@pytest.mark.parametrize("path, field, said", [("/dominio", "domain", "scrivi il dominio da verificare"),
                                               ("/account", "email", "scrivi l'indirizzo email dell'account")])
def test_a_form_sent_empty_says_what_is_missing(client, path, field, said):
    assert client.get(path).status_code == 200 and 'role="alert"' not in client.get(path).text  # the page itself
    page = client.post(path, data={field: "  "})
    assert page.status_code == 422 and said in html.unescape(page.text)
