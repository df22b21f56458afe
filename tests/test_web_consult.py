"""The «Consultazione guidata» page in-process: one question per page, the state in the page, plain form posts."""
from __future__ import annotations

import html
import json
import re
import warnings
from urllib.parse import urlencode

import pytest

starlette_testclient = pytest.importorskip("starlette.testclient")

SECRET = "S3gretissima!"


@pytest.fixture(scope="module")
def client(kb):
    from diagnostica.cli.web.app import create_app

    with warnings.catch_warnings():  # starlette 1.x suggests httpx2, which the registry does not have yet
        warnings.simplefilter("ignore")
        # entered once: one event loop and its thread for the module's requests, as a server has, not one per request
        with starlette_testclient.TestClient(create_app(kb), raise_server_exceptions=False) as client:
            yield client


def state_of(page) -> str:
    return html.unescape(re.search(r'name="state" value="([^"]*)"', page.text).group(1))


def question_of(page) -> str:
    found = re.search(r'<span id="question-text">(.*?)</span>', page.text)
    return html.unescape(found.group(1)) if found else ""


def start(client, problem: str, email: str = "", lang: str = "it"):
    page = client.post(f"/consultazione?lang={lang}", data={"action": "start", "problem": problem, "email": email})
    assert page.status_code == 200, page.text[:300]
    return page


def post(client, page, lang: str = "it", **fields):
    return client.post(f"/consultazione?lang={lang}", data={"state": state_of(page), **fields})


