"""Browser end to end (Playwright driving Debian's Chromium): every page opens; an NER run shows highlighted
entities; one span corrected in Correggi is saved and found in the database. Screenshots go to test-artifacts/
(and to docs/screenshots/ with MEDUI_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import os
import re
import sqlite3

import pytest

from medui.config import REPO_ROOT
from tests.app.browsing import ARGS, CHROMIUM, NOTICE, choose, login, playwright_or_skip
from tests.app.conftest import ARTIFACTS

PAGES = {
    "modelli": "/",
    "prova": "/prova",
    "confronta": "/confronta",
    "correggi": "/correggi",
    "addestra": "/addestra",
    "studio": "/studio",
}
TEXT = "Il paziente presenta febbre, tosse e dispnea."

sync_api = playwright_or_skip()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_server):
    """A page logged in as the annotator."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, app_server.url, *app_server.auth("anna"))
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    if os.environ.get("MEDUI_DOCS_SCREENSHOTS") == "1":
        docs = REPO_ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=docs / f"{name}.png", full_page=False)


def test_an_ner_run_is_highlighted_then_a_span_is_corrected_and_stored(page, app_server):
    page.goto(app_server.url + "/prova")
    choose(page, "Compito", "e3c_clinical_entities (ner)")
    page.get_by_label("Testo").fill(TEXT)
    page.click("#prova-esegui")
    highlighted = page.locator("#prova-spans .highlighted")
    highlighted.first.wait_for()
    assert highlighted.count() >= 1
    shot(page, "prova-ner")

    page.click("#prova-correggi")
    link = page.locator("#prova-queued a")
    link.wait_for()
    prediction_id = int(re.search(r"predizione=(\d+)", link.get_attribute("href")).group(1))
    page.goto(app_server.url + link.get_attribute("href"))
    spans = page.locator("#correggi-menzioni")
    spans.locator(".highlighted").first.wait_for()
    before = spans.locator(".highlighted").count()
    spans.locator(".highlighted").first.hover()
    spans.locator("button.remove-btn").first.click(force=True)  # remove the model's span
    # the text re-renders without it: select only then (a selection made before is lost under load)
    sync_api.expect(spans.locator(".highlighted")).to_have_count(before - 1)
    select_word(page, spans, "febbre")  # add "febbre" and label it
    spans.locator(".highlighted", has_text="febbre").click()
    spans.locator("input.label-input").first.fill("CLINENTITY")
    spans.locator("input.label-input").first.press("Enter")
    sync_api.expect(page.locator("#correggi-entita")).to_contain_text("febbre")
    page.click("#correggi-salva")
    sync_api.expect(page.locator("#correggi-storico")).to_contain_text("anna", timeout=30_000)
    shot(page, "correggi-salvata")

    with sqlite3.connect(app_server.database) as conn:
        rows = conn.execute(
            "select annotator, record from corrections where prediction_id = ?", (prediction_id,)
        )
        ((annotator, record),) = rows.fetchall()
    assert annotator == "anna"
    assert json.loads(record)["entities"] == [
        {"start": 21, "end": 27, "label": "CLINENTITY", "text": "febbre"}
    ]


def test_every_page_opens_with_the_notice(page, app_server):
    for name, path in PAGES.items():
        page.goto(app_server.url + path)
        page.get_by_text(NOTICE).first.wait_for()
        page.get_by_role("heading", name=name.capitalize()).first.wait_for()
        if name in ("confronta", "correggi"):
            choose(page, "Compito", "e3c_clinical_entities (ner)")  # the task the other tests ran
        page.wait_for_timeout(2000)  # the page's load events fill its tables (Gradio keeps a stream open)
        shot(page, name)


def select_word(page, container, word: str) -> None:
    """Select a word with the mouse, as a person would (the component reads the selection on mouseup)."""
    box = container.evaluate(
        """(el, word) => {
          const holder = [...el.querySelectorAll('.text')].find(n => n.textContent.includes(word));
          const node = holder.firstChild, i = node.textContent.indexOf(word), range = document.createRange();
          range.setStart(node, i); range.setEnd(node, i + word.length);
          const b = range.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom];
        }""",
        word,
    )
    y = (box[1] + box[3]) / 2
    page.mouse.move(box[0] + 1, y)
    page.mouse.down()
    page.mouse.move(box[2] - 1, y, steps=5)
    page.mouse.up()
