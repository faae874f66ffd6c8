"""Training jobs keep an estimate of their training time left, from the speed measured by their worker.

Revision ID: 0006_training_job_eta
Revises: 0005_user_last_task
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_training_job_eta"
down_revision = "0005_user_last_task"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("eta_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("eta_seconds")