@pytest.mark.parametrize("lang, legend, label", [
    ("it", "Che cosa segnala il cliente?", "Indirizzo email dell'account (facoltativo)"),
    ("en", "What does the customer report?", "The account's email address (optional)"),
])
def test_the_start_page_has_labelled_fields(client, lang, legend, label):
    page = client.get(f"/consultazione?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    assert f"<legend>{legend}</legend>" in page.text and label in html.unescape(page.text)
    for field in re.findall(r'<input [^>]*id="([^"]+)"', page.text):
        assert f'<label for="{field}">' in page.text, field


def test_one_question_per_page_to_the_conclusion_and_its_permalink(client, kb):
    from diagnostica.engine.present.render import Renderer

    page = start(client, "invio", "mario.rossi@example.it")
    assert question_of(page) == "Nella scheda «Account email» l'account ha l'etichetta SPAM?"
    assert page.text.count('<span id="question-text">') == 1
    assert "<summary>perché?</summary>" in page.text and "possibile causa di" in page.text
    page = post(client, page, answer="false")
    assert question_of(page) == Renderer(kb, "it").fact_question("account.locked")
    page = post(client, page, answer="true")
    assert "<h2>Causa accertata</h2>" in page.text
    assert "<h3>Account bloccato dalla politica di sicurezza</h3>" in page.text
    assert 'id="ticket"' in page.text and 'id="customer"' in page.text
    assert "account-locked" not in page.text.split('id="customer"')[1].split("</pre>")[0]  # no rule id for the customer
    link = html.unescape(re.search(r'id="permalink" href="([^"]+)"', page.text).group(1))
    again = client.get(link)
    assert re.findall(r"<h3>(.*?)</h3>", again.text) == re.findall(r"<h3>(.*?)</h3>", page.text)


def test_back_brings_the_previous_question_and_stop_concludes(client):
    first = start(client, "invio")
    second = post(client, first, answer="false")
    assert question_of(post(client, second, action="back")) == question_of(first)
    stopped = post(client, second, action="stop")
    assert "<h2>Causa non accertata</h2>" in stopped.text and "Restano da verificare" in stopped.text
    assert json.loads(state_of(stopped))["stop"] is True


def test_non_so_and_enum_choices(client):
    page = start(client, "ricezione")
    page = post(client, page, answer="null")  # «non so» about the MX verdict
    page = post(client, page, answer="false")  # not suspended
    assert question_of(page).startswith("Quali host compaiono nei record MX")
    assert '<label for="text">' in page.text and 'name="text"' in page.text


@pytest.mark.parametrize("typed, status, shown", [
    ("mx1.mail.ovh.net, mx2.mail.ovh.net", 200, "Problema escluso"),
    ("non è un host!", 422, "Risposta non valida"),
    ("", 422, "Serve una risposta"),
])
def test_a_free_text_answer(client, typed, status, shown):
    state = json.dumps({"problem": "ricezione", "answers": [["dns.mx_valid", None], ["account.suspended", False]]})
    page = client.post("/consultazione", data={"state": state, "action": "text", "text": typed})
    assert page.status_code == status
    if status == 200:
        assert json.loads(state_of(page))["answers"][-1] == ["dns.mx", ["mx1.mail.ovh.net", "mx2.mail.ovh.net"]]
    else:
        assert shown in page.text and question_of(page).startswith("Quali host")


@pytest.mark.parametrize("fields, message", [
    ({"state": "{", "answer": "true"}, "riga 1: manca un valore"),
    ({"state": '{"answers": [["account.lockd", true]]}'}, "fatto sconosciuto «account.lockd»"),
    ({"state": '{"problem": "invio"}', "answer": "forse"}, "«answer»"),
    ({"state": '{"problem": "invio"}', "answer": '"forse"'}, "non è un valore sì/no valido"),
    ({"action": "start", "problem": "invii"}, "forse intendevi «invio»"),
    ({"state": '{"problem": "invio"}', "answer": '"\\ud800"'}, "«\\ud800» non è un valore sì/no"),  # a lone surrogate
])
def test_a_tampered_state_is_a_4xx_page_never_a_traceback(client, fields, message):
    page = client.post("/consultazione", data=fields)
    assert 400 <= page.status_code < 500, page.text
    assert message in html.unescape(page.text) and "Traceback" not in page.text


def test_secrets_never_reach_the_page_the_state_or_the_permalink(client):
    state = json.dumps({"problem": "invio", "facts": {"account": {"email": "m@example.it", "password": SECRET}},
                        "answers": [["account.spam_blocked", True]]})
    page = client.get("/consultazione?" + urlencode({"state": state}))
    assert page.status_code == 200 and "<h2>Causa accertata</h2>" in page.text
    assert SECRET not in page.text and SECRET not in html.unescape(page.text)


def test_a_script_in_the_address_shows_as_text(client):
    page = client.post("/consultazione", data={"action": "start", "problem": "invio",
                                               "email": "<script>alert(1)</script>@example.it"})
    assert "<script>alert(1)" not in page.text


def test_the_language_switch_keeps_the_step(client):
    page = post(client, start(client, "invio"), answer="false")
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"', page.text).group(1))
    english = client.get(switch)
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert question_of(english) == "Does the diagnostic report that the security policy has locked the account?"
    assert "Question 2" in english.text


def test_what_the_customer_tried_goes_into_the_ticket_with_secrets_masked(client):
    concluded = post(client, start(client, "invio", "m@example.it"), answer="true")
    page = post(client, concluded, action="tried", tried=f"riavviato il PC, nuova password: {SECRET}")
    ticket = html.unescape(page.text.split('id="ticket">')[1].split("</pre>")[0])
    assert "- riavviato il PC" in ticket and "COSA HA GIÀ PROVATO IL CLIENTE" in ticket
    assert SECRET not in html.unescape(page.text)
    assert json.loads(state_of(page))["facts"]["customer.tried"][0] == "riavviato il PC"


# ------------------------------------------------------------------ a hostile campaign on the state

MARKER = "Zq7SecretMarker"
ANSWERED = ["account.spam_blocked", "account.locked", "dns.mx", "dns.mx_valid", "pop_imap", "offer", "domain",
            "dns.autodiscover_srv", "customer.tried", "dns.mx_lookup", "nonexistent"]


def _campaign():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=20),
                        st.sampled_from(["\ud800", "\x9b", "\x1b[2J", "no", "1e999", "<script>", "«è»"]))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
    planted = st.sampled_from([f"password: {MARKER}", f"token={MARKER}", f"mx1.example.it, pwd {MARKER}"])
    answers = st.lists(st.tuples(st.sampled_from(ANSWERED), st.one_of(values, planted)), max_size=5)
    state = st.fixed_dictionaries({"answers": answers.map(lambda pairs: [list(p) for p in pairs])}, optional={
        "problem": st.sampled_from(["invio", "ricezione", "send", "x", ""]),
        "facts": st.dictionaries(st.sampled_from(["account.email", "domain", "password", "account.password"]),
                                 st.one_of(values, planted), max_size=3),
        "stop": st.booleans(), "thorough": values})
    return given(state=state, action=st.sampled_from(["", "back", "stop", "text", "tried"]),
                 typed=st.one_of(st.text(max_size=20), planted)), \
        settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])


_given, _settings = _campaign()


@_settings
@_given
def test_generated_states_never_break_the_page_or_leak_a_secret(client, state, action, typed):
    text = json.dumps(state)
    for response in (client.post("/api/v1/ask", content=text),
                     client.post("/consultazione", data={"state": text, "action": action, "text": typed,
                                                         "tried": typed, "answer": "true"})):
        assert response.status_code < 500, response.text
        assert MARKER not in html.unescape(response.text)
