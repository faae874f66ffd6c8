"""The record in force (adjudicated, single annotator, agreed, pending) and adjudication by a curator."""

from __future__ import annotations

import pytest
from sqlmodel import select

from medui.backend.evaluation.info import RunInfo
from medui.backend.finetune.store_access import corrected_records
from medui.backend.service import auth
from medui.backend.service.team import adjudicate_document
from medui.backend.store import repo
from medui.backend.store.adjudication import (
    AdjudicationError,
    adjudicate,
    adjudication_history,
    document_versions,
    pending_adjudications,
)
from medui.backend.store.corrections import CorrectionError, add_correction
from medui.backend.store.export import export_records
from medui.backend.store.in_force import record_in_force, records_in_force, rescore_run
from medui.backend.store.tables import Adjudication, User
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

FEBBRE, TOSSE = (13, 24), (27, 38)


def _documents(session, ids: str = "abcd"):
    return repo.ensure_documents(NER_TASK, "test", [ner_record(i, spans=()) for i in ids], session=session)


def _versions(session, docs):
    """a: anna only; b: anna and bruno agree (other order, no mention texts); c: they disagree; d: nobody."""
    add_correction(ner_record("a", spans=(FEBBRE,)), "anna", document_id=docs[0].id, session=session)
    add_correction(ner_record("b", spans=(FEBBRE, TOSSE)), "anna", document_id=docs[1].id, session=session)
    same = {"entities": [{"start": s, "end": e, "label": "CLINENTITY"} for s, e in (TOSSE, FEBBRE)]}
    add_correction(same, "bruno", document_id=docs[1].id, session=session)
    add_correction(ner_record("c", spans=(FEBBRE,)), "anna", document_id=docs[2].id, session=session)
    return add_correction(ner_record("c", spans=(TOSSE,)), "bruno", document_id=docs[2].id, session=session)


def _account(session, name: str, role: str) -> None:
    """A user with a password (cheap hash): the database has accounts, so roles are enforced."""
    user = session.exec(select(User).where(User.name == name)).first() or User(name=name)
    user.role, user.password_hash = role, auth.hash_password("password-x", iterations=1000)
    session.add(user)
    session.flush()


def test_the_record_in_force_of_each_document(session):
    docs = _documents(session)
    _versions(session, docs)
    resolved = {r.document_id: r for r in records_in_force(NER_TASK, session=session)}
    assert [resolved[d.id].source for d in docs[:3]] == ["single", "agreed", "pending"] and docs[
        3
    ].id not in resolved
    assert resolved[docs[2].id].record is None and resolved[docs[2].id].annotators == ("anna", "bruno")
    assert record_in_force(docs[3].id, session=session) is None
    assert [r["id"] for r in corrected_records(NER_TASK, session=session)] == ["a", "b"]  # c: not trained on


def test_adjudication_takes_one_version_and_wins_for_training_and_export(session):
    docs = _documents(session)
    bruno_c = _versions(session, docs)
    (pending,) = pending_adjudications(NER_TASK, session=session)
    assert pending["record_id"] == "c" and sorted(pending["versions"]) == ["anna", "bruno"]
    assert pending["versions"]["bruno"]["record"]["entities"][0]["text"] == "tosse secca"
    made = adjudicate(docs[2].id, "carla", take="bruno", note="tosse, non febbre", session=session)
    assert (made.curator, made.taken_from, made.note, made.supersedes_id) == (
        "carla",
        "bruno",
        "tosse, non febbre",
        None,
    )
    assert made.sources == {"anna": bruno_c.id - 1, "bruno": bruno_c.id} and made.created_at is not None
    assert pending_adjudications(NER_TASK, session=session) == []
    in_force = record_in_force(docs[2].id, session=session)
    assert (in_force.source, in_force.adjudication_id, in_force.record) == (
        "adjudicated",
        made.id,
        bruno_c.record,
    )
    trained = {r["id"]: r for r in corrected_records(NER_TASK, session=session)}
    assert trained["c"]["entities"] == bruno_c.record["entities"]
    records, corrected, waiting = export_records(NER_TASK, session=session)
    assert [r["id"] for r in records] == ["a", "b", "c"] and (corrected, waiting) == (3, 0)


