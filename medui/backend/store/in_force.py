"""The record in force of a document: what export, training and rescoring read, now that each annotator keeps a
version of their own.

The rule, in this order:
1. the curator's newest adjudication of the document, when there is one ("adjudicated");
2. else, with one annotator's version, that version ("single": the work of a single annotator, as before);
3. else, with several annotators whose versions say the same (the kind's `annotation_key`), the newest of them
   ("agreed");
4. else the annotators disagree: the document is "pending" and has no record in force until a curator
   adjudicates it. A clinical team trains and publishes what it stands behind; taking the latest of two
   disagreeing annotators would quietly make one person's reading the reference, the very "latest wins,
   whoever made it" that double annotation is there to avoid. Export and rescoring count what they left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from medui.backend.store.corrections import annotator_versions, latest_corrections
from medui.backend.store.repo import (
    NotFound,
    get_document,
    get_prediction,
    rows_in,
    run_predictions,
)
from medui.backend.store.tables import Adjudication, Correction, Document
from medui.tasks import metrics
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score_record
from medui.tasks.spec import TaskSpec

SOURCES = ("adjudicated", "single", "agreed", "pending")


@dataclass(frozen=True)
class InForce:
    """A corrected document's record in force (None while pending) and where it comes from."""

    document_id: int
    record: dict | None
    source: str  # adjudicated | single | agreed | pending
    annotators: tuple[str, ...]  # who has a version of the document
    correction_id: int | None = None  # the version in force (single, agreed)
    adjudication_id: int | None = None


def versions_agree(spec: TaskSpec, versions: list[Correction]) -> bool:
    """Whether every version annotates the same (spans, relations, form items or answer)."""
    kind = kind_for(spec)
    return len({kind.annotation_key(spec, v.record) for v in versions}) <= 1


def resolve(
    spec: TaskSpec, document_id: int, versions: dict[str, Correction], adjudication: Adjudication | None
) -> InForce:
    """The record in force of a document from its annotators' versions and its newest adjudication."""
    names = tuple(sorted(versions))
    if adjudication is not None:
        return InForce(
            document_id, adjudication.record, "adjudicated", names, adjudication_id=adjudication.id
        )
    if not versions:
        raise NotFound(f"document {document_id} has no correction")
    newest = max(versions.values(), key=lambda c: c.id or 0)
    if len(versions) == 1:
        return InForce(document_id, newest.record, "single", names, correction_id=newest.id)
    if versions_agree(spec, list(versions.values())):
        return InForce(document_id, newest.record, "agreed", names, correction_id=newest.id)
    return InForce(document_id, None, "pending", names)


def latest_adjudication(document_id: int, *, session: Session) -> Adjudication | None:
    query = select(Adjudication).where(Adjudication.document_id == document_id)
    return session.exec(query.order_by(col(Adjudication.id).desc()).limit(1)).first()


def latest_adjudications(task: str, *, session: Session, split: str | None = None) -> dict[int, Adjudication]:
    """The newest adjudication of every adjudicated document of a task: document id -> adjudication."""
    newest = (
        select(func.max(Adjudication.id)).where(Adjudication.task == task).group_by(Adjudication.document_id)
    )
    query = select(Adjudication).where(col(Adjudication.id).in_(newest))
    if split is not None:
        query = query.join(Document).where(Document.split == split)
    return {a.document_id: a for a in session.exec(query)}


def record_in_force(document_id: int, *, session: Session) -> InForce | None:
    """A document's record in force (see the module docstring); None when nobody corrected or adjudicated it."""
    versions = annotator_versions(document_id, session=session)
    adjudication = latest_adjudication(document_id, session=session)
    if not versions and adjudication is None:
        return None
    doc = get_document(document_id, session=session)
    return resolve(get_spec(doc.task), document_id, versions, adjudication)


def records_in_force(task: str, *, session: Session, split: str | None = None) -> list[InForce]:
    """The record in force of every corrected or adjudicated document of a task, in document order (pending
    documents included, with no record)."""
    spec = get_spec(task)
    by_doc: dict[int, dict[str, Correction]] = {}
    for corr in latest_corrections(task, session=session, split=split):
        by_doc.setdefault(corr.document_id, {})[corr.annotator] = corr
    adjudications = latest_adjudications(task, session=session, split=split)
    return [
        resolve(spec, doc_id, by_doc.get(doc_id, {}), adjudications.get(doc_id))
        for doc_id in sorted(set(by_doc) | set(adjudications))
    ]


def usable_records(task: str, *, session: Session, split: str | None = None) -> tuple[dict[int, dict], int]:
    """Document id -> record in force, for the documents that have one; and how many are pending adjudication."""
    resolved = records_in_force(task, session=session, split=split)
    records = {r.document_id: r.record for r in resolved if r.record is not None}
    return records, sum(r.source == "pending" for r in resolved)


# rescoring ------------------------------------------------------------------------------------------------
def rescore_with_correction(
    prediction_id: int, *, session: Session, correction: Correction | None = None
) -> tuple[dict | None, float | None]:
    """A prediction's counts and score against its document's record in force (or a correction given), no
    inference; a document whose annotators disagree has none until it is adjudicated."""
    prediction = get_prediction(prediction_id, session=session)
    doc = get_document(prediction.document_id, session=session)
    if correction is not None:
        return score_record(get_spec(doc.task), correction.record, prediction.record)
    in_force = record_in_force(doc.id, session=session)  # type: ignore[arg-type]
    if in_force is None:
        raise NotFound(f"the document of prediction {prediction_id} has no correction")
    if in_force.record is None:
        raise NotFound(
            f"the annotators of document {doc.id} ({', '.join(in_force.annotators)}) disagree: "
            "adjudicate it first (medui adjudicate)"
        )
    return score_record(get_spec(doc.task), in_force.record, prediction.record)


def rescore_run(run_id: int, *, session: Session) -> dict:
    """A run's metrics against corrected data: each document's record in force, else its gold (documents
    pending adjudication are scored against their gold too, and counted)."""
    rows = run_predictions(run_id, session=session)
    if not rows:
        raise NotFound(f"run {run_id} has no predictions")
    doc_ids = {r.document_id for r in rows}
    docs = {d.id: d for d in rows_in(select(Document), Document.id, doc_ids, session=session)}
    spec = get_spec(next(iter(docs.values())).task)
    counts, corrected, pending = [], 0, 0
    for row in rows:
        in_force = record_in_force(row.document_id, session=session)
        record = in_force.record if in_force else None
        corrected += record is not None
        pending += bool(in_force and in_force.source == "pending")
        counts.append(score_record(spec, record or docs[row.document_id].gold, row.record)[0])
    name = kind_for(spec).metric_name(spec)
    return {**metrics.aggregate(name, counts), "corrected": corrected, "pending": pending, "run_id": run_id}
