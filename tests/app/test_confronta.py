"""Confronta's two runs compared, without a server: runs stored from hand-built predictions (no model), compared
on the records both scored, and the refusals the page shows."""

from __future__ import annotations

import threading

import gradio as gr
import pytest
from pytest import approx

from medui.backend import service
from medui.backend.data.inputs import InputError
from medui.backend.evaluation import EvalResult, load_eval_records, runner
from medui.backend.evaluation.info import RunInfo
from medui.pages.common import guarded
from medui.pages.confronta import comparison_rows, comparison_summary
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

TASK = "medmcqa_it"  # right-or-wrong records: McNemar's test applies
SPEC = get_spec(TASK)
GOLDS = load_eval_records(SPEC, "test", 24)


def _wrong(answer: str) -> str:
    return "B" if answer == "A" else "A"


def _store(model: str, golds: list[dict], right: set[str], task: str = TASK) -> int:
    """A succeeded run of `model` on `golds`, right on the records whose ids are in `right`: its id."""
    preds = [
        {"id": g["id"], "answer": g["answer"] if g["id"] in right else _wrong(g["answer"]), "valid": True}
        for g in golds
    ]
    metrics = {**score(get_spec(task), golds, preds), "model": model, "strategy": "cd"}
    result = EvalResult(
        metrics, [make_prediction(p) for p in preds], RunInfo(get_spec(task), model, "cd", split="test")
    )
    return runner.save_eval(result, records=golds).id


def _ids(golds: list[dict]) -> set[str]:
    return {g["id"] for g in golds}


def _stored_primary(run_id: int) -> float:
    metrics = service.run_metrics(run_id)
    return metrics[metrics["primary"]]


def test_two_runs_on_the_same_records_give_a_minus_b_with_its_interval(medui_home):
    golds = GOLDS[:20]
    a = _store("stub-a", golds, _ids(golds[:18]))  # 18 of 20 right
    b = _store("stub-b", golds, _ids(golds[:3]) | _ids(golds[18:19]))  # 4 of 20 right, one A got wrong
    result = service.compare_runs(a, b)
    assert result["difference"] == approx(_stored_primary(a) - _stored_primary(b)) == approx(0.7)
    lo, hi = result["ci95"]
    assert lo <= result["difference"] <= hi and lo > 0 and result["significant"]
    assert (result["wins"], result["losses"], result["ties"]) == (15, 1, 4)
    assert result["n"] == 20 and result["mcnemar"]["p_value"] < 0.01
    backwards = service.compare_runs(b, a)  # A - B, not B - A
    assert backwards["difference"] == approx(-0.7) and backwards["ci95"] == approx([-hi, -lo])

    summary = comparison_summary(result)
    assert "20 record in comune" in summary and "esclusi" not in summary
    assert "| accuracy | 90.0 | 20.0 | +70.0 |" in summary and "sì: esclude 0" in summary
    assert "A meglio in 15, B meglio in 1, pari in 4" in summary and "McNemar" in summary
    rows = comparison_rows(result)
    assert rows[0] == [golds[0]["id"], 100.0, 100.0, 0.0, "pari"]
    assert rows[3] == [golds[3]["id"], 100.0, 0.0, 100.0, "A meglio"]
    assert rows[18] == [golds[18]["id"], 0.0, 100.0, -100.0, "B meglio"]


def test_runs_on_overlapping_records_are_compared_on_the_shared_ones(medui_home):
    a = _store("stub-a", GOLDS[:16], _ids(GOLDS[:8]))
    b = _store("stub-b", GOLDS[4:], _ids(GOLDS[4:6]) | _ids(GOLDS[20:]))
    shared = GOLDS[4:16]
    result = service.compare_runs(a, b)
    assert result["n"] == 12 and [r["id"] for r in result["records"]] == [g["id"] for g in shared]
    expected_a = score(SPEC, shared, [{"id": g["id"], "answer": g["answer"]} for g in GOLDS[4:8]])
    expected_b = score(SPEC, shared, [{"id": g["id"], "answer": g["answer"]} for g in GOLDS[4:6]])
    assert result["a"] == approx(expected_a["accuracy"]) == approx(4 / 12)
    assert result["difference"] == approx(expected_a["accuracy"] - expected_b["accuracy"])
    assert result["wins"] + result["losses"] + result["ties"] == 12
    assert result["ci95"][0] <= result["difference"] <= result["ci95"][1] and not result["significant"]
    assert (result["run_a"]["records"], result["run_b"]["records"]) == (16, 20)
    summary = comparison_summary(result)
    assert (
        "12 record in comune** (esclusi: 4 solo in A, 8 solo in B)" in summary and "no: include 0" in summary
    )


def test_runs_that_cannot_be_compared_are_refused_in_italian(medui_home):
    compare = guarded(service.compare_runs)  # as the page calls it: a clear message, never a traceback
    a = _store("stub-a", GOLDS[:10], _ids(GOLDS[:5]))
    apart = _store("stub-b", GOLDS[10:20], _ids(GOLDS[10:15]))
    record = ner_record("n1")
    info = RunInfo(get_spec(NER_TASK), "stub-a", "cd", split="test")
    ner = runner.save_eval(
        EvalResult({"model": "stub-a", "strategy": "cd"}, [make_prediction(record)], info), records=[record]
    ).id
    refusals = {
        (a, a): "stessa valutazione",
        (a, ner): "solo valutazioni dello stesso compito",
        (a, apart): "non hanno record in comune",
        (a, 999): "la valutazione 999 non esiste",
    }
    for (first, second), message in refusals.items():
        with pytest.raises(gr.Error, match=message):
            compare(first, second)


@pytest.fixture
def tiny(tiny_model_dir, medui_home, monkeypatch):
    from medui.config import get_settings

    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(tiny_model_dir))  # the app may load it
    get_settings.cache_clear()
    return str(tiny_model_dir)


def test_the_same_evaluation_is_not_started_twice_while_it_runs(tiny, monkeypatch):
    """A second click (or request) for the evaluation already running is refused; another limit is another
    evaluation; once the first has ended the same one can start again."""
    from medui.backend.service import evaluations

    release, real = threading.Event(), evaluations._evaluate
    monkeypatch.setattr(evaluations, "_evaluate", lambda *args: release.wait(60) and real(*args))
    first = service.start_evaluation(TASK, "test", tiny, "cd", 2)
    try:
        with pytest.raises(InputError, match=rf"la valutazione #{first['id']} .* è già in corso"):
            service.start_evaluation(TASK, "test", tiny, "cd", 2)
        other = service.start_evaluation(TASK, "test", tiny, "cd", 3)
        assert other["id"] != first["id"]
    finally:
        release.set()
    _wait_for(first, other)
    again = service.start_evaluation(TASK, "test", tiny, "cd", 2)
    assert again["id"] not in (first["id"], other["id"])
    _wait_for(again)


def _wait_for(*runs: dict) -> None:
    """Join the runs' evaluation threads (named medui-eval-ID by service.start_evaluation): no clock involved."""
    names = {f"medui-eval-{r['id']}" for r in runs}
    for thread in threading.enumerate():
        if thread.name in names:
            thread.join()
    assert all(service.get_run(r["id"])["status"] == "succeeded" for r in runs)
