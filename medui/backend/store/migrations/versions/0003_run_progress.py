"""Runs keep their progress, the process evaluating them and their error in columns (they were kept in
`parameters`, which now holds only what the run was asked to do).

Revision ID: 0003_run_progress
Revises: 0002_prediction_confidence
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_run_progress"
down_revision = "0002_prediction_confidence"
branch_labels = None
depends_on = None

COLUMNS = ("done", "total", "pid")


def _runs(bind) -> sa.Table:
    return sa.Table("runs", sa.MetaData(), autoload_with=bind)


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch.add_column(sa.Column("error", sa.String(), nullable=True))
    bind = op.get_bind()
    runs = _runs(bind)
    for row in bind.execute(sa.select(runs.c.id, runs.c.parameters, runs.c.metrics)).mappings():
        params, metrics = dict(row["parameters"] or {}), dict(row["metrics"] or {})
        done, total = params.pop("progress", None) or (None, None)
        values = {"done": done, "total": total, "pid": params.pop("pid", None), "parameters": params}
        if set(metrics) == {"error"}:  # a failed run kept only its error in metrics
            values.update(error=metrics["error"], metrics={})
        bind.execute(runs.update().where(runs.c.id == row["id"]).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    runs = _runs(bind)
    query = sa.select(runs.c.id, runs.c.parameters, runs.c.metrics, *(runs.c[n] for n in (*COLUMNS, "error")))
    for row in bind.execute(query).mappings():
        params = dict(row["parameters"] or {})
        if row["total"] is not None:
            params["progress"] = [row["done"], row["total"]]
        if row["pid"] is not None:
            params["pid"] = row["pid"]
        metrics = {"error": row["error"]} if row["error"] else row["metrics"]
        bind.execute(runs.update().where(runs.c.id == row["id"]).values(parameters=params, metrics=metrics))
    with op.batch_alter_table("runs") as batch:
        for name in (*COLUMNS, "error"):
            batch.drop_column(name)
