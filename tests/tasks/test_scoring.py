"""Scoring: the count of predicted spans that cut a word, beside the task's metrics."""

from __future__ import annotations

from medui.tasks.registry import get_spec
from medui.tasks.scoring import cut_spans, score

TEXT = "Paziente iperteso, all'ECG ritmo sinusale; PSA 2,3 ng/ml."


def _entity(start: int, end: int, label: str = "CLINENTITY") -> dict:
    return {"start": start, "end": end, "label": label, "text": TEXT[start:end]}


def test_spans_that_start_or_end_inside_a_word_are_counted():
    whole = [_entity(9, 17), _entity(23, 26), _entity(47, 50)]  # "iperteso", "ECG", "2,3"
    cut = [
        _entity(14, 16),
        _entity(10, 17),
        _entity(48, 50),
    ]  # "es" and "perteso" in "iperteso", ",3" of "2,3"
    preds = [{"id": "a", "text": TEXT, "entities": whole + cut}, {"id": "b", "text": "", "entities": []}]
    assert cut_spans(preds) == (6, 3)


def test_span_tasks_report_cut_spans_and_other_tasks_do_not():
    spec = get_spec("e3c_clinical_entities")
    gold = {"id": "a", "text": TEXT, "entities": [_entity(9, 17)]}
    pred = {"id": "a", "text": TEXT, "entities": [_entity(9, 17), _entity(14, 16)], "valid": True}
    metrics = score(spec, [gold], [pred])
    assert metrics["predicted_spans"] == 2 and metrics["cut_spans"] == 1
    qa = get_spec("medqa_it")
    question = {"id": "q", "question": "?", "options": {"A": "x", "B": "y"}, "answer": "A"}
    assert "cut_spans" not in score(qa, [question], [{**question, "valid": True}])
