"""Training from the app: start a LoRA job (a background worker process), follow it, cancel it, list jobs."""

from __future__ import annotations

import functools

from medui.backend.data.inputs import InputError
from medui.backend.service.core import allowed, as_id, checked_model, identity
from medui.backend.store.db import session_scope
from medui.config import get_settings

DATA_SOURCES = ("corrections", "gold", "both")
HYPERPARAMETERS = ("epochs", "max_steps", "lora_r", "learning_rate", "batch_size", "max_length")


def task_list(tasks: list[str] | str) -> list[str]:
    """Task ids from a list or a comma-separated text."""
    items = tasks.split(",") if isinstance(tasks, str) else list(tasks or [])
    return [t.strip() for t in items if t and t.strip()]


def start_training(
    tasks: list[str] | str,
    data: str,
    name: str,
    username: str | None = None,
    model: str | None = None,
    eval_limit: int | None = 20,
    **hyperparameters,
) -> dict:
    """Start a supervised LoRA job on the tasks' data; returns the job (its worker runs in the background)."""
    allowed(username, "train")
    from medui.backend.finetune import jobs
    from medui.backend.finetune.store_access import job_summary

    if data not in DATA_SOURCES:
        raise InputError(f"dati sconosciuti {data!r}: usa uno tra {', '.join(DATA_SOURCES)}")
    unknown = sorted(set(hyperparameters) - set(HYPERPARAMETERS))
    if unknown:
        raise InputError(f"iperparametri sconosciuti: {', '.join(unknown)}")
    overrides = {k: v for k, v in hyperparameters.items() if v not in (None, 0, "")}
    model = checked_model(model) if model else None
    with session_scope() as session:
        job = jobs.submit(
            session=session, tasks=task_list(tasks), name=(name or "").strip(), model=model or None,
            data=data, eval_limit=eval_limit, **overrides,
        )  # fmt: skip
        return job_summary(job, session)


def corrections_for_training(
    tasks: list[str] | str,
    model: str | None = None,
    max_length: int | None = None,
    username: str | None = None,
) -> list[dict]:
    """Per task, what a training job on the team's corrections would use and what it would leave out, and why
    (in an evaluation split, too long for the maximum length, pending adjudication): shown before a launch."""
    allowed(username, "train")
    from medui.backend.finetune import dataset
    from medui.tasks.registry import get_spec

    tokenizer, max_length = training_setup(model, max_length)
    with session_scope() as session:
        return [
            dataset.corrections_summary(get_spec(t), tokenizer, max_length, session) for t in task_list(tasks)
        ]


TRAINING_USE = {  # why a queue document's correction would (not) be trained on -> what the queue says
    None: "sì",
    "test": "no: il testo è di uno split di valutazione",
    "too_long": "no: troppo lungo per l'addestramento (oltre {max_length} token)",
    "pending": "no finché non è aggiudicato: le versioni degli annotatori non concordano",
    "double": "sì se le versioni degli annotatori concordano, altrimenti dopo l'aggiudicazione",
    "unchecked": "da verificare: {why}",
}


def training_setup(model: str | None = None, max_length: int | None = None) -> tuple:
    """The tokenizer and maximum length a job on `model` (default: the app's) would train with, as
    corrections_for_training and the correction queue measure records; ModelError when it cannot be loaded."""
    from medui.backend.finetune import jobs
    from medui.backend.inference.models import pick_device

    model = checked_model(model) if model else get_settings().model
    config = jobs.build_config("sft", None, pick_device(None), max_length=max_length or None)
    return _tokenizer(model), config.max_length


@functools.lru_cache(maxsize=2)
def _tokenizer(model: str):
    from medui.backend.finetune import train

    return train.load_tokenizer(model)


