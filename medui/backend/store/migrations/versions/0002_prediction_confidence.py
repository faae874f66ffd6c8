"""Predictions keep a confidence (from the constrained output's token probabilities), indexed for the queue.

Revision ID: 0002_prediction_confidence
Revises: 0001_initial
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_prediction_confidence"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.create_index("ix_predictions_confidence", ["confidence"])


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_index("ix_predictions_confidence")
        batch.drop_column("confidence")
