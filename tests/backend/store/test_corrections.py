"""Corrections: validated against the task, append-only, one chain per annotator, the queue and rescoring."""

from __future__ import annotations

import pytest
from sqlmodel import select

from medui.backend.evaluation.info import RunInfo
from medui.backend.store import repo
from medui.backend.store.corrections import (
    CorrectionError,
    add_correction,
    annotator_versions,
    correction_history,
    correction_queue,
    latest_corrections,
)
from medui.backend.store.in_force import rescore_run, rescore_with_correction
from medui.backend.store.tables import Correction, User
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, TEXT, make_prediction, ner_record

BOTH = ((13, 24), (27, 38))


def _predictions(session, preds: list[tuple[str, float | None]], task: str = NER_TASK, golds=None):
    """A run of hand-made predictions (one febbre-alta entity each) on records named by id."""
    run = repo.save_run(RunInfo(get_spec(task), "m", "cd", split="test"), session=session)
    made = [make_prediction(ner_record(rid), confidence=c) for rid, c in preds]
    gold = golds or [ner_record(rid, spans=BOTH) for rid, _ in preds]
    return run, repo.save_predictions(run, made, gold, session=session)


def test_an_edit_points_at_the_prediction_and_rescores_it(session):
    _, (pred,) = _predictions(session, [("a", 0.5)])
    fixed = ner_record("a", spans=((27, 38),))
    corr = add_correction(fixed, "anna", prediction_id=pred.id, note="solo tosse", session=session)
    assert (corr.kind, corr.document_id, corr.task, corr.note) == (
        "edit",
        pred.document_id,
        NER_TASK,
        "solo tosse",
    )
    assert corr.counts == {**corr.counts, "tp": 0, "fp": 1, "fn": 1} and corr.score == 0.0
    assert session.exec(select(User)).one().name == "anna" and corr.user_id is not None
    assert rescore_with_correction(pred.id, session=session) == (corr.counts, corr.score)


def test_accepting_a_prediction_stores_its_record(session):
    _, (pred,) = _predictions(session, [("a", 0.5)])
    corr = add_correction(None, "anna", prediction_id=pred.id, kind="accept", session=session)
    assert corr.kind == "accept" and corr.score == 1.0
    assert corr.record == {"id": "a", "text": TEXT, "entities": pred.record["entities"]}
    with pytest.raises(CorrectionError, match="only a prediction can be accepted"):
        add_correction(None, "anna", document_id=pred.document_id, kind="accept", session=session)


def test_each_annotator_has_a_chain_of_their_own_where_their_latest_wins(session):
    _, (pred, other) = _predictions(session, [("a", 0.5), ("b", 0.5)])
    first = add_correction(ner_record("a"), "anna", prediction_id=pred.id, session=session)
    second = add_correction(ner_record("a", spans=BOTH), "bruno", prediction_id=pred.id, session=session)
    third = add_correction(ner_record("b", spans=()), "anna", document_id=other.document_id, session=session)
    fourth = add_correction(ner_record("a", spans=()), "anna", prediction_id=pred.id, session=session)
    assert [c.supersedes_id for c in (first, second, third, fourth)] == [None, None, None, first.id]
    doc = pred.document_id
    assert [c.id for c in correction_history(doc, session=session)] == [first.id, second.id, fourth.id]
    assert [c.id for c in correction_history(doc, annotator="anna", session=session)] == [first.id, fourth.id]
    assert {n: c.id for n, c in annotator_versions(doc, session=session).items()} == {
        "anna": fourth.id, "bruno": second.id
    }  # fmt: skip
    assert [c.id for c in latest_corrections(NER_TASK, session=session)] == [fourth.id, second.id, third.id]
    assert [c.id for c in latest_corrections(NER_TASK, annotator="bruno", session=session)] == [second.id]
    assert len(session.exec(select(Correction)).all()) == 4
    assert latest_corrections(NER_TASK, split="train", session=session) == []


@pytest.mark.parametrize(
    ("entity", "message"),
    [
        ({"start": 30, "end": 99, "label": "CLINENTITY"}, "offsets 30..99 outside the text"),
        ({"start": 13, "end": 24, "label": "DRUG"}, "label 'DRUG' is not one of CLINENTITY"),
        ({"start": 13, "end": 24, "label": "CLINENTITY", "text": "febbre"}, "text 'febbre' differs"),
        ({"start": 20, "end": 13, "label": "CLINENTITY"}, "outside the text"),
    ],
)
def test_invalid_spans_are_refused_with_the_first_problem(session, entity, message):
    _, (pred,) = _predictions(session, [("a", 0.5)])
    record = {"id": "a", "text": TEXT, "entities": [entity, {"start": 0, "end": 1, "label": "X"}]}
    with pytest.raises(CorrectionError, match=message) as info:
        add_correction(record, "anna", prediction_id=pred.id, session=session)
    assert f"{NER_TASK}/a" in str(info.value) and "(and 1 more)" in str(info.value)
    assert session.exec(select(Correction)).all() == []


def test_a_correction_keeps_the_document_text_and_id(session):
    _, (pred,) = _predictions(session, [("a", 0.5)])
    with pytest.raises(CorrectionError, match="text differs from the document"):
        add_correction({"text": "Altro.", "entities": []}, "anna", prediction_id=pred.id, session=session)
    with pytest.raises(CorrectionError, match="record id 'b' differs"):
        add_correction({"id": "b", "entities": []}, "anna", prediction_id=pred.id, session=session)
    entity = {"start": 27, "end": 38, "label": "CLINENTITY"}
    corr = add_correction({"entities": [entity]}, "anna", prediction_id=pred.id, session=session)
    assert corr.record == {"id": "a", "text": TEXT, "entities": [{**entity, "text": "tosse secca"}]}


