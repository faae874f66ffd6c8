"""The database schema (SQLModel): users, documents, runs, predictions, corrections, assignments, adjudications,
training jobs, variants.

JSON columns are JSON on SQLite and JSONB on PostgreSQL. Times are timezone-aware UTC (`utcnow()`): SQLModel's
UTCDateTime refuses naive values and reads UTC back on both databases. Schema changes go through a new Alembic revision in migrations/versions/, never an edit in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlmodel import Field, SQLModel

USER_ROLES = ("clinician", "annotator", "curator", "researcher")
CORRECTION_KINDS = ("edit", "accept")
JOB_OBJECTIVES = ("sft", "cpt")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
VARIANT_KINDS = ("bundled", "local", "hub", "adapter")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (datetime columns refuse naive values)."""
    return datetime.now(UTC)


def json_type() -> sa.types.TypeEngine:
    """JSON, as JSONB on PostgreSQL; a new instance each time (Mutable*.as_mutable binds to the instance)."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def json_column(nullable: bool = True, mutable: Any = None) -> Any:
    """A JSON column; `mutable` (MutableDict or MutableList) tracks in-place changes of the top level."""
    column_type = mutable.as_mutable(json_type()) if mutable else json_type()
    return sa.Column(column_type, nullable=nullable)


def text_column(nullable: bool = True) -> Any:
    return sa.Column(sa.Text, nullable=nullable)


class User(SQLModel, table=True):
    """A person using the workbench; corrections name their annotator."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str = "annotator"  # clinician | annotator | curator | researcher
    password_hash: str | None = None
    last_task: str | None = None  # the task chosen last on a page that picks one: the pages open on it
    created_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    """A record of one task and split: its input (what the model reads) and its gold record when there is one."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("task", "split", "record_id", name="uq_document_record"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(index=True)
    split: str
    record_id: str
    source: str = ""
    text: str = Field(sa_column=text_column(nullable=False))
    hash: str = Field(index=True)
    input: dict | None = Field(default=None, sa_column=json_column())  # the record without its annotations
    gold: dict | None = Field(default=None, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One evaluation (or prediction) run of a model on a task."""

    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(index=True)
    split: str | None = None
    model: str
    adapter: str | None = None
    strategy: str
    shots: int = 0
    seed: int = 0
    spec_version: int
    prompt_version: str
    parameters: dict = Field(default_factory=dict, sa_column=json_column(False, MutableDict))
    metrics: dict = Field(default_factory=dict, sa_column=json_column(False, MutableDict))
    started_at: datetime = Field(default_factory=utcnow)
    seconds: float | None = None
    status: str = "succeeded"  # running | succeeded | failed
    done: int | None = None  # records predicted so far, while running in the background
    total: int | None = None
    pid: int | None = None  # the server process evaluating it (a running run whose process is gone failed)
    error: str | None = None


class Prediction(SQLModel, table=True):
    """A model's prediction for a document, kept for audit: raw output, prompt hash, counts vs gold."""

    __tablename__ = "predictions"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    record: dict = Field(sa_column=json_column(nullable=False))
    raw_output: str = Field(default="", sa_column=text_column())
    valid: bool = True
    error: str | None = None
    prompt_hash: str = ""
    latency: float | None = None
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    confidence: float | None = Field(default=None, index=True)
    counts: dict | None = Field(default=None, sa_column=json_column())
    score: float | None = None
    demonstrations: list | None = Field(default=None, sa_column=json_column())  # example ids, best first
    created_at: datetime = Field(default_factory=utcnow)


class Correction(SQLModel, table=True):
    """A corrected (or accepted) record; append-only. Each annotator's corrections of a document form their own
    chain: a newer one of the same document and annotator supersedes it (that annotator's version)."""

    __tablename__ = "corrections"
    __table_args__ = (sa.Index("ix_corrections_document_annotator", "document_id", "annotator"),)

    id: int | None = Field(default=None, primary_key=True)
    prediction_id: int | None = Field(default=None, foreign_key="predictions.id", index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    task: str = Field(index=True)
    record: dict = Field(sa_column=json_column(nullable=False))
    annotator: str
    user_id: int | None = Field(default=None, foreign_key="users.id")
    note: str | None = Field(default=None, sa_column=text_column())
    kind: str = "edit"  # edit | accept
    counts: dict | None = Field(default=None, sa_column=json_column())  # the prediction vs this record
    score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    supersedes_id: int | None = Field(default=None, foreign_key="corrections.id")


class Assignment(SQLModel, table=True):
    """A document of a task given to an annotator to correct (k annotators a document for double annotation)."""

    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("document_id", "annotator", name="uq_assignment"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    annotator: str = Field(index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    assigned_by: str
    created_at: datetime = Field(default_factory=utcnow)


class Adjudication(SQLModel, table=True):
    """A curator's final record of a document, made from the annotators' versions; append-only, the newest of a
    document is in force (it wins over every annotator's version for export and training)."""

    __tablename__ = "adjudications"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    record: dict = Field(sa_column=json_column(nullable=False))
    curator: str
    user_id: int | None = Field(default=None, foreign_key="users.id")
    sources: dict = Field(default_factory=dict, sa_column=json_column(False))  # annotator -> correction id
    taken_from: str | None = None  # the annotator whose version was taken as it is; None: a record given
    note: str | None = Field(default=None, sa_column=text_column())
    created_at: datetime = Field(default_factory=utcnow)
    supersedes_id: int | None = Field(default=None, foreign_key="adjudications.id")


class TrainingJob(SQLModel, table=True):
    """A fine-tuning (sft) or continual pre-training (cpt) job run in its own process."""

    __tablename__ = "training_jobs"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    tasks: list = Field(default_factory=list, sa_column=json_column(False, MutableList))
    objective: str = "sft"  # sft | cpt
    model: str | None = None  # base model or variant name
    data_source: str = "corrections"  # corrections | gold | both, or a corpus path for cpt
    params: dict = Field(default_factory=dict, sa_column=json_column(False, MutableDict))
    status: str = Field(default="queued", index=True)  # queued | running | succeeded | failed | cancelled
    progress: float = 0.0
    eta_seconds: float | None = None  # training time left at the speed measured so far (None: not measured)
    loss_curve: list = Field(default_factory=list, sa_column=json_column(False, MutableList))
    log: str = Field(default="", sa_column=text_column())
    pid: int | None = None
    error: str | None = Field(default=None, sa_column=text_column())
    cancel_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    adapter_variant_id: int | None = Field(default=None, foreign_key="model_variants.id")


class ModelVariant(SQLModel, table=True):
    """A named model: bundled, local folder, hub id or LoRA adapter with its lineage and scores."""

    __tablename__ = "model_variants"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str = "adapter"  # bundled | local | hub | adapter
    base: str | None = None
    path: str | None = None
    description: str | None = None
    tasks: list = Field(default_factory=list, sa_column=json_column(False, MutableList))
    lineage: dict = Field(default_factory=dict, sa_column=json_column(False, MutableDict))
    scores: dict = Field(default_factory=dict, sa_column=json_column(False, MutableDict))
    created_at: datetime = Field(default_factory=utcnow)
