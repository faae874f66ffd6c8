"""Users keep the task they chose last: the pages that pick a task open on it.

Revision ID: 0005_user_last_task
Revises: 0004_annotator_chains
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_user_last_task"
down_revision = "0004_annotator_chains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("last_task", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_task")
