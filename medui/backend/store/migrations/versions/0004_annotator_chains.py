"""Each annotator's corrections of a document form their own chain; documents are assigned to annotators; curators
store adjudicated records.

Existing corrections become their author's chain: each one now supersedes the previous correction of the same
document by the same annotator (it superseded the previous one by anybody). Downgrading restores one chain per
document and drops the assignments and adjudications.

Revision ID: 0004_annotator_chains
Revises: 0003_run_progress
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_annotator_chains"
down_revision = "0003_run_progress"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _rechain(per_annotator: bool) -> None:
    """Set every correction's supersedes_id to the previous one of its document (and annotator)."""
    bind = op.get_bind()
    corrections = sa.Table("corrections", sa.MetaData(), autoload_with=bind)
    c = corrections.c
    query = sa.select(c.id, c.document_id, c.annotator, c.supersedes_id).order_by(c.id)
    previous: dict[tuple, int] = {}
    for row in bind.execute(query).mappings():
        key = (row["document_id"], row["annotator"]) if per_annotator else (row["document_id"],)
        before = previous.get(key)
        if row["supersedes_id"] != before:
            bind.execute(corrections.update().where(c.id == row["id"]).values(supersedes_id=before))
        previous[key] = row["id"]


def upgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.create_index("ix_corrections_document_annotator", ["document_id", "annotator"])
    _rechain(per_annotator=True)
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("annotator", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("assigned_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("document_id", "annotator", name="uq_assignment"),
    )
    op.create_index("ix_assignments_task", "assignments", ["task"])
    op.create_index("ix_assignments_document_id", "assignments", ["document_id"])
    op.create_index("ix_assignments_annotator", "assignments", ["annotator"])
    op.create_table(
        "adjudications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("curator", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("sources", JSON, nullable=False),
        sa.Column("taken_from", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("adjudications.id"), nullable=True),
    )
    op.create_index("ix_adjudications_task", "adjudications", ["task"])
    op.create_index("ix_adjudications_document_id", "adjudications", ["document_id"])


def downgrade() -> None:
    op.drop_table("adjudications")
    op.drop_table("assignments")
    _rechain(per_annotator=False)
    with op.batch_alter_table("corrections") as batch:
        batch.drop_index("ix_corrections_document_annotator")
