"""Assignment: a curator gives a task's documents to annotators, k distinct annotators a document.

Documents are taken in the queue's order (least confident newest prediction first, documents without a
prediction last, then by id) and each one still short of k assignments gets the annotators with the fewest
documents of the task so far (ties: the order they were named in), so loads differ by at most one across a
run. Assigning again tops up documents short of k and adds new ones; it never moves an assignment. An
annotator's queue (corrections.correction_queue) holds their assigned documents first. Who may assign, who may be
given documents and who may save another's document are checked above the store (service/team.py,
service/corrections.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from medui.backend.store.db import StoreError
from medui.backend.store.repo import get_or_create_user
from medui.backend.store.tables import Assignment, Correction, Document, Prediction
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec


class AssignmentError(StoreError):
    """An assignment that cannot be made as asked (annotators, overlap, limit)."""


def checked_request(
    task: str, names: Sequence[str], per_document: int, limit: int | None
) -> tuple[TaskSpec, list[str]]:
    """The task and the annotators named (stripped); AssignmentError for a limit below 1, no annotator, one
    named twice, or fewer annotators than a document needs."""
    spec = get_spec(task)
    if limit is not None and limit < 1:
        raise AssignmentError(
            "--limit must be 1 or more", italian="il numero di documenti deve essere almeno 1"
        )
    clean = [n.strip() for n in names if n and n.strip()]
    if not clean:
        raise AssignmentError(
            "name the annotators to assign documents to (--annotators a,b,c)",
            italian="scegli gli annotatori a cui assegnare i documenti",
        )
    repeated = sorted(n for n, count in Counter(clean).items() if count > 1)
    if repeated:
        raise AssignmentError(
            f"annotator named twice: {', '.join(repeated)}",
            italian=f"annotatore indicato due volte: {', '.join(repeated)}",
        )
    if not 1 <= per_document <= len(clean):
        raise AssignmentError(
            f"{per_document} annotators a document cannot be met by {len(clean)} annotators: "
            f"use --per-document from 1 to {len(clean)}",
            italian=(
                f"{per_document} annotatori per documento con {len(clean)} annotatori scelti: "
                f"indica da 1 a {len(clean)} annotatori per documento"
            ),
        )
    return spec, clean


def documents_in_queue_order(task: str, *, session: Session, split: str | None = None) -> list[int]:
    """A task's document ids, least confident newest prediction first, those without a prediction last."""
    docs = select(Document.id).where(Document.task == task)
    if split is not None:
        docs = docs.where(Document.split == split)
    doc_ids = list(session.exec(docs))
    newest = select(func.max(Prediction.id)).where(col(Prediction.document_id).in_(docs))
    query = select(Prediction.document_id, Prediction.confidence).where(
        col(Prediction.id).in_(newest.group_by(Prediction.document_id))
    )
    confidence = dict(session.exec(query).all())
    unseen = float("inf")

    def order(doc_id: int) -> tuple:
        has = doc_id in confidence
        value = confidence.get(doc_id)
        return (not has, value is None, value if value is not None else unseen, doc_id)

    return sorted(doc_ids, key=order)


def assign_documents(
    spec: TaskSpec,
    names: list[str],
    per_document: int,
    *,
    session: Session,
    assigned_by: str,
    limit: int | None = None,
    split: str | None = None,
    documents: Sequence[int] | None = None,
) -> dict:
    """Give documents of a task to annotators, `per_document` distinct ones each (see the module docstring);
    `limit`: at most that many documents get new assignments; `documents`: these ones (ids of the task's
    documents, in this order) instead of the queue's. The task and names as `checked_request` gives them, each
    name a user who may correct; `assigned_by`: who assigns (service.team.assign_documents)."""
    order = (
        documents_in_queue_order(spec.id, session=session, split=split)
        if documents is None
        else task_documents(spec, documents, session=session)
    )
    users = {n: get_or_create_user(n, session=session) for n in names}
    held: dict[int, set[str]] = {}
    for doc_id, name in session.exec(
        select(Assignment.document_id, Assignment.annotator).where(Assignment.task == spec.id)
    ):
        held.setdefault(doc_id, set()).add(name)
    load = Counter({n: 0 for n in names})
    load.update(name for holders in held.values() for name in holders if name in load)
    new: Counter = Counter()
    documents = 0
    for doc_id in order:
        holders = held.get(doc_id, set())
        need = per_document - len(holders)
        if need <= 0:
            continue
        if limit is not None and documents >= limit:
            break
        free = [n for n in names if n not in holders]
        for name in sorted(free, key=lambda n: (load[n], names.index(n)))[:need]:
            session.add(
                Assignment(task=spec.id, document_id=doc_id, annotator=name, user_id=users[name].id,
                           assigned_by=assigned_by)
            )  # fmt: skip
            load[name] += 1
            new[name] += 1
        documents += 1
    session.flush()
    return {
        "task": spec.id,
        "per_document": per_document,
        "documents": documents,
        "assignments": sum(new.values()),
        "new": {n: new[n] for n in names},
        "load": {n: load[n] for n in names},
        "assigned_by": assigned_by,
    }


