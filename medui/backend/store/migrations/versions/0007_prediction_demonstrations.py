"""Predictions keep the ids of the demonstrations (few-shot examples) in their prompt, best first.

Revision ID: 0007_prediction_demonstrations
Revises: 0006_training_job_eta
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_prediction_demonstrations"
down_revision = "0006_training_job_eta"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("demonstrations", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("demonstrations")
