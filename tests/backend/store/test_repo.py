"""Users, documents, runs and predictions: what is stored, how predictions are scored against gold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from medui.backend.evaluation.info import RunInfo
from medui.backend.store import repo
from medui.backend.store.tables import Document, Prediction, User
from medui.tasks.registry import UnknownTask, get_spec
from tests.backend.store.records import NER_TASK, TEXT, make_prediction, ner_record

OTHER_TASK = "medqa_it"


def _run(session, split=None, **kwargs):
    return repo.save_run(
        RunInfo(get_spec(NER_TASK), "gemma-3-270m", "cd", split=split), session=session, **kwargs
    )


def test_get_or_create_user_is_idempotent(session):
    anna = repo.get_or_create_user("anna", "clinician", session=session)
    assert repo.get_or_create_user("anna", "researcher", session=session).id == anna.id
    assert anna.role == "clinician"
    with pytest.raises(repo.StoreError, match="unknown role"):
        repo.get_or_create_user("bob", "admin", session=session)
    with pytest.raises(repo.StoreError, match="needs a name"):
        repo.get_or_create_user("  ", session=session)


def test_two_sessions_creating_the_same_new_user_get_the_one_row(engine):
    """The second session reads no user, then inserts while the first has inserted it uncommitted: its INSERT
    waits for the first to commit, and it gets the row that won instead of an IntegrityError."""
    inserting = threading.Event()

    def note_insert(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO USERS"):
            inserting.set()

    with Session(engine) as first, Session(engine) as second, ThreadPoolExecutor(1) as pool:
        mine = repo.get_or_create_user("nuova", "curator", session=first)
        event.listen(engine, "before_cursor_execute", note_insert)
        try:
            theirs = pool.submit(repo.get_or_create_user, "nuova", session=second)
            assert inserting.wait(10), "the second session never tried to insert"
            first.commit()
            other = theirs.result(timeout=30)
        finally:
            event.remove(engine, "before_cursor_execute", note_insert)
        second.commit()
        assert (other.id, other.role) == (mine.id, "curator")
    with Session(engine) as session:
        assert session.exec(select(User.name)).all() == ["nuova"]


def test_a_user_created_in_a_transaction_that_rolls_back_is_not_stored(session):
    repo.get_or_create_user("di-passaggio", session=session)
    session.rollback()
    assert session.exec(select(User)).all() == []


def test_a_users_last_task_is_remembered_and_a_new_user_has_none(session):
    repo.get_or_create_user("anna", "curator", session=session)
    assert (
        repo.last_task("anna", session=session) is None and repo.last_task("nessuno", session=session) is None
    )
    repo.remember_task("anna", "e3c_clinical_entities", session=session)
    repo.remember_task("anna", OTHER_TASK, session=session)
    repo.remember_task("bruno", "e3c_clinical_entities", session=session)  # not stored yet: created
    assert repo.last_task("anna", session=session) == OTHER_TASK
    assert repo.get_or_create_user("bruno", session=session).last_task == "e3c_clinical_entities"
    with pytest.raises(UnknownTask):
        repo.remember_task("anna", "nessun_compito", session=session)
    assert repo.get_or_create_user("anna", session=session).role == "curator"


def test_ensure_documents_creates_once_and_updates_gold(session):
    first = repo.ensure_documents(NER_TASK, "test", [ner_record("a"), ner_record("b")], session=session)
    assert [d.record_id for d in first] == ["a", "b"] and first[0].text == TEXT and first[0].hash
    changed = ner_record("a", spans=((27, 38),))
    again = repo.ensure_documents(NER_TASK, "test", [ner_record("b"), changed], session=session)
    assert [d.id for d in again] == [first[1].id, first[0].id]
    assert again[1].gold["entities"][0]["text"] == "tosse secca"
    assert len(session.exec(select(Document)).all()) == 2


def test_a_document_whose_text_changed_is_refused(session):
    repo.ensure_documents(NER_TASK, "test", [ner_record("a")], session=session)
    with pytest.raises(repo.StoreError, match="changed its text"):
        repo.ensure_documents(
            NER_TASK, "test", [ner_record("a", spans=(), text="Altro testo.")], session=session
        )
    with pytest.raises(repo.StoreError, match="without an id"):
        repo.ensure_documents(NER_TASK, "test", [{"text": "x", "entities": []}], session=session)


def test_qa_documents_show_the_question():
    spec = get_spec("medqa_it")
    record = {"id": "q1", "question": "Quale farmaco?", "options": dict.fromkeys("ABCDE", "x"), "answer": "A"}
    assert "Quale farmaco?" in repo.document_text(spec, record)


def test_save_run_keeps_versions_and_parameters(session):
    run = _run(session, split="test", parameters={"batch_size": 4}, metrics={"f1": 0.5}, seconds=1.5)
    assert run.id and run.spec_version == get_spec(NER_TASK).version and run.prompt_version == "ner.v1"
    assert run.parameters == {"batch_size": 4} and run.metrics["f1"] == 0.5 and run.started_at.tzinfo


def test_save_predictions_scores_each_record_against_gold(session):
    run = _run(session, split="test")
    golds = [ner_record("a", spans=((13, 24), (27, 38))), ner_record("b")]
    preds = [
        make_prediction({**ner_record("a", spans=((13, 24),)), "valid": True}, confidence=0.9),
        make_prediction({**ner_record("b", spans=()), "valid": False, "error": "bad"}, confidence=None),
    ]
    rows = repo.save_predictions(run, preds, golds, session=session)
    session.commit()
    assert [r.counts["tp"] for r in rows] == [1, 0]
    assert rows[0].score == pytest.approx(2 / 3) and rows[1].score == 0.0
    assert (rows[1].valid, rows[1].error, rows[1].confidence) == (False, "bad", None)
    stored = session.exec(select(Prediction).order_by(Prediction.id)).all()
    assert [p.document_id for p in stored] == [
        d.id for d in session.exec(select(Document).order_by(Document.id))
    ]
    assert stored[0].raw_output == "{}" and stored[0].prompt_hash == "p" * 16 and stored[0].latency == 0.1
    assert repo.run_predictions(run.id, session=session)[0].record["entities"][0]["text"] == "febbre alta"


def test_predictions_without_gold_get_documents_but_no_score(session):
    run = _run(session)
    rows = repo.save_predictions(run, [make_prediction(ner_record("free"))], [None], session=session)
    doc = session.get(Document, rows[0].document_id)
    assert (doc.split, doc.gold, rows[0].counts, rows[0].score) == ("predict", None, None, None)


def test_save_predictions_needs_one_gold_per_prediction(session):
    with pytest.raises(repo.StoreError, match="1 predictions but 0 gold"):
        repo.save_predictions(_run(session), [make_prediction(ner_record())], [], session=session)


def test_unknown_ids_are_reported(session):
    with pytest.raises(repo.NotFound, match="prediction 99 does not exist"):
        repo.get_prediction(99, session=session)
    with pytest.raises(repo.NotFound, match="document 99 does not exist"):
        repo.get_document(99, session=session)
