"""Adjudication: a curator sees the annotators' versions of a document and stores the final record.

An adjudication is append-only (a newer one of the same document supersedes it) and keeps who made it, when,
and from which versions (`sources`: annotator -> correction id; `taken_from`: the annotator whose version was
taken as it is, None for a record the curator wrote or merged). It is the document's record in force
(in_force.py). A document is pending when its annotators' versions disagree and no adjudication was made from
exactly those versions: one made before an annotator saved again is still in force, and the document is listed
again with the adjudication it had (`adjudicated`).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from medui.backend.store.corrections import (
    CorrectionError,
    annotator_versions,
    checked_record,
    correction_row,
    latest_corrections,
)
from medui.backend.store.in_force import latest_adjudication, latest_adjudications, versions_agree
from medui.backend.store.repo import get_document, get_or_create_user
from medui.backend.store.tables import Adjudication, Correction, Document
from medui.tasks.registry import get_spec


class AdjudicationError(CorrectionError):
    """An adjudication that cannot be made as asked (nothing to adjudicate, unknown annotator, bad record)."""


def sources_of(versions: dict[str, Correction]) -> dict[str, int]:
    """The versions an adjudication is made from: annotator -> correction id."""
    return {name: c.id for name, c in sorted(versions.items())}  # type: ignore[misc]


def pending_adjudications(task: str, *, session: Session, split: str | None = None) -> list[dict]:
    """The documents of a task whose annotators disagree and that no adjudication settled, in document order:
    each with every annotator's version side by side (see the module docstring)."""
    spec = get_spec(task)
    by_doc: dict[int, dict[str, Correction]] = {}
    for corr in latest_corrections(spec.id, session=session, split=split):
        by_doc.setdefault(corr.document_id, {})[corr.annotator] = corr
    adjudicated = latest_adjudications(spec.id, session=session, split=split)
    pending = []
    for doc_id, versions in sorted(by_doc.items()):
        if len(versions) < 2 or versions_agree(spec, list(versions.values())):
            continue
        before = adjudicated.get(doc_id)
        if before is not None and before.sources == sources_of(versions):
            continue
        pending.append(_pending_row(session.get(Document, doc_id), versions, before))
    return pending


def _pending_row(doc: Document | None, versions: dict[str, Correction], before: Adjudication | None) -> dict:
    return {
        "document_id": doc.id if doc else None,
        "record_id": doc.record_id if doc else None,
        "split": doc.split if doc else None,
        "versions": {name: correction_row(c) for name, c in sorted(versions.items())},
        "adjudicated": before.id if before else None,
    }


def document_versions(document_id: int, *, session: Session) -> dict:
    """A document and its annotators' versions side by side, with its adjudication in force (if any)."""
    doc = get_document(document_id, session=session)
    versions = annotator_versions(document_id, session=session)
    current = latest_adjudication(document_id, session=session)
    return {
        **_pending_row(doc, versions, current),
        "task": doc.task,
        "text": doc.text,
        "agree": versions_agree(get_spec(doc.task), list(versions.values())),
        "adjudication": adjudication_row(current) if current else None,
    }


def adjudicate(
    document_id: int,
    curator: str,
    *,
    session: Session,
    take: str | None = None,
    record: dict | None = None,
    note: str | None = None,
) -> Adjudication:
    """Store a document's final record: one annotator's version taken as it is (`take`), or a record the curator
    gives (merged or written, validated against the task). `curator`: who adjudicates, a curator or researcher
    (checked above the store: service.team)."""
    if (take is None) == (record is None):
        raise AdjudicationError(
            "adjudicate by taking one annotator's version or by giving a record, not both"
        )
    doc = get_document(document_id, session=session)
    versions = annotator_versions(doc.id, session=session)  # type: ignore[arg-type]
    if not versions:
        raise AdjudicationError(f"document {doc.id} has no annotator's version to adjudicate")
    if take is not None and take not in versions:
        raise AdjudicationError(
            f"{take!r} has no version of document {doc.id}: take one of {', '.join(sorted(versions))}"
        )
    chosen = versions[take].record if take is not None else record
    if not isinstance(chosen, dict):
        raise AdjudicationError("an adjudicated record is a JSON object in the gold format")
    final = checked_record(get_spec(doc.task), doc, chosen)
    user = get_or_create_user(curator, "curator", session=session)
    adjudication = Adjudication(
        task=doc.task,
        document_id=doc.id,  # type: ignore[arg-type]
        record=final,
        curator=user.name,
        user_id=user.id,
        sources=sources_of(versions),
        taken_from=take,
        note=note or None,
    )
    _append(adjudication, session=session)
    return adjudication


def _append(adjudication: Adjudication, *, session: Session) -> None:
    """Insert an adjudication superseding the document's newest one, under the document's lock (as
    corrections._append does, for the same reason)."""
    doc_id = adjudication.document_id
    session.exec(select(Document.id).where(Document.id == doc_id).with_for_update(key_share=True)).one()
    newest = select(func.max(Adjudication.id)).where(Adjudication.document_id == doc_id)
    adjudication.supersedes_id = newest.scalar_subquery()  # type: ignore[assignment]
    session.add(adjudication)
    session.flush()
    session.refresh(adjudication, ["supersedes_id"])


def adjudication_history(document_id: int, *, session: Session) -> list[Adjudication]:
    query = select(Adjudication).where(Adjudication.document_id == document_id)
    return list(session.exec(query.order_by(col(Adjudication.id))))


def adjudication_row(adj: Adjudication) -> dict:
    """An adjudication as plain data."""
    return {
        "id": adj.id,
        "task": adj.task,
        "document_id": adj.document_id,
        "record_id": adj.record.get("id"),
        "curator": adj.curator,
        "taken_from": adj.taken_from,
        "sources": dict(adj.sources or {}),
        "note": adj.note,
        "created_at": adj.created_at.isoformat(timespec="seconds"),
        "supersedes_id": adj.supersedes_id,
        "record": adj.record,
    }
