"""The login page and Accordo's assignment in a real browser (Playwright driving Debian's Chromium), on an app of
their own (the back-off this test provokes holds for every client of 127.0.0.1):
- the login page is Italian, keeps the user name after a refusal, and during the back-off says that access is
  paused and for how many seconds, also for the right password, which then logs in once the pause is over;
- a curator assigns a document to an annotator from Accordo and sees the assignment listed."""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from tests.app.browsing import NOTICE, VIEWPORT, choose, logged_in, playwright_or_skip, tiny_app
from tests.app.conftest import USERS, add_account

PAUSED = re.compile(r"Accesso sospeso per troppi tentativi falliti: riprova tra \d+ second[oi]\.")

sync_api = playwright_or_skip()


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    with tiny_app(tiny_model_dir, tmp_path_factory.mktemp("team-browser")) as app:
        yield app


def wrong_logins_until_a_long_pause(url: str, name: str, failures: int) -> None:
    """`failures` refused logins of a name from this machine, waiting out each back-off (its Retry-After)."""
    import time

    done = 0
    with httpx.Client(timeout=30) as http:
        while done < failures:
            answer = http.post(url + "/login", data={"username": name, "password": "sbagliata"})
            if answer.status_code == 429:
                time.sleep(int(answer.headers["retry-after"]))
                continue
            assert answer.status_code == 400
            done += 1


def test_the_login_page_is_italian_keeps_the_name_and_says_how_long_access_is_paused(browser, server):
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(60_000)
    page.goto(server.url + "/correggi")  # any page asks for the login
    sync_api.expect(page.get_by_role("heading", name="Accedi")).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="Accedi")).to_be_visible()
    name, password = page.get_by_label("Nome utente"), page.get_by_label("Password")
    name.fill("anna")
    password.fill("sbagliata")
    password.press("Enter")
    sync_api.expect(page.get_by_role("alert")).to_contain_text("Credenziali non valide")
    sync_api.expect(name).to_have_value("anna")  # the name stays, the wrong password goes
    sync_api.expect(password).to_have_value("")
    assert "Incorrect" not in page.content() and "Login" not in page.content()

    wrong_logins_until_a_long_pause(server.url, "anna", 7)  # 8 failures: the next attempt waits 8 s
    password.fill(USERS["anna"][1])  # the right password, during the pause
    page.get_by_role("button", name="Accedi").click()
    sync_api.expect(page.get_by_role("alert")).to_have_text(PAUSED)
    sync_api.expect(page.get_by_role("button", name="Accedi")).to_be_disabled()
    sync_api.expect(name).to_have_value("anna")
    sync_api.expect(page.get_by_role("alert")).to_have_text("Puoi riprovare ad accedere.", timeout=120_000)
    page.get_by_role("button", name="Accedi").click()
    page.get_by_text(NOTICE).first.wait_for()  # logged in, on the page asked for
    assert page.url.endswith("/correggi")
    page.close()


def test_a_curator_assigns_a_document_to_an_annotator_in_accordo(browser, server):
    from sqlmodel import Session

    from medui.backend.store.db import make_engine
    from medui.backend.store.repo import ensure_documents

    engine = make_engine(f"sqlite:///{server.database}")  # a document of the task in the app's store
    with Session(engine) as session:
        record = {"id": "assegnami", "text": "Febbre alta e tosse secca."}
        (stored,) = ensure_documents(
            "e3c_clinical_entities", "squadra", [record], session=session, gold=False
        )
        document = stored.id
        session.commit()
    engine.dispose()
    curator = add_account(server, "cura", "curator")
    with logged_in(browser, server.url, *curator, viewport={"width": 1280, "height": 1000}) as page:
        page.goto(server.url + "/accordo")
        choose(page, "Annotatori a cui assegnare", "anna")  # not the agreement filter
        page.locator("#accordo-assegna-come label", has_text="per numero di documento").click()
        page.get_by_label("Numeri dei documenti (es. 12, 15-18)").fill(str(document))
        page.click("#accordo-assegna-avvia")
        sync_api.expect(page.locator("#accordo-assegna-esito")).to_contain_text(
            "1 assegnazione su 1 documento"
        )
        listed = page.locator("#accordo-assegnati")
        sync_api.expect(listed).to_contain_text("anna")
        sync_api.expect(page.locator("#accordo-assegna-avanzamento")).to_contain_text("anna")
    with sqlite3.connect(server.database) as conn:
        rows = conn.execute("select document_id, annotator, assigned_by from assignments").fetchall()
    assert rows == [(document, "anna", "cura")]
