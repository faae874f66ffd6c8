"""Browser end to end for Modelli (issue 24): the page opens on the shipped adapter with its model card rendered
and its score table filled; no column header is broken inside a word; raw HTML in a model card does not run."""

from __future__ import annotations

import json
import shutil

import pytest

from medui.config import SHIPPED_MODELS_DIR
from tests.app.browsing import choose, logged_in, playwright_or_skip
from tests.app.conftest import ARTIFACTS

SHIPPED = "gemma-3-270m-ft"
HOSTILE = "scheda-ostile"
HOSTILE_CARD = (
    '# Scheda ostile\n\nTesto **in grassetto**.\n\n<img src=x onerror="window.__medui_pwned = 1">\n\n'
    "<script>window.__medui_pwned = 2</script>\n\n[collegamento](javascript:window.__medui_pwned=3)\n"
)
# every word (run of letters and digits: a line may end after a hyphen, as in few-|shot) of every header of the
# page's tables drawn in one piece (a word broken across lines has 2 boxes)
BROKEN_HEADER_WORDS = """() => {
  const broken = [];
  for (const th of document.querySelectorAll('.medui-table th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = [...range.getClientRects()].filter(r => r.width > 0);
        if (boxes.length > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

sync_api = playwright_or_skip()
pytestmark = pytest.mark.skipif(
    not (SHIPPED_MODELS_DIR / SHIPPED / "README.md").is_file(), reason="no shipped adapter in this checkout"
)


@pytest.fixture
def hostile_adapter(app_server):
    """An adapter folder whose model card holds raw HTML and a javascript: link, removed afterwards."""
    folder = app_server.home / "adapters" / HOSTILE
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "gemma-3-270m"}))
    (folder / "medui.json").write_text(json.dumps({"base": "gemma-3-270m", "objective": "sft"}))
    (folder / "README.md").write_text(HOSTILE_CARD, encoding="utf-8")
    yield HOSTILE
    shutil.rmtree(folder)


@pytest.mark.parametrize("width", [1440, 800])
def test_modelli_opens_on_the_shipped_card_and_scores_with_whole_header_words(browser, app_server, width):
    viewport = {"width": width, "height": 900}
    with logged_in(browser, app_server.url, *app_server.auth("ricerca"), viewport=viewport) as page:
        page.goto(app_server.url + "/modelli")
        card = page.locator("#modelli-scheda")
        card.get_by_role("heading", name=SHIPPED).wait_for()  # the card's Markdown rendered, not its source
        card.get_by_role("heading", name="Evaluation (primary metric x100)").wait_for()
        assert "# " + SHIPPED not in card.inner_text()
        scores = page.locator("#modelli-punteggi")
        scores.get_by_text("e3c_actors").first.wait_for()
        assert scores.get_by_text("33.5").count() >= 1  # the adapter's e3c_actors score in the shipped study
        page.wait_for_function(  # the paired intervals follow (a bootstrap of 20 tasks, once per app process)
            "() => !document.querySelector('#modelli-nota-punteggi').innerText.includes('in calcolo')",
            timeout=300_000,
        )
        assert scores.get_by_text("vs base few-shot+cd").count() >= 20
        page.locator("#modelli-tabella").get_by_text("parametri").first.wait_for()
        assert page.evaluate(BROKEN_HEADER_WORDS) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"modelli-{width}.png", full_page=True)


def test_raw_html_in_a_model_card_does_not_run(browser, app_server, hostile_adapter):
    with logged_in(browser, app_server.url, *app_server.auth("ricerca")) as page:
        page.goto(app_server.url + "/modelli")
        page.locator("#modelli-scheda").get_by_role("heading", name=SHIPPED).wait_for()
        choose(page, "Adattatore", hostile_adapter)
        card = page.locator("#modelli-scheda")
        card.get_by_role("heading", name="Scheda ostile").wait_for()
        assert card.locator("strong").inner_text() == "in grassetto"
        page.wait_for_timeout(1000)  # an onerror would have fired by now
        assert page.evaluate("() => window.__medui_pwned") is None
        assert card.locator("script").count() == 0 and card.locator("img[onerror]").count() == 0
        href = card.get_by_text("collegamento").get_attribute("href") or ""
        assert not href.startswith("javascript:")
