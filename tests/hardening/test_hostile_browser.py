"""Hostile text in a real browser (Playwright driving Debian's Chromium): HTML and script tags typed into Prova,
shown in Correggi, in a correction's note and in an error message are shown as text and never run."""

from __future__ import annotations

import sqlite3

import pytest

from tests.app.browsing import ARGS, CHROMIUM, choose, login, playwright_or_skip, tiny_app
from tests.app.conftest import USERS

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
PAYLOAD = f"Febbre {IMG} e tosse {SCRIPT} fine."
NOTE = f"nota {IMG}{SCRIPT}"
INJECTED = """() => ({
  pwned: typeof window.__pwned,
  nodes: document.querySelectorAll('img[src="x"], [onerror]').length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
})"""
SHOWN_TEXT = "(el) => [...el.querySelectorAll('.text')].map(n => n.textContent).join('')"

sync_api = playwright_or_skip()


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    with tiny_app(tiny_model_dir, tmp_path_factory.mktemp("hostile-browser")) as app:
        yield app


@pytest.fixture(scope="module")
def page(server):
    """A browser page logged in as the annotator."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        login(page, server.url, "anna", USERS["anna"][1])
        yield page
        browser.close()


def assert_nothing_injected(page) -> None:
    assert page.evaluate(INJECTED) == {"pwned": "undefined", "nodes": 0, "scripts": 0}


def test_tags_in_a_text_are_shown_as_text_in_prova_and_correggi(page, server):
    page.goto(server.url + "/")
    choose(page, "Compito", "Entità cliniche (E3C)")
    page.get_by_label("Testo").fill(PAYLOAD)
    page.click("#prova-esegui")
    spans = page.locator("#prova-spans")
    spans.locator(".highlighted").first.wait_for()
    assert spans.evaluate(SHOWN_TEXT) == PAYLOAD  # every character shown, as text
    assert_nothing_injected(page)

    page.click("#prova-correggi")
    link = page.locator("#prova-queued a")
    link.wait_for()
    page.goto(server.url + link.get_attribute("href"))
    shown = page.locator("#correggi-menzioni")
    shown.locator(".highlighted").first.wait_for()
    assert shown.evaluate(SHOWN_TEXT) == PAYLOAD
    sync_api.expect(page.locator("#correggi-coda")).to_contain_text(IMG)  # the queue's preview
    assert_nothing_injected(page)


def test_a_note_with_tags_is_stored_verbatim_and_shown_as_text(page, server):
    prediction = queued_prediction(server)
    page.goto(f"{server.url}/correggi?predizione={prediction}")
    page.locator("#correggi-menzioni .highlighted").first.wait_for()
    page.get_by_label("Nota (facoltativa)").fill(NOTE)
    page.click("#correggi-accetta")
    history = page.locator("#correggi-storico")
    sync_api.expect(history).to_contain_text(NOTE, timeout=30_000)
    assert_nothing_injected(page)
    with sqlite3.connect(server.database) as conn:
        (note,) = conn.execute(
            "select note from corrections where prediction_id = ?", (prediction,)
        ).fetchone()
    assert note == NOTE


def test_an_error_message_with_tags_is_shown_as_text(page, server):
    page.goto(server.url + "/")
    page.get_by_label("Testo").fill("Febbre alta.")
    page.get_by_label("oppure cartella del modello").first.fill(IMG)
    page.click("#prova-esegui")
    toast = page.get_by_text(f"o una cartella ('{IMG}') richiede il ruolo ricercatore")  # its name, as text
    toast.first.wait_for()
    assert_nothing_injected(page)


def queued_prediction(server) -> int:
    """A prediction of PAYLOAD in the correction queue, sent there through the API as the annotator."""
    from gradio_client import Client

    client = Client(server.url, auth=server.auth("anna"), verbose=False)
    result = client.predict("e3c_clinical_entities", "", "cd", PAYLOAD, api_name="/run_task")
    return client.predict(result["result_id"], api_name="/send_to_queue")["prediction_id"]
