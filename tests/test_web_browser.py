"""The pages in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright), served by uvicorn on 127.0.0.1."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from conftest import EXAMPLES

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent (apt-get install chromium); .ci/run installs it")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASTED = (EXAMPLES / "incollato.txt").read_text(encoding="utf-8")
# The screenshots are for a person to look at (no test reads them), and a full-page one costs a quarter
# of a second: they are taken only when DIAGNOSTICA_SCREENSHOTS names a folder to keep them in.
SHOTS = os.environ.get("DIAGNOSTICA_SCREENSHOTS")


def screenshot(target, name: str) -> None:
    """``target`` (a page, in full, or one element) saved as ``name`` in the screenshots folder, if one is set."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        options = {"full_page": True} if hasattr(target, "goto") else {}
        target.screenshot(path=str(Path(SHOTS) / name), **options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ovh_keys():
    """The fake OVHcloud API and the server's keys for it, in the environment (as a real server has them)."""
    import ovh.config
    from diagnostica.engine.ovh import api as ovhapi

    from ovhapi import FakeOvh, environment

    with FakeOvh() as fake, pytest.MonkeyPatch.context() as patch:
        patch.setattr(ovh.config, "CONFIG_PATH", [])
        patch.setattr(ovhapi, "BACKOFF", 0.0)
        for name, value in environment(fake.url).items():
            patch.setenv(name, value)
        yield fake


@pytest.fixture(scope="module")
def server(kb, ovh_keys):
    """The real app on uvicorn in a thread, on a free loopback port; stopped at the end of the module."""
    uvicorn = pytest.importorskip("uvicorn")
    from diagnostica.cli.web.app import create_app
    from diagnostica.engine.dns.lookup import LiveSource, parse_nameserver

    from dnsserver import make_server

    dns_server = make_server().__enter__()
    source = LiveSource([parse_nameserver(dns_server.address)], timeout=2)
    config = uvicorn.Config(create_app(kb, source), host="127.0.0.1", port=free_port(), log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    started = threading.Event()
    while thread.is_alive() and not started.wait(0.05):
        if instance.started:
            started.set()
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{config.port}"
    instance.should_exit = True
    thread.join(10)
    dns_server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


#: The phone-sized window most tests use.
PHONE = {"width": 390, "height": 900}


@pytest.fixture(scope="module")
def tabs(browser):
    """One page with script and one without, each in its own context, shared by the module's tests:
    a context and its first page cost a renderer process (a few tenths of a second) each time.  The
    pages keep nothing between tests -- the app sets no cookie and stores nothing in the browser --
    and every test starts by loading its own address."""
    pages = {}
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
        pages[javascript] = context.new_page()
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.fixture
def tab(tabs):
    """tab(javascript) -> (page, errors): the module's page with or without script and the script
    errors it logs during this test; the phone-sized window again afterwards."""
    used = []

    def take(javascript: bool = True):
        page = tabs[javascript]
        errors: list[str] = []

        def on_console(message) -> None:
            if message.type == "error":
                errors.append(message.text)

        page.on("console", on_console)
        used.append((page, on_console))
        return page, errors

    yield take
    for page, listener in used:
        page.remove_listener("console", listener)
        page.set_viewport_size(PHONE)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_paste_submit_see_the_findings(server, tab, javascript):
    page, errors = tab(javascript)
    page.goto(server + "/")
    assert page.locator("html").get_attribute("lang") == "it"
    page.get_by_label("Incolla qui il risultato della diagnostica").fill(PASTED + "\n<script>alert(1)</script>")
    page.get_by_role("button", name="Analizza").click()
    page.wait_for_selector("#result")
    titles = page.locator("article.finding h3").all_inner_texts()
    assert "Record MX del dominio non valido" in titles and len(titles) == 3
    assert "IN MX" in page.locator("article.finding pre").first.inner_text()
    assert "<script>alert(1)</script>" in page.locator("#result").inner_text()  # shown as text, never run
    copy_buttons = page.get_by_role("button", name="Copia il testo")
    assert copy_buttons.count() == (1 if javascript else 0)  # hidden without script: nothing that cannot work
    name = "js" if javascript else "nojs"
    screenshot(page, f"result-{name}.png")
    screenshot(page.locator("article.finding").nth(1), f"finding-{name}.png")
    assert errors == []  # no CSP violation, no script error
    permalink = page.locator("#permalink").get_attribute("href")
    page.goto(server + permalink)
    assert page.locator("article.finding h3").all_inner_texts() == titles


def test_english_page(server, tab):
    page, _ = tab()
    page.set_viewport_size({"width": 1280, "height": 720})  # a desktop's window (Playwright's default)
    page.goto(server + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Paste the diagnostic's result").fill(PASTED)
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector("#result")
    assert page.get_by_role("heading", name="What we found").count() == 1
    assert page.locator("article.finding").count() == 3
    assert page.get_by_role("button", name="Copy the records").count() == 1


def test_domain_page_with_the_keyboard(server, tab):
    page, _ = tab()
    page.goto(server + "/dominio")
    page.get_by_label("Offerta Exchange").select_option("hosted")
    page.get_by_label("Caselle POP/IMAP del dominio").select_option("none")
    domain = page.get_by_label("Dominio (o indirizzo email")
    domain.fill("foreign.cases.test")
    domain.press("Enter")  # submitted from the keyboard
    page.wait_for_selector("#result")
    assert page.locator("article.finding.error").count() >= 1
    evidence = page.locator("details")
    assert not evidence.locator("pre").is_visible()  # folded until asked
    evidence.locator("summary").click()
    assert "MX" in evidence.locator("pre").inner_text()
    screenshot(page, "dominio.png")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_consultation_walked_to_its_conclusion(server, tab, javascript):
    page, errors = tab(javascript)
    shots = iter(range(1, 100))

    def shot(name: str) -> None:
        screenshot(page, f"consult-{'js' if javascript else 'nojs'}-{next(shots):02d}-{name}.png")

    page.goto(server + "/consultazione")
    page.get_by_label("Non riesce a inviare email").check()
    page.get_by_label("Indirizzo email dell'account").fill("mario.rossi@example.it")
    shot("start")
    assert page.get_by_label("Se serve, chiedi il dominio").is_checked()
    page.get_by_role("button", name="Inizia").click()
    offer = page.locator("#offer-text")  # the domain is known from the address: its lookup is offered
    assert "example.it" in offer.inner_text()
    shot("dns-offer")
    page.get_by_role("button", name="No", exact=True).click()
    question = page.locator("#question-text")
    first = question.inner_text()
    assert "etichetta SPAM" in first
    why = page.locator("#why")
    assert not why.locator("ul").is_visible()  # folded until asked
    why.locator("summary").click()  # «perché?»
    assert "possibile causa di" in why.locator("ul").inner_text()
    shot("why")
    page.get_by_role("button", name="No", exact=True).click()
    assert "politica di sicurezza" in question.inner_text()
    assert "etichetta SPAM" in page.locator("#answered").inner_text()
    shot("second")
    page.get_by_role("button", name="Indietro").click()  # «indietro»: the first question again
    assert question.inner_text() == first
    shot("back")
    page.get_by_role("button", name="No", exact=True).focus()
    page.keyboard.press("Enter")  # answered from the keyboard
    page.get_by_role("button", name="Sì", exact=True).click()
    page.wait_for_selector("#conclusion")
    assert page.get_by_role("heading", name="Causa accertata").count() == 1
    assert page.locator("article.finding h3").all_inner_texts() == ["Account bloccato dalla politica di sicurezza"]
    assert "mario.rossi@example.it" in page.locator("#ticket").inner_text()
    assert page.get_by_role("button", name="Copia il messaggio").count() == (1 if javascript else 0)
    shot("conclusion")
    permalink = page.locator("#permalink").get_attribute("href")
    page.goto(server + permalink)
    assert page.get_by_role("heading", name="Causa accertata").count() == 1
    assert errors == []  # no CSP violation, no script error


def test_account_page_with_the_keyboard(server, tab, ovh_keys):
    page, _ = tab()
    page.goto(server + "/account")
    field = page.get_by_label("Indirizzo email dell'account Exchange")
    field.fill("spam@example.it")
    field.press("Enter")
    page.wait_for_selector("#result")
    assert "Account bloccato per invio di spam" in page.locator("article.finding h3").all_inner_texts()
    calls = page.locator("details")
    assert not calls.locator("pre").is_visible()
    calls.locator("summary").click()
    assert "GET /email/exchange" in calls.locator("pre").inner_text()
    assert ovh_keys.bad_signatures == 0
    screenshot(page, "account.png")


def test_a_copy_button_copies_then_takes_its_name_back(server, browser):
    from urllib.parse import urlencode

    # Its own context: the clipboard is granted here only, and the page's clock is Playwright's (no waiting).
    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.clock.install()
        page.goto(server + "/report?" + urlencode({"lang": "it", "report": PASTED}))  # the permalink's page
        button = page.locator('button[data-copy="ticket"]')
        assert button.inner_text() == "Copia il testo"
        button.click()
        page.wait_for_function("document.querySelector('button[data-copy=\"ticket\"]').textContent === 'Copiato'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("#ticket").text_content() and "example.it" in copied
        page.clock.fast_forward(2500)
        page.wait_for_function("document.querySelector('button[data-copy=\"ticket\"]').textContent === 'Copia il testo'")
    finally:
        context.close()
