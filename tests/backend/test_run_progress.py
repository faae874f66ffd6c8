"""Prova's progress (issue 24): a run says what it is doing and for how long, and reports the time waited."""

from __future__ import annotations

import time

import pytest

from medui.backend import service
from medui.backend.service import running
from medui.pages.prova import stats_markdown, status_markdown

TASK = "e3c_clinical_entities"
SERVED = "openai:stub-model"


def test_a_slow_load_is_announced_with_the_seconds_waited_and_the_result_reports_the_wait(stub, monkeypatch):
    monkeypatch.setattr(running, "TICK_S", 0.02)
    build = running.engine_for

    def slow_engine_for(*args, **kwargs):
        time.sleep(0.3)
        return build(*args, **kwargs)

    monkeypatch.setattr(running, "engine_for", slow_engine_for)
    updates = list(service.run_stream(TASK, SERVED, "cd", "Paziente con febbre alta da tre giorni."))
    loading = [u.status for u in updates if u.status.startswith("Caricamento del modello openai:stub-model")]
    assert len(loading) >= 3 and loading[-1].endswith(" s")
    assert updates[-1].result is not None and not updates[-1].status
    result = updates[-1].result
    assert result["waited_seconds"] >= 0.3 and result["waited_seconds"] >= result["seconds"]
    assert stats_markdown(result).startswith(f"**{result['waited_seconds']:.1f} s di attesa** (modello ")


def test_a_failing_load_reaches_the_caller_as_itself(stub, monkeypatch):
    monkeypatch.setattr(running, "TICK_S", 0.02)

    def broken(*args, **kwargs):
        time.sleep(0.1)
        raise running.InputError("modello rotto")

    monkeypatch.setattr(running, "engine_for", broken)
    with pytest.raises(running.InputError, match="^modello rotto$"):
        list(service.run_stream(TASK, SERVED, "cd", "Febbre."))


def test_a_long_note_is_read_in_windows_and_the_status_says_how_many(stub):
    engine = running.engine_for(SERVED, TASK, "cd")
    short = {"id": "a", "text": "Febbre alta."}
    long = {"id": "b", "text": "Il paziente riferisce dolore toracico e dispnea da sforzo. " * 400}
    assert engine.window_count(short) == 1
    assert engine.window_count(long) > 1


def test_the_status_line_is_plain_text():
    assert status_markdown("") == ""
    shown = status_markdown("Caricamento del modello ![x](http://h/b.png) … 3 s")
    assert shown.startswith("⏳ ") and "](" not in shown