def test_a_correction_names_a_prediction_or_its_document(session):
    _, (pred, other) = _predictions(session, [("a", 0.5), ("b", 0.5)])
    with pytest.raises(CorrectionError, match="names a prediction or a document"):
        add_correction(ner_record("a"), "anna", session=session)
    with pytest.raises(CorrectionError, match=f"is not about document {other.document_id}"):
        add_correction(
            ner_record("a"), "anna", prediction_id=pred.id, document_id=other.document_id, session=session
        )
    with pytest.raises(CorrectionError, match="unknown correction kind"):
        add_correction(ner_record("a"), "anna", prediction_id=pred.id, kind="delete", session=session)
    with pytest.raises(repo.NotFound):
        add_correction(ner_record("a"), "anna", prediction_id=999, session=session)


def test_data_entered_by_hand_is_corrected_on_its_document(session):
    (doc,) = repo.ensure_documents(
        NER_TASK, "user", [ner_record("hand", spans=())], gold=False, session=session
    )
    corr = add_correction(ner_record("hand"), "anna", document_id=doc.id, session=session)
    assert corr.prediction_id is None and corr.counts is None


def test_relations_and_forms_and_answers_are_checked(session):
    text = "Emoglobina 9 g/dl al prelievo."
    ents = [
        {"id": "T1", "start": 0, "end": 17, "label": "RML"},
        {"id": "T2", "start": 21, "end": 29, "label": "EVENT"},
    ]
    re_doc, crf_doc, qa_doc = (
        repo.ensure_documents(task, "user", [rec], gold=False, session=session)[0]
        for task, rec in [
            ("e3c_measurement_links", {"id": "r", "text": text}),
            ("ed_dyspnea_crf", {"id": "c", "text": "Dispnea acuta."}),
            ("medqa_it", {"id": "q", "question": "Quale?", "options": dict.fromkeys("ABCDE", "x")}),
        ]
    )
    bad_rel = {"entities": ents, "relations": [{"head": "T1", "tail": "T2", "label": "CAUSES"}]}
    with pytest.raises(CorrectionError, match="label 'CAUSES' is not one of PERTAINS"):
        add_correction(bad_rel, "anna", document_id=re_doc.id, session=session)
    good_rel = {"entities": ents, "relations": [{"head": "T1", "tail": "T2", "label": "PERTAINS"}]}
    assert add_correction(good_rel, "anna", document_id=re_doc.id, session=session).record["entities"][0][
        "text"
    ]
    with pytest.raises(CorrectionError, match="insorgenza"):
        add_correction(
            {"fields": {"insorgenza": "improvvisa"}}, "anna", document_id=crf_doc.id, session=session
        )
    with pytest.raises(CorrectionError, match="unknown form item 'colore'"):
        add_correction({"fields": {"colore": "rosso"}}, "anna", document_id=crf_doc.id, session=session)
    assert add_correction(
        {"fields": {"insorgenza": "acuta"}}, "anna", document_id=crf_doc.id, session=session
    )
    with pytest.raises(CorrectionError, match="answer 'F' is not one of"):
        add_correction({"answer": "F"}, "anna", document_id=qa_doc.id, session=session)
    corr = add_correction({"answer": "B"}, "anna", document_id=qa_doc.id, session=session)
    assert corr.record["question"] == "Quale?" and corr.record["answer"] == "B"


def test_the_queue_puts_least_confident_first_then_oldest(session):
    _, rows = _predictions(session, [("a", 0.9), ("b", None), ("c", 0.2), ("d", 0.2), ("e", 0.5)])
    session.commit()
    queue = correction_queue(NER_TASK, session=session)
    assert [session.get(type(p), p.id).record["id"] for p in queue] == ["c", "d", "e", "a", "b"]
    add_correction(None, "anna", prediction_id=rows[2].id, kind="accept", session=session)
    assert [p.record["id"] for p in correction_queue(NER_TASK, limit=2, session=session)] == ["d", "e"]
    assert correction_queue("e3c_events", session=session) == []


def test_the_queue_shows_a_document_once_with_its_newest_prediction(session):
    first_run, _ = _predictions(session, [("a", 0.1)])
    second_run, (newer,) = _predictions(session, [("a", 0.8)])
    assert [p.id for p in correction_queue(NER_TASK, session=session)] == [newer.id]
    assert [p.run_id for p in correction_queue(NER_TASK, run_id=first_run.id, session=session)] == [
        first_run.id
    ]


def test_a_run_is_rescored_on_corrected_data_without_inference(session):
    run, rows = _predictions(session, [("a", 0.5), ("b", 0.5)])
    before = rescore_run(run.id, session=session)
    assert before["f1"] == pytest.approx(2 / 3) and before["corrected"] == 0
    add_correction(None, "anna", prediction_id=rows[0].id, kind="accept", session=session)
    after = rescore_run(run.id, session=session)
    assert after["corrected"] == 1 and after["f1"] == pytest.approx(4 / 5)
    with pytest.raises(repo.NotFound, match="has no correction"):
        rescore_with_correction(rows[1].id, session=session)