def test_a_merged_record_is_validated_and_a_newer_version_reopens_the_document(session):
    docs = _documents(session)
    _versions(session, docs)
    with pytest.raises(CorrectionError, match="outside the text"):
        adjudicate(docs[2].id, "carla", record={"entities": [{"start": 0, "end": 99, "label": "CLINENTITY"}]},
                   session=session)  # fmt: skip
    merged = adjudicate(docs[2].id, "carla", record=ner_record("c", spans=(FEBBRE, TOSSE)), session=session)
    assert merged.taken_from is None and len(merged.record["entities"]) == 2
    newer = add_correction(ner_record("c", spans=()), "anna", document_id=docs[2].id, session=session)
    (again,) = pending_adjudications(NER_TASK, session=session)
    assert again["adjudicated"] == merged.id and again["versions"]["anna"]["id"] == newer.id
    assert record_in_force(docs[2].id, session=session).record == merged.record  # still in force meanwhile
    second = adjudicate(docs[2].id, "carla", take="anna", session=session)
    assert second.supersedes_id == merged.id
    assert [a.id for a in adjudication_history(docs[2].id, session=session)] == [merged.id, second.id]
    shown = document_versions(docs[2].id, session=session)
    assert shown["adjudication"]["id"] == second.id and shown["agree"] is False


def test_what_cannot_be_adjudicated_is_refused_and_nothing_stored(session):
    docs = _documents(session)
    _versions(session, docs)
    with pytest.raises(AdjudicationError, match="'carla' has no version .* take one of anna, bruno"):
        adjudicate(docs[2].id, "carla", take="carla", session=session)
    with pytest.raises(AdjudicationError, match="not both"):
        adjudicate(docs[2].id, "carla", take="anna", record=ner_record("c"), session=session)
    with pytest.raises(AdjudicationError, match="not both"):
        adjudicate(docs[2].id, "carla", session=session)
    with pytest.raises(AdjudicationError, match="no annotator's version"):
        adjudicate(docs[3].id, "carla", record=ner_record("d"), session=session)
    with pytest.raises(repo.NotFound):
        adjudicate(999, "carla", take="anna", session=session)
    assert session.exec(select(Adjudication)).all() == []


def test_only_curators_and_researchers_adjudicate_once_there_are_accounts(session):
    docs = _documents(session)
    _versions(session, docs)
    for name, role in [("anna", "annotator"), ("carla", "curator"), ("rita", "researcher")]:
        _account(session, name, role)
    with pytest.raises(auth.AuthError, match="permesso negato: anna è annotatore; serve il ruolo curatore"):
        adjudicate_document(docs[2].id, "anna", take="anna", session=session)
    with pytest.raises(auth.AuthError, match="'zoe' is not a user with an account"):
        adjudicate_document(docs[2].id, "zoe", take="anna", session=session)
    with pytest.raises(auth.AuthError, match="name who acts"):
        adjudicate_document(docs[2].id, None, take="anna", session=session)
    assert session.exec(select(Adjudication)).all() == []
    assert adjudicate_document(docs[2].id, "carla", take="anna", session=session).curator == "carla"
    assert adjudicate_document(docs[2].id, "rita", take="bruno", session=session).curator == "rita"


def test_relation_versions_agree_whatever_their_entity_ids(session):
    text = "Emoglobina 9 g/dl al prelievo."
    (doc,) = repo.ensure_documents("e3c_measurement_links", "user", [{"id": "r", "text": text}], gold=False,
                                   session=session)  # fmt: skip

    def version(head: str, tail: str, label: str = "PERTAINS") -> dict:
        ents = [
            {"id": head, "start": 0, "end": 17, "label": "RML"},
            {"id": tail, "start": 21, "end": 29, "label": "EVENT"},
        ]
        return {"entities": ents, "relations": [{"head": head, "tail": tail, "label": label}]}

    add_correction(version("T1", "T2"), "anna", document_id=doc.id, session=session)
    add_correction(version("E7", "E3"), "bruno", document_id=doc.id, session=session)
    assert record_in_force(doc.id, session=session).source == "agreed"
    no_link = {**version("T1", "T2"), "relations": []}  # a reversed PERTAINS is refused now (issue 22, 7)
    add_correction(no_link, "bruno", document_id=doc.id, session=session)
    assert record_in_force(doc.id, session=session).source == "pending"


def test_rescoring_counts_the_documents_pending_adjudication(session):
    spec = get_spec(NER_TASK)
    run = repo.save_run(RunInfo(spec, "m", "cd", split="test"), session=session)
    golds = [ner_record(i, spans=(FEBBRE, TOSSE)) for i in "ab"]
    rows = repo.save_predictions(run, [make_prediction(ner_record(i)) for i in "ab"], golds, session=session)
    add_correction(None, "anna", prediction_id=rows[0].id, kind="accept", session=session)
    add_correction(ner_record("a", spans=(TOSSE,)), "bruno", prediction_id=rows[0].id, session=session)
    pending = rescore_run(run.id, session=session)
    assert (pending["corrected"], pending["pending"]) == (0, 1)  # scored against its gold meanwhile
    adjudicate(rows[0].document_id, "carla", take="anna", session=session)
    after = rescore_run(run.id, session=session)
    assert (after["corrected"], after["pending"]) == (1, 0) and after["f1"] == pytest.approx(4 / 5)
