"""The training side's reads and writes of the store: corrected records, job rows, registered variants.

Functions take `*, session` like the store's repo; job updates are single UPDATE statements guarded by the job's
status, so a worker never overwrites a cancellation it has not seen yet.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from medui.backend.store.tables import Document, ModelVariant, TrainingJob, utcnow

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")
LOG_MAX_CHARS = 20_000


class RegistrationRefused(RuntimeError):
    """The job ended (cancelled, found dead) before its adapter could be registered."""


def corrected_records(task: str, *, session: Session) -> list[dict]:
    """The record in force of every corrected document of a task (store/in_force.py: the adjudicated one, else
    the annotators' version when there is one or they agree); documents whose annotators disagree are not
    trained on until a curator adjudicates them."""
    from medui.backend.store.in_force import usable_records

    out = []
    for doc_id, source in usable_records(task, session=session)[0].items():
        record = dict(source)
        if "id" not in record:
            doc = session.get(Document, doc_id)
            record["id"] = doc.record_id if doc else f"doc{doc_id}"
        out.append(record)
    return out


# jobs -----------------------------------------------------------------------------------------------------
def create_job(*, session: Session, **values: Any) -> TrainingJob:
    job = TrainingJob(**values)
    session.add(job)
    session.commit()
    session.refresh(job)
    return job


def get_job(job_id: int, *, session: Session) -> TrainingJob | None:
    job = session.get(TrainingJob, job_id)
    if job is not None:
        session.refresh(job)
    return job


def list_jobs(*, session: Session, limit: int = 50) -> list[TrainingJob]:
    query = select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)
    rows = session.exec(query.execution_options(populate_existing=True))  # fresh values, not cached ones
    return list(rows)


def active_job_named(name: str, *, session: Session) -> TrainingJob | None:
    query = select(TrainingJob).where(TrainingJob.name == name, TrainingJob.status.in_(ACTIVE))
    return session.exec(query).first()


def update_job(
    job_id: int, *, session: Session, when_status: tuple[str, ...] | None = None, **values
) -> bool:
    """Set columns of a job (only while its status is one of when_status, if given); True if it changed."""
    stmt = sa.update(TrainingJob).where(TrainingJob.id == job_id).values(**values)
    if when_status:
        stmt = stmt.where(TrainingJob.status.in_(when_status))
    changed = session.execute(stmt).rowcount > 0
    session.commit()
    return changed


def finish_job(job_id: int, status: str, *, session: Session, error: str | None = None) -> bool:
    """Move an active job to a final status (a job already finished keeps its own).

    A job whose adapter is registered ends succeeded whatever happens after (the error is kept as a note);
    only a job without one ends failed or cancelled.
    """
    active = (TrainingJob.id == job_id, TrainingJob.status.in_(ACTIVE))
    values = {"finished_at": utcnow(), "error": error, "eta_seconds": None}
    registered = TrainingJob.adapter_variant_id.is_not(None)
    changed = session.execute(
        sa.update(TrainingJob).where(*active, registered).values(status="succeeded", **values)
    ).rowcount
    if not changed:
        unregistered = TrainingJob.adapter_variant_id.is_(None)
        stmt = sa.update(TrainingJob).where(*active, unregistered).values(status=status, **values)
        changed = session.execute(stmt).rowcount
    session.commit()
    return changed > 0


def reopen_job(job_id: int, *, session: Session) -> None:
    """Put a failed job back in the queue (resume): its error and end time are cleared, its log kept."""
    session.execute(
        sa.update(TrainingJob)
        .where(TrainingJob.id == job_id, TrainingJob.status == "failed")
        .values(
            status="queued", error=None, finished_at=None, cancel_requested=False, pid=None, eta_seconds=None
        )
    )
    session.commit()


def append_log(job_id: int, lines: list[str], *, session: Session) -> None:
    """Add lines to a job's log (its last LOG_MAX_CHARS characters are kept)."""
    job = session.get(TrainingJob, job_id)
    if job is None or not lines:
        return
    session.refresh(job, ["log"])
    text = (job.log or "") + "".join(line.rstrip("\n") + "\n" for line in lines)
    update_job(job_id, session=session, log=text[-LOG_MAX_CHARS:])


def cancel_requested(job_id: int, *, session: Session) -> bool:
    query = select(TrainingJob.cancel_requested, TrainingJob.status).where(TrainingJob.id == job_id)
    row = session.exec(query).first()
    return row is None or bool(row[0]) or row[1] == "cancelled"


# variants -------------------------------------------------------------------------------------------------
def variant_named(name: str, *, session: Session) -> ModelVariant | None:
    return session.exec(select(ModelVariant).where(ModelVariant.name == name)).first()


def register_adapter(job_id: int, name: str, path: str, meta: dict, *, session: Session) -> ModelVariant:
    """Register a trained adapter as a model variant and link it to its job, in one transaction."""
    variant = ModelVariant(
        name=name,
        kind="adapter",
        base=meta.get("base"),
        path=path,
        description=meta.get("description"),
        tasks=list(meta.get("tasks") or []),
        lineage={
            k: meta.get(k) for k in ("base", "parent", "objective", "data", "hyperparameters", "training")
        },
    )
    session.add(variant)
    session.flush()
    link = (
        sa.update(TrainingJob)
        .where(TrainingJob.id == job_id, TrainingJob.status.in_(ACTIVE))
        .values(adapter_variant_id=variant.id)
    )
    if session.execute(link).rowcount == 0:
        session.rollback()
        raise RegistrationRefused(f"job {job_id} is no longer active: adapter {name!r} not registered")
    session.commit()
    session.refresh(variant)
    return variant


def set_scores(variant_id: int, scores: dict, *, session: Session) -> None:
    session.execute(sa.update(ModelVariant).where(ModelVariant.id == variant_id).values(scores=scores))
    session.commit()


def evaluates_after(job: TrainingJob) -> bool:
    """Whether the job evaluates its adapter and base once trained (it has tasks and an evaluation limit not 0)."""
    return bool(job.tasks) and (job.params or {}).get("eval_limit") != 0


def job_row(job: TrainingJob) -> dict:
    """A job as plain data for the CLI and pages; eta_seconds is the training time left (evaluation excluded)
    at the speed its worker measured: None until the worker has measured a step and during the evaluation."""
    last = job.loss_curve[-1][1] if job.loss_curve else None
    return {
        "id": job.id,
        "name": job.name,
        "objective": job.objective,
        "tasks": list(job.tasks or []),
        "model": job.model,
        "data": job.data_source,
        "status": job.status,
        "progress": round(job.progress or 0.0, 3),
        "eta_seconds": job.eta_seconds,
        "evaluates": evaluates_after(job),
        "last_loss": last,
        "steps": len(job.loss_curve or []),
        "error": job.error,
        "pid": job.pid,
        "adapter_variant_id": job.adapter_variant_id,
        "created_at": job.created_at.isoformat(timespec="seconds") if job.created_at else None,
        "started_at": job.started_at.isoformat(timespec="seconds") if job.started_at else None,
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
    }


def job_summary(job, session=None) -> dict:
    """A job row, with its variant's scores once it has one."""
    row = job_row(job)
    if session is not None and job.adapter_variant_id is not None:
        variant = session.get(ModelVariant, job.adapter_variant_id)
        row["scores"] = variant.scores if variant else None
    return row
