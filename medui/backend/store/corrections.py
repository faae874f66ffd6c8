"""Corrections: append-only corrected (or accepted) records, each annotator's own chain, and the queue.

A correction points at a prediction (or only at a document, for data entered by hand) and holds a record in the
gold format, validated against the task's schema before it is stored. Each annotator's corrections of a document
form their own chain: a newer one supersedes that annotator's older ones, which stay, and the newest is that
annotator's version. Two annotators on one document are two independent annotations; which record is in force
for export and training (an adjudication, or the annotators' versions when they agree) is adjudication.py's.
Rescoring a prediction against a correction needs no inference.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, nulls_last
from sqlmodel import Session, col, select

from medui.backend.store.repo import (
    StoreError,
    clean_record,
    get_document,
    get_or_create_user,
    get_prediction,
)
from medui.backend.store.tables import CORRECTION_KINDS, Assignment, Correction, Document, Prediction
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score_record
from medui.tasks.spec import TaskSpec


class CorrectionError(StoreError):
    """A corrected record that does not fit its task or its document; the message names the first problem."""


class StaleCorrection(CorrectionError):
    """A save over a version of the annotator's own chain newer than the one the editor opened (another tab or
    client of the same annotator saved meanwhile): refused, nothing stored."""

    def __init__(self, newer: Correction, edited: int | None):
        when = newer.created_at.strftime("%d/%m/%Y %H:%M:%S") + " UTC"
        super().__init__(
            f"{newer.annotator}'s version of document {newer.document_id} was saved again at {when} "
            f"(correction {newer.id}) after version {edited or 0} was opened: reload it and redo the change",
            italian=(
                f"Salvataggio rifiutato: {newer.annotator} ha salvato un'altra versione di questo documento il "
                f"{when} (correzione {newer.id}, forse da un'altra scheda) dopo che lo hai aperto. L'editor "
                "mostra ora quella versione; la tua è conservata qui sotto: confrontale e salva di nuovo."
            ),
        )
        self.newer, self.edited = newer, edited


ANY_VERSION = -1  # `edited` not named: no version check (the CLI, older API callers)


def add_correction(
    record: dict | None,
    annotator: str,
    *,
    session: Session,
    prediction_id: int | None = None,
    document_id: int | None = None,
    note: str | None = None,
    kind: str = "edit",
    edited: int | None = ANY_VERSION,
) -> Correction:
    """Append a correction of a prediction (or of a document); `kind='accept'` takes the prediction as it is.

    `edited`: the id of the annotator's own version that the editor opened (None: they had none); when the
    annotator saved a newer one meanwhile, StaleCorrection and nothing is stored (optimistic concurrency).
    """
    if kind not in CORRECTION_KINDS:
        raise CorrectionError(f"unknown correction kind {kind!r}: use one of {', '.join(CORRECTION_KINDS)}")
    prediction, doc = _target(prediction_id, document_id, session=session)
    if kind == "accept":
        if prediction is None:
            raise CorrectionError("only a prediction can be accepted: name it with its id")
        if record is not None and clean_record(record) != clean_record(prediction.record):
            raise CorrectionError(
                f"an accept stores prediction {prediction.id}'s own record; save a changed record as an edit"
            )
        record = prediction.record
    if not isinstance(record, dict):
        raise CorrectionError("a correction needs a record (a JSON object in the gold format)")
    spec = get_spec(doc.task)
    corrected = checked_record(spec, doc, record, prediction.record if prediction else None)
    user = get_or_create_user(annotator, session=session)
    counts, score = score_record(spec, corrected, prediction.record) if prediction else (None, None)
    correction = Correction(
        prediction_id=prediction.id if prediction else None,
        document_id=doc.id,  # type: ignore[arg-type]
        task=doc.task,
        record=corrected,
        annotator=user.name,
        user_id=user.id,
        note=note or None,
        kind=kind,
        counts=counts,
        score=score,
    )
    _append(correction, session=session)
    if edited != ANY_VERSION and correction.supersedes_id != edited:
        newer = session.get(Correction, correction.supersedes_id)
        session.expunge(correction)
        raise StaleCorrection(newer, edited)  # the caller's transaction rolls back the insert
    return correction


def _append(correction: Correction, *, session: Session) -> None:
    """Insert a correction superseding its annotator's newest one of the document, read under a lock so that
    chains never fork.

    Two saves of one annotator's version at once (two tabs) would otherwise both read the same newest correction
    and both claim to supersede it. PostgreSQL: the document row is locked (FOR NO KEY UPDATE, which lets rows
    that only reference the document be inserted meanwhile) before the INSERT. SQLite: the INSERT computes the
    newest id itself, under the write lock, on the latest snapshot.
    """
    doc_id = correction.document_id
    session.exec(select(Document.id).where(Document.id == doc_id).with_for_update(key_share=True)).one()
    mine = (Correction.document_id == doc_id, Correction.annotator == correction.annotator)
    newest = select(func.max(Correction.id)).where(*mine).scalar_subquery()
    correction.supersedes_id = newest  # type: ignore[assignment]
    session.add(correction)
    session.flush()
    session.refresh(correction, ["supersedes_id"])


def _target(
    prediction_id: int | None, document_id: int | None, *, session: Session
) -> tuple[Prediction | None, Document]:
    """The prediction (if any) and the document a correction is about."""
    if prediction_id is None and document_id is None:
        raise CorrectionError("a correction names a prediction or a document")
    prediction = get_prediction(prediction_id, session=session) if prediction_id is not None else None
    if prediction is not None and document_id is not None and prediction.document_id != document_id:
        raise CorrectionError(f"prediction {prediction.id} is not about document {document_id}")
    doc = get_document(prediction.document_id if prediction else document_id, session=session)  # type: ignore[arg-type]
    return prediction, doc


def checked_record(spec: TaskSpec, doc: Document, record: dict, base: dict | None = None) -> dict:
    """The record to store: id and inputs filled in from the document (or `base`), validated."""
    corrected = clean_record(record)
    where = f"correction of {doc.task}/{doc.record_id}" + (f" (document {doc.id})" if doc.id else "")
    if str(corrected.setdefault("id", doc.record_id)) != doc.record_id:
        raise CorrectionError(f"{where}: record id {corrected['id']!r} differs from the document's")
    corrected["id"] = doc.record_id
    kind = kind_for(spec)
    inputs = {"text": doc.text} if kind.reads_text else _qa_inputs(doc.input or base or {})
    for key, value in inputs.items():
        if corrected.setdefault(key, value) != value:
            raise CorrectionError(f"{where}: the record's {key} differs from the document's")
    problems = kind.validate_record(spec, corrected)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CorrectionError(f"{where}: {problems[0]}{more}")
    if kind.spans:
        corrected["entities"] = [_with_mention(doc.text, e) for e in corrected["entities"]]
    return corrected


def _qa_inputs(record: dict) -> dict:
    """What a QA record asks (question, options, context): a correction only changes the answer."""
    return {k: record[k] for k in ("question", "options", "context") if k in record}


def _with_mention(text: str, entity: dict) -> dict:
    """An entity with its mention text (text[start:end]) filled in when missing."""
    return {**entity, "text": text[entity["start"] : entity["end"]]}


def latest_correction(
    document_id: int, *, session: Session, annotator: str | None = None
) -> Correction | None:
    """The newest correction of a document (of one annotator: that annotator's version), or None."""
    query = select(Correction).where(Correction.document_id == document_id)
    if annotator is not None:
        query = query.where(Correction.annotator == annotator)
    return session.exec(query.order_by(col(Correction.id).desc()).limit(1)).first()


def latest_corrections(
    task: str, *, session: Session, split: str | None = None, annotator: str | None = None
) -> list[Correction]:
    """Every annotator's version (newest correction) of every corrected document of a task, in document then
    annotator order; with `annotator`, only theirs."""
    newest = select(func.max(Correction.id)).where(Correction.task == task)
    if annotator is not None:
        newest = newest.where(Correction.annotator == annotator)
    newest = newest.group_by(Correction.document_id, Correction.annotator)
    query = select(Correction).where(col(Correction.id).in_(newest))
    if split is not None:
        query = query.join(Document).where(Document.split == split)
    return list(session.exec(query.order_by(Correction.document_id, Correction.annotator)))


def annotator_versions(document_id: int, *, session: Session) -> dict[str, Correction]:
    """Each annotator's version of a document: annotator -> their newest correction, by name."""
    newest = (
        select(func.max(Correction.id))
        .where(Correction.document_id == document_id)
        .group_by(Correction.annotator)
    )
    rows = session.exec(select(Correction).where(col(Correction.id).in_(newest)))
    return {c.annotator: c for c in sorted(rows, key=lambda c: c.annotator)}


def correction_history(
    document_id: int, *, session: Session, annotator: str | None = None
) -> list[Correction]:
    """Every correction of a document (of one annotator: their chain), oldest first, superseded ones included."""
    query = select(Correction).where(Correction.document_id == document_id)
    if annotator is not None:
        query = query.where(Correction.annotator == annotator)
    return list(session.exec(query.order_by(Correction.id)))


def correction_queue(
    task: str,
    limit: int | None = 20,
    *,
    session: Session,
    run_id: int | None = None,
    annotator: str | None = None,
) -> list[Prediction]:
    """Predictions to correct: the newest of each document still to do, least confident first, then oldest.

    Without `annotator`: documents nobody corrected. An annotator's queue holds first the documents assigned to
    them that they have not corrected, then the documents assigned to nobody that nobody corrected; documents
    assigned to others are theirs. So double annotation is what assignments ask for, and without assignments a
    document leaves every queue once someone corrected it.
    """
    docs = select(Document.id).where(Document.task == task)
    if annotator is None:
        todo = ~col(Document.id).in_(select(Correction.document_id))
        mine = None
    else:
        mine = assigned_documents(task, annotator)
        done_by_me = select(Correction.document_id).where(Correction.annotator == annotator)
        anyones = ~col(Document.id).in_(select(Assignment.document_id).where(Assignment.task == task))
        untouched = ~col(Document.id).in_(select(Correction.document_id))
        todo = sa.and_(
            ~col(Document.id).in_(done_by_me), sa.or_(col(Document.id).in_(mine), anyones & untouched)
        )
    newest = (
        select(func.max(Prediction.id))
        .where(col(Prediction.document_id).in_(docs.where(todo)))
        .group_by(Prediction.document_id)
    )
    if run_id is not None:
        newest = newest.where(Prediction.run_id == run_id)
    order = [nulls_last(col(Prediction.confidence).asc()), Prediction.created_at, Prediction.id]
    if mine is not None:
        order.insert(0, sa.case((col(Prediction.document_id).in_(mine), 0), else_=1))
    query = select(Prediction).where(col(Prediction.id).in_(newest)).order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def assigned_documents(task: str, annotator: str):
    """The ids of a task's documents assigned to an annotator (a subquery)."""
    return select(Assignment.document_id).where(Assignment.task == task, Assignment.annotator == annotator)


# plain data for the CLI and the app --------------------------------------------------------------------
def correction_row(corr: Correction) -> dict:
    """A correction as plain data."""
    return {
        "id": corr.id,
        "task": corr.task,
        "document_id": corr.document_id,
        "record_id": corr.record.get("id"),
        "prediction_id": corr.prediction_id,
        "kind": corr.kind,
        "annotator": corr.annotator,
        "note": corr.note,
        "created_at": corr.created_at.isoformat(timespec="seconds"),
        "supersedes_id": corr.supersedes_id,
        "score": corr.score,
        "record": corr.record,
    }


def queue_row(pred: Prediction, record_id: str) -> dict:
    """A prediction in the correction queue as plain data."""
    return {
        "prediction_id": pred.id,
        "run_id": pred.run_id,
        "document_id": pred.document_id,
        "record_id": record_id,
        "confidence": pred.confidence,
        "score": pred.score,
        "valid": pred.valid,
        "created_at": pred.created_at.isoformat(timespec="seconds"),
    }
