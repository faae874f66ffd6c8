"""Store functions over an explicit session: users, documents, runs, predictions (corrections: corrections.py).

Every function takes `*, session` and flushes (so new rows have ids) but never commits: the caller's
`session_scope` does. User errors raise StoreError (a ValueError) with a one-line message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from medui.backend.store.db import StoreError
from medui.backend.store.tables import USER_ROLES, Document, Prediction, Run, User, utcnow
from medui.tasks.kinds import kind_for
from medui.tasks.records import doc_hash, gold_part
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score_record
from medui.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from medui.backend.evaluation.info import RunInfo
    from medui.backend.inference import engine

INPUT_KEYS = ("id", "text", "context", "question", "options")
IN_CHUNK = 500  # values of one IN (...) list: its bind parameters stay far under SQLite's limit (999 before
# version 3.32, 32,766 since) and PostgreSQL's 65,535, whatever else the query binds


class NotFound(StoreError):
    """A row named by id that does not exist."""


def chunked(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    """Values in lists of at most `size`, in their order."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_in(query: Any, column: Any, values: Iterable, *, session: Session, size: int = IN_CHUNK) -> list:
    """The rows of a query whose `column` is one of `values`, asked for `size` values at a time (a single IN
    list of every value would pass the databases' limit on bind parameters)."""
    return [row for part in chunked(values, size) for row in session.exec(query.where(col(column).in_(part)))]


# users ------------------------------------------------------------------------------------------------
def get_or_create_user(name: str, role: str = "annotator", *, session: Session) -> User:
    """The user of that name, created with the role when new (an existing user keeps its role).

    Two requests creating the same new user at once both get the one row: the INSERT waits for the other
    transaction and skips a name it stored (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike). Not a
    savepoint around a plain INSERT: pysqlite opens no transaction before one, so its release would commit.
    """
    name = (name or "").strip()
    if not name:
        raise StoreError("a user needs a name")
    user = session.exec(select(User).where(User.name == name)).first()
    if user is not None:
        return user
    if role not in USER_ROLES:
        raise StoreError(f"unknown role {role!r}: use one of {', '.join(USER_ROLES)}")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    new = insert(User).values(name=name, role=role, created_at=utcnow())
    session.exec(new.on_conflict_do_nothing(index_elements=["name"]))
    return session.exec(select(User).where(User.name == name)).one()


def remember_task(name: str, task: str, *, session: Session) -> None:
    """Note the task a user chose last (a user new to the store is created, as an annotator)."""
    get_or_create_user(name, session=session).last_task = get_spec(task).id
    session.flush()


def last_task(name: str, *, session: Session) -> str | None:
    """The task a user chose last; None for a user who never chose one (or is not stored)."""
    return session.exec(select(User.last_task).where(User.name == name)).first()


# documents --------------------------------------------------------------------------------------------
def document_text(spec: TaskSpec, record: dict) -> str:
    """The text a document shows: the record's text, or a QA record's input (context, question, options)."""
    if isinstance(record.get("text"), str):
        return record["text"]
    return kind_for(spec).render_input(spec, record)


def input_record(record: dict) -> dict:
    """What the model reads of a record: its id and inputs, without annotations."""
    return {k: record[k] for k in INPUT_KEYS if k in record}


def record_key(record: dict) -> str:
    """A record's id as stored; a record without one is refused."""
    rid = record.get("id")
    if rid is None or str(rid) == "":
        raise StoreError("a record without an id cannot be stored")
    return str(rid)


def ensure_documents(
    task: str | TaskSpec,
    split: str,
    records: Sequence[dict],
    *,
    session: Session,
    source: str = "",
    gold: bool = True,
) -> list[Document]:
    """The documents of records (by task, split and id), created when missing, in the records' order.

    `task`: its id, or its spec. With `gold`, the records are gold records: stored as the documents' gold
    (updated when it changed). A stored document whose text changed is refused: its predictions and corrections
    point into that text.
    """
    if isinstance(task, TaskSpec):
        spec, task = task, task.id
    else:
        spec = get_spec(task)
    keys = [record_key(r) for r in records]
    query = select(Document).where(Document.task == task, Document.split == split)
    by_key = {d.record_id: d for d in rows_in(query, Document.record_id, set(keys), session=session)}
    out = []
    for key, record in zip(keys, records, strict=True):
        doc = by_key.get(key)
        clean = clean_record(record) if gold else None
        if doc is None:
            doc = by_key[key] = new_document(spec, split, record, source=source, gold=clean)
            session.add(doc)
        elif doc.hash != record_hash(record):
            raise StoreError(
                f"record {key!r} of {task}/{split} changed its text since it was stored as document {doc.id}; "
                "give the changed record a new id"
            )
        elif gold and doc.gold != clean:
            doc.gold = clean
        out.append(doc)
    session.flush()
    return out


