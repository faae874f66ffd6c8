"""The default model prepared when the app starts (issue 24, service/warmup.py): the first run reuses what the
warm-up built, and a warm-up that fails says why in Italian on Prova and leaves the app usable."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from medui.backend import service
from medui.backend.inference import models
from medui.backend.service import running, warmup
from medui.config import get_settings
from medui.pages.preparing import warmup_updates

NOTE = "Uomo di 68 anni con tosse e dolore toracico. Assume metformina per diabete mellito di tipo 2."
JOIN_S = 300  # a generous bound for the tiny model's warm-up on a loaded machine (not a speed check)


@pytest.fixture
def fresh(tiny_model_dir, medui_home, monkeypatch):
    """The tiny model as the app's default, the warm-up on, and nothing of it loaded or built yet."""
    monkeypatch.setenv("MEDUI_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("MEDUI_WARMUP", "1")
    get_settings.cache_clear()
    warmup.reset()
    running.drop_engines()
    models.unload()
    yield str(tiny_model_dir)
    warmup.reset()
    running.drop_engines()
    models.unload()


def test_the_warmup_builds_what_the_first_run_uses_so_it_compiles_nothing(fresh, monkeypatch):
    thread = warmup.start()
    assert thread is not None
    thread.join(JOIN_S)
    done = warmup.state()
    assert (done.phase, done.model, done.tasks) == ("ready", fresh, warmup.WARM_TASKS)
    lm = models.load(fresh)
    assert len(lm.caches.constraints) == 2  # the entities' schema and the form's
    assert lm.caches.copy_tables is not None and lm.caches.prefixes  # what the first decoding builds lazily
    assert warmup.start() is None  # prepared once

    import outlines_core

    def compiled_again(*args, **kwargs):
        raise AssertionError("the run compiled a constraint the warm-up had built")

    monkeypatch.setattr(outlines_core, "Index", compiled_again)
    strategy = service.model_strategy(fresh)
    entities = service.run_task("e3c_clinical_entities", fresh, strategy, NOTE)
    form = service.run_task("ed_dyspnea_crf", fresh, strategy, NOTE)
    assert "entities" in entities and "fields" in form
    assert models.load(fresh) is lm and len(lm.caches.constraints) == 2
    line, timer = warmup_updates()
    assert line.replace("\\", "").startswith(f"✅ Modello pronto: {fresh} (preparato in ")
    assert timer.active is False


def test_prova_says_the_model_is_being_prepared_while_the_warmup_runs(fresh, monkeypatch):
    release = threading.Event()
    built = running.engine_for

    def slow_engine_for(*args, **kwargs):
        release.wait(JOIN_S)
        return built(*args, **kwargs)

    monkeypatch.setattr(running, "engine_for", slow_engine_for)
    thread = warmup.start()  # returns at once: the page does not wait for it
    assert thread is not None and thread.is_alive()
    try:
        deadline = time.monotonic() + JOIN_S
        while "vincolo" not in warmup.state().step and time.monotonic() < deadline:
            time.sleep(0.1)  # the model loads first; then the engine step waits for `release`
        line, timer = warmup_updates()
        assert "Preparazione del modello in corso…" in line and "Entità cliniche" in line.replace("\\", "")
        assert timer.active is True
    finally:
        release.set()
        thread.join(JOIN_S)
    assert warmup.state().phase == "ready"


def test_a_missing_default_model_is_not_loaded_and_prova_says_why(fresh, medui_home, monkeypatch):
    missing = medui_home / "nessun-modello"
    monkeypatch.setenv("MEDUI_MODEL", str(missing))
    get_settings.cache_clear()
    done = warmup.prepare(str(missing))
    assert done.phase == "failed" and "non esiste" in done.reason
    assert models.loaded() == []
    line, timer = warmup_updates()
    line = line.replace("\\", "")  # as Markdown shows it
    assert line.startswith("⚠️ Preparazione del modello non riuscita: la cartella del modello")
    assert "Puoi comunque eseguire i compiti" in line and timer.active is False


def test_a_failing_warmup_is_logged_never_fatal_and_the_page_still_runs(fresh, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    with monkeypatch.context() as patched:
        patched.setattr(running, "engine_for", broken)
        with caplog.at_level(logging.ERROR, logger=warmup.__name__):
            thread = warmup.start()
            thread.join(JOIN_S)
    done = warmup.state()
    assert done.phase == "failed" and done.reason.startswith("errore imprevisto (RuntimeError)")
    assert "warm-up of" in caplog.text and "boom" in caplog.text  # the traceback is in the log
    line, _ = warmup_updates()
    assert "Preparazione del modello non riuscita: errore imprevisto (RuntimeError)" in line.replace("\\", "")

    from medui.app import build_demo

    build_demo()  # the pages build as ever
    result = service.run_task("e3c_clinical_entities", fresh, service.model_strategy(fresh), NOTE)
    assert "entities" in result  # a run loads and builds what it needs itself


def test_the_warmup_is_off_when_asked(fresh, monkeypatch):
    monkeypatch.setenv("MEDUI_WARMUP", "0")
    get_settings.cache_clear()
    assert warmup.start() is None and warmup.state().phase == "off"
    assert warmup_updates()[0] == ""
    monkeypatch.setenv("MEDUI_WARMUP", "1")
    get_settings.cache_clear()
    assert warmup.start("openai:served") is None  # a served model has nothing to prepare here
    assert warmup.state().phase == "off"


def test_the_model_lock_counts_who_waits_for_it():
    lock = service.MODEL_LOCK
    assert lock.waiting() == 0
    got = threading.Event()

    def waiter():
        with lock:
            got.set()

    with lock, lock:  # reentrant, as the lock it replaces
        thread = threading.Thread(target=waiter)
        thread.start()
        deadline = time.monotonic() + JOIN_S
        while lock.waiting() < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lock.waiting() == 1 and not got.is_set()
    thread.join(JOIN_S)
    assert got.is_set() and lock.waiting() == 0


def test_a_sample_run_gives_way_to_a_run_that_waits_for_the_model(fresh, monkeypatch):
    """A run that starts waiting for the model during the warm-up's sample run goes first: the sample run stops
    at its next decoding step (that task is left out of the prepared ones) and the warm-up still ends ready."""
    order: list[str] = []
    predict = warmup.runner.predict

    def predict_and_a_run_arrives(engine, records, **kwargs):
        on_text = kwargs.pop("on_text")
        arrived: list[threading.Thread] = []

        def first_step_then_a_waiting_run(unit, text):
            if not arrived:  # a page run clicks now, while the sample run holds the model
                arrived.append(threading.Thread(target=lambda: _take_model(order)))
                arrived[0].start()
                deadline = time.monotonic() + JOIN_S
                while service.MODEL_LOCK.waiting() < 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
            on_text(unit, text)  # the warm-up's own callback: it gives way here
            order.append("sample run went on")

        try:
            return predict(engine, records, on_text=first_step_then_a_waiting_run, **kwargs)
        finally:
            order.append("sample run ended")

    monkeypatch.setattr(warmup.runner, "predict", predict_and_a_run_arrives)
    done = warmup.prepare(fresh)
    assert done.phase == "ready" and done.tasks == ()  # both sample runs gave way
    assert "sample run went on" not in order
    assert order.index("sample run ended") < order.index("the run had the model")


def _take_model(order: list[str]) -> None:
    with service.MODEL_LOCK:
        order.append("the run had the model")
