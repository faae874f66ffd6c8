"""Assignment: k distinct annotators a document, loads balanced, and each annotator's queue starts with theirs."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from medui.backend.evaluation.info import RunInfo
from medui.backend.service import auth
from medui.backend.service.team import assign_documents
from medui.backend.store import repo
from medui.backend.store.assignment import AssignmentError, assignment_progress, documents_in_queue_order
from medui.backend.store.corrections import add_correction, correction_queue
from medui.backend.store.tables import Assignment, User
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

CONFIDENCE = {"a": 0.9, "b": 0.1, "c": 0.5, "d": None, "e": 0.3, "f": 0.7, "g": 0.2}


def _predicted(session, confidence: dict = CONFIDENCE):
    """One prediction a record (ids as keys), with its confidence; returns the predictions by record id."""
    run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
    preds = [make_prediction(ner_record(rid), confidence=c) for rid, c in confidence.items()]
    rows = repo.save_predictions(run, preds, [None] * len(preds), session=session)
    return dict(zip(confidence, rows, strict=True))


def _held(session) -> dict[str, list[str]]:
    """record id -> its annotators, as stored."""
    out: dict[str, list[str]] = {}
    for assignment in session.exec(select(Assignment).order_by(Assignment.id)):
        doc = repo.get_document(assignment.document_id, session=session)
        out.setdefault(doc.record_id, []).append(assignment.annotator)
    return out


def test_each_document_gets_k_distinct_annotators_with_balanced_loads(session):
    _predicted(session)
    summary = assign_documents(NER_TASK, ["anna", "bruno", "carla"], 2, curator=None, session=session)
    held = _held(session)
    assert sorted(held) == sorted(CONFIDENCE) and all(len(set(v)) == len(v) == 2 for v in held.values())
    load = Counter(name for names in held.values() for name in names)
    assert sorted(load.values()) == [4, 5, 5] and summary["load"] == dict(load)
    assert (summary["documents"], summary["assignments"], summary["per_document"]) == (7, 14, 2)
    again = assign_documents(NER_TASK, ["anna", "bruno", "carla"], 2, curator=None, session=session)
    assert (again["documents"], again["assignments"]) == (0, 0) and _held(session) == held


def test_the_least_confident_documents_are_assigned_first_and_limit_counts_documents(session):
    _predicted(session)
    (docless,) = repo.ensure_documents(NER_TASK, "test", [ner_record("z")], session=session)
    order = [
        repo.get_document(i, session=session).record_id
        for i in documents_in_queue_order(NER_TASK, session=session)
    ]
    assert order == ["b", "g", "e", "c", "f", "a", "d", "z"] and docless.record_id == "z"
    summary = assign_documents(NER_TASK, ["anna", "bruno"], 1, limit=3, curator=None, session=session)
    assert summary["documents"] == 3 and _held(session) == {"b": ["anna"], "g": ["bruno"], "e": ["anna"]}


def test_assigning_again_tops_up_documents_with_distinct_annotators(session):
    _predicted(session, {"a": 0.1, "b": 0.2})
    assign_documents(NER_TASK, ["anna", "bruno"], 1, curator=None, session=session)
    assert _held(session) == {"a": ["anna"], "b": ["bruno"]}
    summary = assign_documents(NER_TASK, ["anna", "bruno", "carla"], 2, curator=None, session=session)
    assert summary["assignments"] == 2 and _held(session) == {"a": ["anna", "carla"], "b": ["bruno", "anna"]}
    assert summary["load"] == {"anna": 2, "bruno": 1, "carla": 1}  # b: anna and carla tied, anna named first


def test_impossible_assignments_are_refused_and_nothing_stored(session):
    _predicted(session)
    repo.get_or_create_user("clara", "clinician", session=session)
    cases = [
        (["anna", "bruno"], 3, "use --per-document from 1 to 2"),
        (["anna", "anna", "bruno"], 2, "annotator named twice: anna"),
        ([" ", ""], 1, "name the annotators"),
        (["anna", "clara"], 2, "clara is a clinician and cannot correct"),
    ]
    for names, k, message in cases:
        with pytest.raises(AssignmentError, match=message):
            assign_documents(NER_TASK, names, k, curator=None, session=session)
    with pytest.raises(AssignmentError, match="--limit must be 1 or more"):
        assign_documents(NER_TASK, ["anna"], 1, limit=0, curator=None, session=session)
    assert session.exec(select(Assignment)).all() == []


def test_only_curators_and_researchers_assign_once_there_are_accounts(session):
    _predicted(session, {"a": 0.1})
    for name, role in [("anna", "annotator"), ("carla", "curator")]:
        session.add(
            User(name=name, role=role, password_hash=auth.hash_password("password-x", iterations=1000))
        )
    session.flush()
    with pytest.raises(auth.AuthError, match="permesso negato: anna è annotatore"):
        assign_documents(NER_TASK, ["anna"], 1, curator="anna", session=session)
    assert session.exec(select(Assignment)).all() == []
    assert assign_documents(NER_TASK, ["anna"], 1, curator="carla", session=session)["assigned_by"] == "carla"


def test_an_annotators_queue_holds_their_documents_first_and_not_others(session):
    preds = _predicted(session, {"a": 0.9, "b": 0.1, "c": 0.5, "d": 0.3, "e": 0.2})
    for rid, names in {"a": ["anna", "bruno"], "c": ["anna", "bruno"], "d": ["bruno"]}.items():
        for name in names:
            doc = preds[rid].document_id
            session.add(Assignment(task=NER_TASK, document_id=doc, annotator=name, assigned_by="carla"))
    session.flush()

    def queue(annotator: str | None) -> list[str]:
        return [p.record["id"] for p in correction_queue(NER_TASK, session=session, annotator=annotator)]

    assert queue("anna") == ["c", "a", "b", "e"]  # hers (least confident first), then unassigned; not d
    assert queue("bruno") == ["d", "c", "a", "b", "e"]
    add_correction(None, "anna", prediction_id=preds["c"].id, kind="accept", session=session)
    add_correction(None, "anna", prediction_id=preds["b"].id, kind="accept", session=session)
    assert queue("anna") == ["a", "e"]
    assert queue("bruno") == ["d", "c", "a", "e"]  # c is still his to do; b was corrected, unassigned
    assert queue(None) == ["e", "d", "a"]  # nobody corrected them
    progress = {r["annotator"]: r for r in assignment_progress(NER_TASK, session=session)}
    assert progress["anna"] == {"annotator": "anna", "assigned": 2, "corrected": 1, "with_prediction": 2}
    assert progress["bruno"]["assigned"] == 3 and progress["bruno"]["corrected"] == 0
