"""What the browser tests share: Debian's Chromium driven by Playwright, a login, a dropdown choice, and the app
launched on the tiny NER model with the three test users."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.conftest import USERS, AppServer, launched_app
from tests.app.tiny_ner import make_tiny_ner_model

CHROMIUM = Path(os.environ.get("MEDUI_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 900}
NOTICE = "Non incollare dati identificativi dei pazienti; tutto gira su questa macchina."


def playwright_or_skip():
    """Playwright's sync API, at a browser test module's top; the module is skipped without Playwright or
    Chromium, unless MEDUI_REQUIRE_BROWSER is set (CI sets it: the browser tests must run there)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
    if not CHROMIUM.exists():
        if os.environ.get("MEDUI_REQUIRE_BROWSER"):
            raise RuntimeError(f"{CHROMIUM} missing and MEDUI_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} missing: apt-get install chromium", allow_module_level=True)
    return sync_api


def login(page, url: str, name: str, password: str) -> None:
    """Log in through the app's form (medui's Italian one) and wait for the page (its notice) to show."""
    page.set_default_timeout(60_000)
    page.goto(url + "/")
    page.get_by_label("Nome utente").fill(name)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    page.get_by_text(NOTICE).first.wait_for()


@contextlib.contextmanager
def logged_in(browser, url: str, name: str, password: str, **options) -> Iterator:
    """A page of a new browser context (1280x900 unless `options`, as browser.new_context takes them, say
    otherwise) logged in through the app's form as `name`; the context is closed after, also when a test fails."""
    context = browser.new_context(**{"viewport": VIEWPORT, **options})
    try:
        page = context.new_page()
        login(page, url, name, password)
        yield page
    finally:
        context.close()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a gr.Dropdown."""
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()


@contextlib.contextmanager
def tiny_app(tiny_model_dir: Path, base: Path) -> Iterator[AppServer]:
    """The app on a fresh home under `base`, on the tiny NER model, with the test users."""
    model = make_tiny_ner_model(tiny_model_dir, base / "ner")
    (base / "home").mkdir()
    users = [(name, role, password) for name, (role, password) in USERS.items()]
    with launched_app(base / "home", model, users) as server:
        yield server


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


def edit_cell(cell, value: str, done, tries: int = 3) -> None:
    """Type `value` over a gr.Dataframe cell and press Enter, until `done()` (an expectation that raises
    AssertionError) holds. The cell's editor mounts after the double-click and takes the focus a frame later; on a
    loaded machine a double-click is now and then missed, or a late update of the table redraws it over the edit:
    then the cell is edited again, as a person would."""
    from playwright import sync_api

    for attempt in range(tries):
        cell.dblclick()
        field = cell.locator("textarea, input").first
        try:
            sync_api.expect(field).to_be_focused(timeout=5_000)
            field.fill(value)
            field.press("Enter")
            done()
            return
        except AssertionError:  # the editor did not open, or the edit did not hold
            if attempt == tries - 1:
                raise