def task_documents(spec: TaskSpec, ids: Sequence[int], *, session: Session) -> list[int]:
    """The ids given, once each in their order, after checking each names a document of the task
    (AssignmentError naming those that do not)."""
    wanted = list(dict.fromkeys(ids))
    query = select(Document.id).where(Document.task == spec.id, col(Document.id).in_(wanted))
    found = set(session.exec(query))
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:10]) + (" …" if len(missing) > 10 else "")
        raise AssignmentError(
            f"not documents of {spec.id}: {shown}",
            italian=f"questi numeri non sono documenti di {spec.id}: {shown}",
        )
    return wanted


def assignment_rows(task: str, *, session: Session, limit: int = 500) -> list[dict]:
    """A task's assigned documents, newest assignment first (at most `limit`): each with its annotators, who of
    them corrected it, and whether a curator adjudicated it."""
    from medui.backend.store.tables import Adjudication

    newest = func.max(Assignment.id)
    query = (
        select(Assignment.document_id)
        .where(Assignment.task == task)
        .group_by(Assignment.document_id)
        .order_by(newest.desc(), Assignment.document_id)
        .limit(limit)
    )
    doc_ids = list(session.exec(query))
    holders: dict[int, list[str]] = {d: [] for d in doc_ids}
    rows = session.exec(select(Assignment).where(col(Assignment.document_id).in_(doc_ids)))
    for row in sorted(rows, key=lambda a: a.id or 0):
        holders[row.document_id].append(row.annotator)
    done = set(session.exec(
        select(Correction.document_id, Correction.annotator).where(col(Correction.document_id).in_(doc_ids))
    ).all())  # fmt: skip
    adjudicated = set(
        session.exec(select(Adjudication.document_id).where(col(Adjudication.document_id).in_(doc_ids)))
    )
    docs = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(doc_ids)))}
    return [
        {
            "document_id": d, "record_id": docs[d].record_id, "split": docs[d].split, "annotators": holders[d],
            "corrected_by": [n for n in holders[d] if (d, n) in done], "adjudicated": d in adjudicated,
        }
        for d in doc_ids
    ]  # fmt: skip


def assignment_progress(task: str, *, session: Session) -> list[dict]:
    """Per annotator of a task: documents assigned, how many of them they corrected, and how many have a
    prediction (only those show in the correction queue)."""
    spec = get_spec(task)
    mine = Assignment.task == spec.id
    assigned = select(Assignment.annotator, func.count()).where(mine).group_by(Assignment.annotator)
    corrected = (
        select(Assignment.annotator, func.count(func.distinct(Correction.document_id)))
        .join(Correction, sa.and_(Correction.document_id == Assignment.document_id,
                                  Correction.annotator == Assignment.annotator))
        .where(mine)
        .group_by(Assignment.annotator)
    )  # fmt: skip
    predicted = (
        select(Assignment.annotator, func.count(func.distinct(Prediction.document_id)))
        .join(Prediction, Prediction.document_id == Assignment.document_id)
        .where(mine)
        .group_by(Assignment.annotator)
    )
    done, with_prediction = dict(session.exec(corrected).all()), dict(session.exec(predicted).all())
    return [
        {
            "annotator": name,
            "assigned": n,
            "corrected": done.get(name, 0),
            "with_prediction": with_prediction.get(name, 0),
        }
        for name, n in sorted(session.exec(assigned).all())
    ]


def assignees(document_id: int, *, session: Session) -> list[str]:
    """The annotators a document is assigned to, by name (empty: nobody's)."""
    query = select(Assignment.annotator).where(Assignment.document_id == document_id)
    return sorted(set(session.exec(query)))


def check_assigned(document_id: int, annotator: str, *, session: Session) -> None:
    """Refuse a save of a document assigned to other annotators (AssignmentError naming them): it would become
    a version beside theirs, and the record in force where theirs agree. A curator or researcher may save any
    document, as they adjudicate: service.corrections.check_saver asks this only of the others."""
    holders = assignees(document_id, session=session)
    if not holders or annotator in holders:
        return
    names = ", ".join(holders)
    raise AssignmentError(
        f"document {document_id} is assigned to {names}, not to {annotator}: only they or a curator may save it",
        italian=(
            f"Salvataggio rifiutato: il documento {document_id} è assegnato a {names}, non a {annotator}; solo "
            "loro o un curatore possono salvarne una versione. Prendi il prossimo documento della tua coda."
        ),
    )