def queue_training_use(items: list, viewer, *, session) -> list[dict]:
    """For correction queue items (document, prediction): whether the document's correction would be trained
    on, and if not why, by the rule Addestra counts with (finetune.dataset.left_out on the prediction as the
    record, the record in force of store.in_force). A document with (or assigned to) several annotators is
    trained on when their versions agree or once adjudicated; a curator also sees when they already disagree
    (an annotator does not: double annotation is blind). Each: {"usable": bool | None, "why", "text"}."""
    from medui.backend.finetune.dataset import evaluation_hashes, left_out
    from medui.backend.store.assignment import assignees
    from medui.backend.store.corrections import CorrectionError, annotator_versions, checked_record
    from medui.backend.store.in_force import latest_adjudication, resolve
    from medui.errors import MeduiError
    from medui.tasks.registry import get_spec

    try:
        tokenizer, max_length = training_setup()
        unchecked = None
    except (MeduiError, OSError, ValueError) as exc:
        tokenizer, max_length, unchecked = None, 0, getattr(exc, "italian", None) or str(exc)
    held, marks = evaluation_hashes(), []
    for doc, prediction in items:
        spec = get_spec(doc.task)
        try:
            record = checked_record(spec, doc, dict(prediction.record))
        except CorrectionError:
            record = None
        why = None
        if record is None or unchecked:
            why = "unchecked"
        else:
            why = left_out(spec, record, tokenizer, max_length, held)
        if why is None:
            versions = annotator_versions(doc.id, session=session)
            adjudication = latest_adjudication(doc.id, session=session)
            others = set(versions) | set(assignees(doc.id, session=session)) | {viewer.name}
            if adjudication is None and len(others) > 1:
                state = resolve(spec, doc.id, versions, None).source if versions else "single"
                why = "pending" if state == "pending" and viewer.can("adjudicate") else "double"
        reason = unchecked or "la predizione non rispetta lo schema del compito"
        text = TRAINING_USE[why].format(max_length=max_length, why=reason)
        usable = {None: True, "double": None, "unchecked": None}.get(why, False)  # None: it depends
        marks.append({"usable": usable, "why": why, "text": text})
    return marks


def job_status(job_id: int, username: str | None = None) -> dict:
    """A job now: status, progress, loss curve, the end of its log and, when done, before/after scores."""
    identity(username)
    from medui.backend.finetune import jobs
    from medui.backend.finetune.store_access import job_summary

    with session_scope() as session:
        job = jobs.get(as_id(job_id, "lavoro"), session=session)
        row = job_summary(job, session)
        row["loss_curve"] = [list(point) for point in job.loss_curve or []]
        row["log"] = (job.log or "")[-4000:]
        row["params"] = dict(job.params or {})
        return row


def list_jobs(limit: int = 50) -> list[dict]:
    """The latest training jobs, newest first."""
    from medui.backend.finetune import jobs
    from medui.backend.finetune.store_access import job_summary

    with session_scope() as session:
        return [job_summary(j) for j in jobs.list_all(session=session, limit=limit)]


def cancel_training(job_id: int, username: str | None = None) -> dict:
    """Ask a job to stop (a running one is killed if it does not stop within a few seconds)."""
    allowed(username, "train")
    from medui.backend.finetune import jobs
    from medui.backend.finetune.store_access import job_summary

    with session_scope() as session:
        return job_summary(jobs.cancel(as_id(job_id, "lavoro"), session=session, grace_s=10.0), session)


def before_after(scores: dict | None) -> list[dict]:
    """Rows task x (base cd, base few-shot+cd, parent, adapter cd) of a variant's scores (primary metric x100),
    with the records scored and the adapter's paired difference (95% interval) against the model it should beat:
    the parent adapter it was trained from, else the base with few-shot+cd."""
    rows = []
    for task, runs in ((scores or {}).get("tasks") or {}).items():
        row: dict = {"task": task}
        for who in ("base", "parent", "adapter"):
            for strategy, m in (runs.get(who) or {}).items():
                value = m.get(m["primary"]) if "primary" in m else None
                row[f"{who} {strategy}"] = None if value is None else round(100 * value, 1)
                row["n"] = m.get("n", row.get("n"))
        paired = runs.get("paired")
        if paired:
            low, high = (round(100 * x, 1) for x in paired["interval"])
            row["paired"] = (
                f"{100 * paired['difference']:+.1f} [{low:+.1f}, {high:+.1f}] vs {paired['against']}"
                + ("" if paired["significant"] else " (non significativa)")
            )
        rows.append(row)
    return rows
