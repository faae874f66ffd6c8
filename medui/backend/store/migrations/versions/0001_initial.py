"""The first schema: users, documents, runs, predictions, corrections, training jobs, model variants.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _now(name: str = "created_at", nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        _now(),
    )
    op.create_index("ix_users_name", "users", ["name"], unique=True)
    op.create_table(
        "documents",
        _id(),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("split", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("input", JSON, nullable=True),
        sa.Column("gold", JSON, nullable=True),
        _now(),
        sa.UniqueConstraint("task", "split", "record_id", name="uq_document_record"),
    )
    op.create_index("ix_documents_task", "documents", ["task"])
    op.create_index("ix_documents_hash", "documents", ["hash"])
    op.create_table(
        "runs",
        _id(),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("split", sa.String(), nullable=True),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("adapter", sa.String(), nullable=True),
        sa.Column("strategy", sa.String(), nullable=False),
        sa.Column("shots", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("spec_version", sa.Integer(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        _now("started_at"),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
    )
    op.create_index("ix_runs_task", "runs", ["task"])
    op.create_table(
        "predictions",
        _id(),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("raw_output", sa.Text(), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("prompt_hash", sa.String(), nullable=False),
        sa.Column("latency", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        _now(),
    )
    op.create_index("ix_predictions_run_id", "predictions", ["run_id"])
    op.create_index("ix_predictions_document_id", "predictions", ["document_id"])
    _create_corrections()
    _create_training()


def _create_corrections() -> None:
    op.create_table(
        "corrections",
        _id(),
        sa.Column("prediction_id", sa.Integer(), sa.ForeignKey("predictions.id"), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("annotator", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        _now(),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("corrections.id"), nullable=True),
    )
    op.create_index("ix_corrections_prediction_id", "corrections", ["prediction_id"])
    op.create_index("ix_corrections_document_id", "corrections", ["document_id"])
    op.create_index("ix_corrections_task", "corrections", ["task"])


def _create_training() -> None:
    op.create_table(
        "model_variants",
        _id(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("base", sa.String(), nullable=True),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("tasks", JSON, nullable=False),
        sa.Column("lineage", JSON, nullable=False),
        sa.Column("scores", JSON, nullable=False),
        _now(),
    )
    op.create_index("ix_model_variants_name", "model_variants", ["name"], unique=True)
    op.create_table(
        "training_jobs",
        _id(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tasks", JSON, nullable=False),
        sa.Column("objective", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=True),
        sa.Column("data_source", sa.String(), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("loss_curve", JSON, nullable=False),
        sa.Column("log", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        _now(),
        _now("started_at", nullable=True),
        _now("heartbeat_at", nullable=True),
        _now("finished_at", nullable=True),
        sa.Column("adapter_variant_id", sa.Integer(), sa.ForeignKey("model_variants.id"), nullable=True),
    )
    op.create_index("ix_training_jobs_name", "training_jobs", ["name"])
    op.create_index("ix_training_jobs_status", "training_jobs", ["status"])


def downgrade() -> None:
    for table in (
        "training_jobs",
        "model_variants",
        "corrections",
        "predictions",
        "runs",
        "documents",
        "users",
    ):
        op.drop_table(table)
