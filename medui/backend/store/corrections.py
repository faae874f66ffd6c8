"""Corrections: append-only corrected (or accepted) records, the latest per document, and the queue.

A correction points at a prediction (or only at a document, for data entered by hand) and holds a record in the
gold format, validated against the task's schema before it is stored. A newer correction of a document
supersedes the older ones, which stay. Rescoring a prediction against a correction needs no inference.
"""

from __future__ import annotations

from sqlalchemy import func, nulls_last
from sqlmodel import Session, col, select

from medui.backend.store.repo import (
    NotFound,
    StoreError,
    clean_record,
    get_document,
    get_or_create_user,
    get_prediction,
    run_predictions,
    score_record,
)
from medui.backend.store.tables import CORRECTION_KINDS, Correction, Document, Prediction
from medui.tasks import metrics
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec


class CorrectionError(StoreError):
    """A corrected record that does not fit its task or its document; the message names the first problem."""


class StaleCorrection(CorrectionError):
    """A save over a version of the document newer than the one the editor opened: refused, nothing stored."""

    def __init__(self, newer: Correction, edited: int | None):
        when = newer.created_at.strftime("%d/%m/%Y %H:%M:%S") + " UTC"
        super().__init__(
            f"document {newer.document_id} was corrected by {newer.annotator} at {when} (correction {newer.id}) "
            f"after version {edited or 0} was opened: reload it and redo the change",
            italian=(
                f"Salvataggio rifiutato: {newer.annotator} ha corretto questo documento il {when} "
                f"(correzione {newer.id}) dopo che lo hai aperto. L'editor mostra ora la sua versione; "
                "la tua è conservata qui sotto: confrontale e salva di nuovo."
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

    `edited`: the id of the document's correction in force that the editor opened (None: there was none); when
    a newer one was saved meanwhile, StaleCorrection and nothing is stored (optimistic concurrency).
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
    """Insert a correction superseding its document's newest one, read under a lock so that chains never fork.

    Two annotators saving the same document at once would otherwise both read the same newest correction and
    both claim to supersede it. PostgreSQL: the document row is locked (FOR NO KEY UPDATE, which lets rows that
    only reference the document be inserted meanwhile) before the INSERT. SQLite: the INSERT computes the newest
    id itself, under the write lock, on the latest snapshot.
    """
    doc_id = correction.document_id
    session.exec(select(Document.id).where(Document.id == doc_id).with_for_update(key_share=True)).one()
    newest = select(func.max(Correction.id)).where(Correction.document_id == doc_id).scalar_subquery()
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
    where = f"correction of {doc.task}/{doc.record_id} (document {doc.id})"
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


def latest_correction(document_id: int, *, session: Session) -> Correction | None:
    """The correction of a document that is in force (the newest), or None."""
    query = (
        select(Correction).where(Correction.document_id == document_id).order_by(col(Correction.id).desc())
    )
    return session.exec(query.limit(1)).first()


def latest_corrections(task: str, *, session: Session, split: str | None = None) -> list[Correction]:
    """The correction in force of every corrected document of a task, in document order."""
    newest = select(func.max(Correction.id)).where(Correction.task == task).group_by(Correction.document_id)
    query = select(Correction).where(col(Correction.id).in_(newest))
    if split is not None:
        query = query.join(Document).where(Document.split == split)
    return list(session.exec(query.order_by(Correction.document_id)))


def correction_history(document_id: int, *, session: Session) -> list[Correction]:
    """Every correction of a document, oldest first (superseded ones included)."""
    query = select(Correction).where(Correction.document_id == document_id).order_by(Correction.id)
    return list(session.exec(query))


def correction_queue(
    task: str, limit: int | None = 20, *, session: Session, run_id: int | None = None
) -> list[Prediction]:
    """Predictions to correct: the newest of each uncorrected document, least confident first, then oldest."""
    newest = (
        select(func.max(Prediction.id))
        .join(Document)
        .where(Document.task == task, ~col(Document.id).in_(select(Correction.document_id)))
        .group_by(Prediction.document_id)
    )
    if run_id is not None:
        newest = newest.where(Prediction.run_id == run_id)
    query = (
        select(Prediction)
        .where(col(Prediction.id).in_(newest))
        .order_by(nulls_last(col(Prediction.confidence).asc()), Prediction.created_at, Prediction.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def rescore_with_correction(
    prediction_id: int, *, session: Session, correction: Correction | None = None
) -> tuple[dict | None, float | None]:
    """A prediction's counts and score against its document's correction in force (or one given), no inference."""
    prediction = get_prediction(prediction_id, session=session)
    correction = correction or latest_correction(prediction.document_id, session=session)
    if correction is None:
        raise NotFound(f"the document of prediction {prediction_id} has no correction")
    doc = get_document(prediction.document_id, session=session)
    return score_record(get_spec(doc.task), correction.record, prediction.record)


def rescore_run(run_id: int, *, session: Session) -> dict:
    """A run's metrics against corrected data: each document's correction in force, else its gold."""
    rows = run_predictions(run_id, session=session)
    if not rows:
        raise NotFound(f"run {run_id} has no predictions")
    doc_ids = {r.document_id for r in rows}
    docs = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(doc_ids)))}
    spec = get_spec(next(iter(docs.values())).task)
    counts, corrected = [], 0
    for row in rows:
        correction = latest_correction(row.document_id, session=session)
        reference = correction.record if correction else docs[row.document_id].gold
        corrected += correction is not None
        counts.append(score_record(spec, reference, row.record)[0])
    name = kind_for(spec).metric_name(spec)
    return {**metrics.aggregate(name, counts), "corrected": corrected, "run_id": run_id}


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