def record_hash(record: dict) -> str:
    """The document hash of a record, as the engine computes it for predictions."""
    return doc_hash(record)


def new_document(spec: TaskSpec, split: str, record: dict, *, source: str, gold: dict | None) -> Document:
    """A document row for a record (not added to a session)."""
    return Document(
        task=spec.id,
        split=split,
        record_id=record_key(record),
        source=source,
        text=document_text(spec, record),
        hash=record_hash(record),
        input=input_record(record),
        gold=gold,
    )


def get_document(document_id: int, *, session: Session) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    return doc


def clean_record(record: dict) -> dict:
    """A record without the prediction-only keys (records.PREDICTION_KEYS: valid, error, dropped, ...)."""
    return gold_part(record)


# runs and predictions ---------------------------------------------------------------------------------
def save_run(
    info: RunInfo,
    *,
    session: Session,
    parameters: dict | None = None,
    metrics: dict | None = None,
    started_at: datetime | None = None,
    seconds: float | None = None,
    status: str = "succeeded",
) -> Run:
    """A run row for what ran (a model, a task with its spec and prompt versions, a strategy, a split); a run
    whose prompts carried the label guidelines says so in its parameters (`guidelines`: true), so that
    find_stored_run never takes it for one without."""
    parameters = {**(parameters or {}), **({"guidelines": True} if info.guidelines else {})}
    run = Run(
        task=info.spec.id,
        split=info.split,
        model=info.model,
        adapter=info.adapter,
        strategy=info.strategy,
        shots=info.shots,
        seed=info.seed,
        spec_version=info.spec.version,
        prompt_version=info.spec.prompt,
        parameters=dict(parameters or {}),
        metrics=dict(metrics or {}),
        started_at=started_at or utcnow(),
        seconds=seconds,
        status=status,
    )
    session.add(run)
    session.flush()
    return run


def save_predictions(
    run: Run,
    predictions: Sequence[engine.Prediction],
    golds: Sequence[dict | None],
    *,
    session: Session,
    source: str = "",
    spec: TaskSpec | None = None,
) -> list[Prediction]:
    """Store a run's predictions with their documents; each one scored against its gold record (if any).
    `spec`: the run's task spec, when the caller has it."""
    if len(predictions) != len(golds):
        raise StoreError(f"{len(predictions)} predictions but {len(golds)} gold records")
    spec = spec or get_spec(run.task)
    split = run.split or "predict"
    docs = _documents_for(spec, split, predictions, golds, session=session, source=source)
    rows = []
    for pred, gold, doc in zip(predictions, golds, docs, strict=True):
        counts, score = score_record(spec, clean_record(gold) if gold else None, pred.record)
        rows.append(
            Prediction(
                run_id=run.id,
                document_id=doc.id,
                record=pred.record,
                raw_output=pred.raw,
                valid=bool(pred.record.get("valid", True)),
                error=pred.record.get("error"),
                prompt_hash=pred.prompt_hash,
                latency=pred.latency,
                prompt_tokens=pred.prompt_tokens,
                output_tokens=pred.output_tokens,
                confidence=pred.confidence,
                counts=counts,
                score=score,
                demonstrations=list(pred.demonstrations) or None,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def _documents_for(
    spec: TaskSpec,
    split: str,
    predictions: Sequence[engine.Prediction],
    golds: Sequence[dict | None],
    *,
    session: Session,
    source: str,
) -> list[Document]:
    """Documents of gold records, or of the predictions' inputs where there is no gold."""
    with_gold = [i for i, g in enumerate(golds) if g is not None]
    without = [i for i, g in enumerate(golds) if g is None]
    docs: dict[int, Document] = {}
    for indices, gold in ((with_gold, True), (without, False)):
        records = [(golds[i] or {}) if gold else predictions[i].record for i in indices]
        found = ensure_documents(spec, split, records, session=session, source=source, gold=gold)
        docs.update(zip(indices, found, strict=True))
    return [docs[i] for i in range(len(golds))]


def get_prediction(prediction_id: int, *, session: Session) -> Prediction:
    row = session.get(Prediction, prediction_id)
    if row is None:
        raise NotFound(f"prediction {prediction_id} does not exist")
    return row


def run_predictions(run_id: int, *, session: Session) -> list[Prediction]:
    """A run's predictions in the order they were stored."""
    return list(session.exec(select(Prediction).where(Prediction.run_id == run_id).order_by(Prediction.id)))


def run_record_counts(run_id: int, *, session: Session) -> dict[str, dict]:
    """A run's per-record metric counts by record id, in stored order (predictions without gold left out)."""
    query = (
        select(Document.record_id, Prediction.counts)
        .join(Document, col(Prediction.document_id) == col(Document.id))
        .where(Prediction.run_id == run_id)
        .order_by(col(Prediction.id))
    )
    return {record_id: counts for record_id, counts in session.exec(query) if counts}
