"""Browser (Playwright, Debian's Chromium): Prova says in Italian how a note longer than the task was trained on
was read (issue 24), under the run's figures."""

from __future__ import annotations

import pytest

from tests.app.browsing import choose, logged_in, playwright_or_skip

sync_api = playwright_or_skip()
NOTE = "Il paziente riferisce dolore toracico e dispnea da sforzo. " * 40  # 2,360 characters


@pytest.fixture
def page(browser, app_server):
    """A page logged in as the annotator."""
    with logged_in(browser, app_server.url, *app_server.auth("anna")) as page:
        yield page


def test_prova_says_how_a_note_longer_than_the_trained_ones_was_read(page, app_server):
    page.goto(app_server.url + "/")
    choose(page, "Compito", "Entità cliniche (E3C)")
    page.get_by_label("Testo").fill(NOTE)
    page.click("#prova-esegui")
    stats = page.locator("#prova-stats")
    sync_api.expect(stats).to_contain_text(
        "Il testo è lungo 2.360 caratteri; il compito è stato addestrato su testi fino a 2.072 caratteri",
        timeout=240_000,
    )
    sync_api.expect(stats).to_contain_text("medui lo legge in 3 finestre di frasi intere")
