"""Training jobs: a row in the database and a worker process (`python -m medui.backend.finetune.worker ID`).

`submit` checks everything a user can get wrong (task, model, name, data, corpus) before any process starts,
records the job and launches its worker; the worker writes status, progress, loss curve and log to the row.
`cancel` asks the worker to stop between steps and kills it if it does not within a grace period. Every look at
the jobs (`refresh`; `sweep` from the app's model listings) turns a queued or running job whose process is gone
into a failed one ("interrupted: ...") and removes what it left half-written. A job cancelled, failed or killed
before its adapter was registered leaves no adapter: not the staging folder, and not an adapter folder renamed
into place but not yet registered; a base with damaged weights is refused at submission (`check_weights`).

Once the adapter is registered, the job evaluates it; a cancel then only skips the remaining evaluation (the
job ends succeeded, its adapter kept).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from medui.backend import processes
from medui.backend.data.common import DataError
from medui.backend.data.inputs import InputError
from medui.backend.finetune import cpt, dataset, distributed
from medui.backend.finetune import store_access as sa_jobs
from medui.backend.finetune.recipe import TrainConfig, default_recipe, load_recipe
from medui.backend.finetune.train import check_adapter_name, remove_staging
from medui.backend.inference import models
from medui.backend.processes import pid_alive
from medui.backend.store.tables import TrainingJob
from medui.config import get_settings
from medui.tasks.registry import get_spec

WORKER_MODULE = "medui.backend.finetune.worker"
DEFAULT_EVAL_LIMIT = 20
_CHILDREN: dict[int, subprocess.Popen] = {}


def build_config(objective: str, recipe: str | None, device: str, **overrides) -> TrainConfig:
    """The recipe (default: this machine's for the objective) with the given overrides."""
    config = load_recipe(recipe or default_recipe(objective, device))
    return config.with_overrides(objective=objective, **overrides)


def _check_request(
    tasks: list[str], objective: str, data: str, name: str, corpus: str | None, session
) -> None:
    check_adapter_name(name)
    if sa_jobs.variant_named(name, session=session) or sa_jobs.active_job_named(name, session=session):
        raise InputError(f"the name {name!r} is taken by a registered variant or an active job")
    specs = [get_spec(t) for t in tasks]
    if objective == "cpt":
        if not corpus:
            raise InputError("--objective cpt needs --corpus PATH.jsonl")
        cpt.corpus_texts(corpus)
        return
    if not specs:
        raise InputError("--tasks names no task")
    if sum(len(dataset.task_records(spec, data, session)[0]) for spec in specs) == 0:
        raise DataError(
            f"no training data: {data} gives no record for {', '.join(tasks)} (test records excluded)"
        )


def submit(
    *,
    session: Session,
    tasks: list[str],
    name: str,
    model: str | None = None,
    data: str = "corrections",
    objective: str = "sft",
    corpus: str | None = None,
    recipe: str | None = None,
    eval_limit: int | None = DEFAULT_EVAL_LIMIT,
    base_fewshot: bool = True,
    device: str | None = None,
    launcher: str = "local",
    processes: int = 2,
    start: bool = True,
    **overrides,
) -> TrainingJob:
    """Check a training request, record it as a queued job and start its worker process.

    launcher "accelerate": the worker runs as `processes` data-parallel ranks under `accelerate launch`."""
    check_launcher(launcher, processes)
    model = model or get_settings().model
    check_weights(models.resolve(model))  # the user's error, now rather than in the worker
    device = models.pick_device(device)
    config = build_config(objective, recipe, device, **overrides)
    _check_request(tasks, objective, data, name, corpus, session)
    params = {
        "config": config.to_dict(),
        "recipe": recipe or default_recipe(objective, device),
        "corpus": str(Path(corpus).resolve()) if corpus else None,
        "eval_limit": eval_limit,
        "base_fewshot": base_fewshot,
        "device": device,
        "launcher": launcher,
        "processes": processes if launcher == "accelerate" else 1,
    }
    source = params["corpus"] if objective == "cpt" else data
    job = sa_jobs.create_job(
        session=session,
        name=name,
        tasks=tasks,
        objective=objective,
        model=model,
        data_source=source,
        params=params,
    )
    if start:
        pid = spawn_worker(job)
        sa_jobs.update_job(job.id, session=session, pid=pid)
        session.refresh(job)
    return job


def check_launcher(launcher: str, processes: int) -> None:
    """A launcher medui knows, with at least one process, and accelerate installed when it is asked for."""
    if launcher not in distributed.LAUNCHERS:
        raise InputError(f"unknown launcher {launcher!r}: use one of {', '.join(distributed.LAUNCHERS)}")
    if processes < 1:
        raise InputError(f"--processes must be at least 1 (got {processes})")
    if launcher == "accelerate" and not distributed.accelerate_available():
        raise InputError("--launcher accelerate needs the accelerate package: pip install accelerate")


def check_weights(variant: models.Variant) -> None:
    """Refuse a base whose folder has no weights or a damaged safetensors file (headers only: fast)."""
    from safetensors import safe_open

    if variant.served:
        raise models.ModelError(
            f"cannot train {variant.name}: it is a server's model; train a local model (its adapter can then "
            "be served: medui export-adapter)",
            f"impossibile addestrare {variant.name}: è il modello di un server; addestra un modello locale",
        )
    base = variant.base if variant.kind == "adapter" else variant
    if base is None or base.path is None:
        return  # a bundled model not converted yet: its conversion checks it
    files = sorted(base.path.glob("*.safetensors"))
    if not files and not list(base.path.glob("*.bin")):
        raise models.ModelError(
            f"cannot train on {base.path}: the folder has no weights file",
            f"impossibile addestrare su {base.path}: la cartella non ha un file di pesi",
        )
    for file in files:
        with models.loading_errors(base.path, "weights"), safe_open(str(file), "pt"):
            pass


def worker_log_path(job_id: int) -> Path:
    return get_settings().home / "training" / f"job-{job_id}.log"


def worker_command(job: TrainingJob) -> list[str]:
    """The worker's command line: one process, or `accelerate launch` of it as data-parallel ranks."""
    if job.params.get("launcher", "local") == "accelerate":
        return distributed.launch_command(WORKER_MODULE, [str(job.id)], job.params["processes"])
    return [sys.executable, "-m", WORKER_MODULE, str(job.id)]


def spawn_worker(job: TrainingJob) -> int:
    """Start the worker of a job in its own session (it survives the CLI); its output goes to a log file."""
    job_id = job.id
    assert job_id is not None
    env = {**os.environ, "TORCHDYNAMO_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    env["MEDUI_HOME"] = str(get_settings().home)
    if get_settings().database_url:
        env["MEDUI_DATABASE_URL"] = get_settings().database_url
    log_path = worker_log_path(job_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            worker_command(job),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


# liveness -------------------------------------------------------------------------------------------------
def worker_alive(pid: int | None, job_id: int) -> bool:
    """Whether the job's worker process still runs (a zombie or another program with that pid does not)."""
    if not pid:
        return False
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        return False
    proc = Path(f"/proc/{pid}")
    if proc.parent.is_dir() and Path("/proc/self").exists():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return (
            state not in ("Z", "X") and WORKER_MODULE.encode() in cmdline and str(job_id).encode() in cmdline
        )
    return pid_alive(pid)


def _reap_children() -> None:
    """Collect the exit status of finished workers this process started (no zombies left behind)."""
    for pid, child in list(_CHILDREN.items()):
        if child.poll() is not None:
            del _CHILDREN[pid]


def refresh(*, session: Session) -> int:
    """Mark active jobs whose worker is gone as failed and clean up after them; returns how many."""
    _reap_children()
    dead = 0
    for job in sa_jobs.list_jobs(session=session, limit=500):
        if job.status not in sa_jobs.ACTIVE or job.pid is None or worker_alive(job.pid, job.id):
            continue
        error = (
            f"interrupted: the worker process ({job.pid}) ended without finishing the job "
            f"(killed, or the machine stopped){_log_tail(job.id)}"
        )
        if sa_jobs.finish_job(job.id, "failed", session=session, error=error):
            dead += 1
            cleanup(job, session=session)
    return dead


def sweep() -> int:
    """`refresh` in a session of its own: model listings call it, so a dead job's adapter is never offered."""
    from medui.backend.store.db import session_scope

    with session_scope() as session:
        return refresh(session=session)


def _log_tail(job_id: int, lines: int = 3) -> str:
    path = worker_log_path(job_id)
    if not path.exists():
        return ""
    tail = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()][
        -lines:
    ]
    return (": " + " | ".join(tail)) if tail else ""


def cleanup(job: TrainingJob, *, session: Session) -> None:
    """Remove the staging folders of a job, and its adapter folder if it was never registered."""
    remove_staging(job.name)
    session.refresh(job)
    if job.adapter_variant_id is not None:
        return
    folder = get_settings().adapters_dir / job.name
    meta = folder / "medui.json"
    if meta.exists() and json.loads(meta.read_text(encoding="utf-8")).get("job_id") == job.id:
        shutil.rmtree(folder, ignore_errors=True)


# user actions ---------------------------------------------------------------------------------------------
def get(job_id: int, *, session: Session) -> TrainingJob:
    """A job as it is now (the session's transaction is ended first, so a poll sees new commits)."""
    session.commit()
    refresh(session=session)
    job = sa_jobs.get_job(job_id, session=session)
    if job is None:
        raise InputError(f"no training job {job_id}")
    return job


def list_all(*, session: Session, limit: int = 50) -> list[TrainingJob]:
    session.commit()
    refresh(session=session)
    return sa_jobs.list_jobs(session=session, limit=limit)


def cancel(job_id: int, *, session: Session, grace_s: float = 20.0) -> TrainingJob:
    """Ask a job to stop; a queued job is cancelled at once, a running one that does not stop is killed."""
    job = get(job_id, session=session)
    if job.status not in sa_jobs.ACTIVE:
        raise InputError(f"job {job_id} is {job.status}: nothing to cancel")
    sa_jobs.update_job(job_id, session=session, cancel_requested=True)
    if job.status == "queued" and not worker_alive(job.pid, job_id):
        sa_jobs.finish_job(job_id, "cancelled", session=session, error="cancelled before it started")
        return get(job_id, session=session)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and worker_alive(job.pid, job_id):
        time.sleep(0.2)
    session.refresh(job)
    if worker_alive(job.pid, job_id):
        if job.adapter_variant_id is not None:
            return job  # evaluating a registered adapter: it stops after the current evaluation
        _kill(job.pid)
    if sa_jobs.finish_job(job_id, "cancelled", session=session, error="cancelled"):
        cleanup(job, session=session)
    return get(job_id, session=session)


def resume(job_id: int, *, session: Session) -> TrainingJob:
    """Start again a job whose worker was killed or whose machine stopped; it continues from its checkpoint."""
    from medui.backend.finetune.train import checkpoint_dir

    job = get(job_id, session=session)  # a job whose worker is gone is marked failed here
    if job.status in sa_jobs.ACTIVE:
        raise InputError(f"job {job_id} is {job.status}: its worker is still running")
    if job.status != "failed" or job.adapter_variant_id is not None:
        raise InputError(f"job {job_id} is {job.status}: only an interrupted job can be resumed")
    if not (checkpoint_dir(job_id) / "state.pt").exists():
        raise InputError(f"job {job_id} has no checkpoint to resume from: train again with a new job")
    if sa_jobs.variant_named(job.name, session=session) or sa_jobs.active_job_named(
        job.name, session=session
    ):
        raise InputError(f"the name {job.name!r} is now taken by a registered variant or an active job")
    sa_jobs.reopen_job(job_id, session=session)
    pid = spawn_worker(job)
    sa_jobs.update_job(job_id, session=session, pid=pid)
    return get(job_id, session=session)


def _kill(pid: int, wait_s: float = 5.0) -> None:
    """SIGTERM (the worker cleans up), then SIGKILL, but only to the process that got the SIGTERM: a pid
    reused by another process meanwhile (another start time) is left alone."""
    started = processes.start_time(pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if sig == signal.SIGKILL and processes.start_time(pid) != started:
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            child = _CHILDREN.get(pid)
            if (child is not None and child.poll() is not None) or not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)


def wait(
    job_id: int,
    *,
    session: Session,
    poll_s: float = 1.0,
    on_update: Callable[[TrainingJob], None] | None = None,
    timeout_s: float | None = None,
) -> TrainingJob:
    """Poll a job until it is finished (or the timeout passes); on_update sees each new state."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    seen = None
    while True:
        job = get(job_id, session=session)
        state = (job.status, len(job.loss_curve or []), round(job.progress or 0, 3), len(job.log or ""))
        if on_update and state != seen:
            on_update(job)
        seen = state
        if job.status in sa_jobs.FINISHED or (deadline and time.monotonic() > deadline):
            return job
        time.sleep(poll_s)
