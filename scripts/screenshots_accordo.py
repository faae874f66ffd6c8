"""Screenshots of the Accordo page for the docs: the agreement view and the adjudication view.

Usage: python scripts/screenshots_accordo.py [--out docs/screenshots]
It fills a temporary home with short e3c_clinical_entities test records: a run of hand-made predictions (the
gold without its last mention, named `predizioni-di-esempio`: no model is run), anna's corrections (the gold)
and bruno's (a mention dropped, some cut short), and a curator; then it starts the app there and drives Debian's
Chromium (MEDUI_CHROMIUM, default /usr/bin/chromium) as the curator.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TASK = "e3c_clinical_entities"
USERS = (("anna", "annotator"), ("bruno", "annotator"), ("cura", "curator"))
PASSWORD = "password-esempio"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"]


def bruno_version(record: dict, i: int) -> dict:
    """The gold with its i-th mention dropped and, every other record, the first mention cut to its first word."""
    entities = [e for j, e in enumerate(record["entities"]) if j != i % len(record["entities"])]
    first = entities[0]
    if i % 2 == 0 and " " in first["text"]:
        end = first["start"] + first["text"].index(" ")
        entities[0] = {**first, "end": end, "text": record["text"][first["start"] : end]}
    return {"id": record["id"], "entities": entities}


def seed(limit: int = 8) -> None:
    """Users, a run of hand-made predictions and two annotators' corrections, in MEDUI_HOME's database."""
    from medui.backend.data import gold
    from medui.backend.evaluation.info import RunInfo
    from medui.backend.inference.engine import Prediction
    from medui.backend.service import auth
    from medui.backend.store import repo
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.db import session_scope
    from medui.tasks.records import doc_hash
    from medui.tasks.registry import get_spec

    spec = get_spec(TASK)
    short = [
        r for r in gold.load_split(spec, "test") if 2 <= len(r["entities"]) <= 8 and len(r["text"]) < 420
    ]
    records = short[:limit]
    with session_scope() as session:
        for name, role in USERS:
            auth.add_user(name, role, PASSWORD, session=session)
        run = repo.save_run(RunInfo(spec, "predizioni-di-esempio", "cd", split="test"), session=session)
        made = [{**r, "entities": r["entities"][:-1]} for r in records]
        predictions = [
            Prediction(record=m, raw="", prompt_hash="0" * 16, doc_hash=doc_hash(m), latency=0.0,
                       prompt_tokens=0, output_tokens=0, confidence=None)
            for m in made
        ]  # fmt: skip
        stored = repo.save_predictions(run, predictions, records, session=session)
        for i, (record, prediction) in enumerate(zip(records, stored, strict=True)):
            anna = {"id": record["id"], "entities": record["entities"]}
            add_correction(anna, "anna", prediction_id=prediction.id, session=session)
            add_correction(bruno_version(record, i), "bruno", prediction_id=prediction.id, session=session)


def serve(home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "MEDUI_HOME": str(home),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONPATH": str(REPO),
    }
    command = [sys.executable, "-m", "medui.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/config", timeout=5)
            break
        except urllib.error.HTTPError:
            break  # 401: it is up, and asks for a login
        except OSError:
            time.sleep(1)
    return proc, url


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = os.environ.get("MEDUI_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(url + "/")
        page.get_by_label(re.compile("username", re.I)).fill("cura")
        page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
        page.keyboard.press("Enter")
        page.locator("#medui-notice").first.wait_for()
        page.goto(url + "/accordo")
        expect(page.locator("#accordo-tabella")).to_contain_text("anna ~ bruno")
        page.get_by_label("Valutazione come annotatore").click()
        page.get_by_role("option", name=re.compile("predizioni-di-esempio")).click()
        page.click("#accordo-calcola")
        expect(page.locator("#accordo-tabella")).to_contain_text("modello #1 ~ anna")
        page.screenshot(path=out / "accordo.png")
        page.locator("#accordo-documento input").fill("3")  # bruno dropped one mention, cut one, kept one
        page.click("#accordo-apri")
        expect(page.locator("#accordo-versioni mark.medui-diff").first).to_be_visible()
        page.locator("#accordo-scelta label", has_text="prendi la versione di anna").click()
        page.locator("#accordo-documento").evaluate("element => element.scrollIntoView()")
        page.screenshot(path=out / "accordo-aggiudicazione.png")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="medui-accordo-"))
    os.environ["MEDUI_HOME"] = str(home)  # before medui reads its settings
    seed()
    proc, url = serve(home)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        shoot(url, args.out)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"written: {args.out / 'accordo.png'}, {args.out / 'accordo-aggiudicazione.png'}")


if __name__ == "__main__":
    main()
