"""Dataset evaluations as background jobs, stored runs record by record, two runs compared, the study table.

An evaluation is a run row (status "running", its progress in `done`/`total`) and a thread of the server
process that predicts the split in batches (holding MODEL_LOCK one batch at a time, so that page runs interleave;
a served model's batches need no lock)
and stores every prediction at the end. Closing the browser tab loses nothing; a server that stops mid-run
leaves the run marked failed the next time runs are listed.
"""

from __future__ import annotations

import functools
import json
import os
import threading

from medui.backend.data.inputs import InputError
from medui.backend.evaluation import load_eval_records, runner
from medui.backend.evaluation.cells import RECORD_COUNTS, saved_cell
from medui.backend.evaluation.info import RunInfo
from medui.backend.evaluation.study import paired_difference
from medui.backend.processes import pid_alive
from medui.backend.service.core import allowed, identity, lock_for
from medui.backend.service.running import engine_for
from medui.backend.store.db import session_scope
from medui.config import REPO_ROOT
from medui.tasks import scoring
from medui.tasks.registry import all_specs, get_spec

MAX_EVAL_RECORDS = 2000
_LIVE: dict[int, tuple] = {}  # runs whose evaluation thread runs in this process: what each evaluates
_LIVE_LOCK = threading.Lock()


def start_evaluation(
    task_id: str, split: str, model: str, strategy: str, limit: int | None = None, username: str | None = None
) -> dict:
    """Start evaluating a model on a task split in the background; returns the run (status running)."""
    who = allowed(username, "compare")
    from medui.backend.store import repo

    spec = get_spec(task_id)
    records = load_eval_records(spec, split, limit or None)
    if not records:
        raise InputError(f"{spec.id}/{split}: nessun record da valutare")
    if len(records) > MAX_EVAL_RECORDS:
        raise InputError(
            f"{len(records)} record: imposta un limite (al massimo {MAX_EVAL_RECORDS} per volta)"
        )
    # a bad model or strategy fails here, not in the thread
    engine = engine_for(model, spec, strategy, who=who)
    info = RunInfo.of(engine, split=split, limit=limit or None)
    params = {"source": "app", "user": who.name, "limit": info.limit}
    what = (spec.id, split, info.model, info.adapter, info.strategy, info.limit)
    with _LIVE_LOCK:  # a second click, or a repeated request, while the same evaluation runs: refused
        running = next((i for i, w in _LIVE.items() if w == what), None)
        if running is not None:
            raise InputError(
                f"la valutazione #{running} dello stesso modello con la stessa strategia su {spec.id}/{split} "
                "è già in corso: attendi che finisca"
            )
        with session_scope() as session:
            run = repo.save_run(info, session=session, parameters=params, status="running")
            run.done, run.total, run.pid = 0, len(records), os.getpid()
            session.flush()
            run_id = run.id
        _LIVE[run_id] = what
    threading.Thread(
        target=_evaluate, args=(run_id, engine, info, records), name=f"medui-eval-{run_id}", daemon=True
    ).start()
    return run_row(run)


def _evaluate(run_id: int, engine, info: RunInfo, records: list[dict]) -> None:
    """The thread: predict in batches, record progress, then store predictions and metrics (or the error)."""
    try:
        progress = functools.partial(_set_progress, run_id)
        result = runner.evaluate(engine, records, progress, lock=lock_for(engine), info=info)
        _finish(run_id, result, records)
    except Exception as exc:  # stored on the run: the page shows it
        _fail(run_id, f"{type(exc).__name__}: {exc}")
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(run_id, None)


def _set_progress(run_id: int, done: int, total: int) -> None:
    from medui.backend.store.tables import Run

    with session_scope() as session:
        run = session.get(Run, run_id)
        run.done, run.total = done, total


def _finish(run_id: int, result: runner.EvalResult, records: list[dict]) -> None:
    """Store the predictions and metrics on the run row made at the start (status succeeded)."""
    from medui.backend.store.tables import Run

    with session_scope() as session:
        run = session.get(Run, run_id)
        runner.save_eval(result, session=session, records=records, source="app", run=run)


def _fail(run_id: int, error: str) -> None:
    from medui.backend.store.tables import Run

    with session_scope() as session:
        run = session.get(Run, run_id)
        if run is not None:
            run.status, run.error = "failed", error


def _orphaned(run) -> bool:
    """A running run that no thread will finish: its server stopped, or this server lost its thread."""
    pid = run.pid
    if pid == os.getpid():
        with _LIVE_LOCK:
            return run.id not in _LIVE
    return not pid_alive(pid)


def run_row(run) -> dict:
    """A run as plain data: what, how far, and its primary score."""
    m = run.metrics or {}
    primary = m.get("primary")
    return {
        "id": run.id, "task": run.task, "split": run.split, "model": run.adapter or run.model,
        "strategy": run.strategy, "status": run.status, "done": run.done, "total": run.total,
        "primary": primary, "score": None if primary is None else round(100 * m[primary], 1),
        "n": m.get("n"), "seconds": run.seconds, "error": run.error,
        "started_at": run.started_at.isoformat(timespec="seconds") if run.started_at else None,
    }  # fmt: skip


def list_runs(task_id: str | None = None, limit: int = 100, run_id: int | None = None) -> list[dict]:
    """Evaluation runs (the app's "prova" runs left out), newest first; orphaned running ones marked failed."""
    from sqlmodel import col, select

    from medui.backend.store.tables import Run

    query = select(Run).where(Run.split != "prova").order_by(col(Run.id).desc()).limit(limit)
    if task_id:
        query = query.where(Run.task == task_id)
    if run_id is not None:
        query = query.where(Run.id == int(run_id))
    with session_scope() as session:
        runs = list(session.exec(query.execution_options(populate_existing=True)))
        for run in runs:
            if run.status == "running" and _orphaned(run):
                run.status, run.error = "failed", "interrotta: il server si è fermato"
        return [run_row(r) for r in runs]


def get_run(run_id: int) -> dict:
    """One evaluation run as `list_runs` shows it."""
    rows = list_runs(run_id=run_id)
    if not rows:
        raise InputError(f"la valutazione {run_id} non esiste")
    return rows[0]


def run_metrics(run_id: int) -> dict:
    """The stored metrics of a run."""
    from medui.backend.store.tables import Run

    with session_scope() as session:
        run = session.get(Run, int(run_id))
        if run is None:
            raise InputError(f"la valutazione {run_id} non esiste")
        return dict(run.metrics or {})


def run_records(run_id: int, username: str | None = None) -> list[dict]:
    """A run's predictions with their gold records and per-record counts and score, in stored order."""
    identity(username)
    from medui.backend.store.repo import run_predictions
    from medui.backend.store.tables import Document

    with session_scope() as session:
        out = []
        for pred in run_predictions(int(run_id), session=session):
            doc = session.get(Document, pred.document_id)
            out.append(
                {"prediction_id": pred.id, "record_id": doc.record_id, "text": doc.text, "gold": doc.gold,
                 "prediction": dict(pred.record), "counts": pred.counts, "score": pred.score,
                 "confidence": pred.confidence}
            )  # fmt: skip
        return out


def compare_runs(run_a: int, run_b: int, username: str | None = None) -> dict:
    """Run A against run B on the gold records both scored: `medui.tasks.scoring.compare_runs` on their
    stored predictions (A - B on the primary metric with its 95% paired bootstrap interval, wins/losses/ties per
    record, McNemar's test for right-or-wrong metrics), with the task and what each run is."""
    identity(username)
    run_a, run_b = int(run_a), int(run_b)
    if run_a == run_b:
        raise InputError(f"A e B sono la stessa valutazione (#{run_a}): scegline due diverse")
    a, b = _scored_run(run_a), _scored_run(run_b)
    if a["task"] != b["task"]:
        raise InputError(
            f"#{run_a} è una valutazione di {a['task']}, #{run_b} di {b['task']}: "
            "si confrontano solo valutazioni dello stesso compito"
        )
    shared = [doc for doc in a["golds"] if doc in b["golds"]]
    if not shared:
        raise InputError(f"#{run_a} e #{run_b} non hanno record in comune: non c'è niente da confrontare")
    golds = [a["golds"][doc] for doc in shared]
    preds_a, preds_b = [a["preds"][doc] for doc in shared], [b["preds"][doc] for doc in shared]
    result = scoring.compare_runs(get_spec(a["task"]), golds, preds_a, preds_b)
    return {**result, "task": a["task"], "run_a": _about(a), "run_b": _about(b)}


def _about(run: dict) -> dict:
    """What a compared run is: its id, model, strategy, split and how many gold records it scored."""
    return {k: run[k] for k in ("id", "model", "strategy", "split")} | {"records": len(run["golds"])}


def _scored_run(run_id: int) -> dict:
    """A run's task and settings, and by document the gold records it was scored on and its predictions."""
    from sqlmodel import col, select

    from medui.backend.store.tables import Document, Prediction, Run

    with session_scope() as session:
        run = session.get(Run, run_id)
        if run is None:
            raise InputError(f"la valutazione {run_id} non esiste")
        query = (
            select(Prediction, Document)
            .join(Document, col(Prediction.document_id) == col(Document.id))
            .where(Prediction.run_id == run_id)
            .order_by(col(Prediction.id))
        )
        golds, preds = {}, {}
        for pred, doc in session.exec(query):
            if doc.gold is not None:
                golds[doc.id] = {**doc.gold, "id": doc.record_id}
                preds[doc.id] = {**pred.record, "id": doc.record_id}
        if not golds:
            raise InputError(f"la valutazione #{run_id} non ha predizioni su record con oro da confrontare")
        model = run.adapter or run.model
        return {"id": run.id, "task": run.task, "model": model, "strategy": run.strategy, "split": run.split,
                "golds": golds, "preds": preds}  # fmt: skip


def study_table(split: str | None = None):
    """The study table (model x strategy x task, primary metric x100) of the latest succeeded run of each.

    `split`: only runs on that split; default: each task's evaluation split.
    """
    from sqlmodel import select

    from medui.backend.evaluation.study import build_table
    from medui.backend.store.tables import Run

    latest: dict[tuple, dict] = {}
    known = set(all_specs())
    with session_scope() as session:
        for run in session.exec(select(Run).where(Run.status == "succeeded").order_by(Run.id)):
            if run.task not in known:
                continue
            if run.split != (split or get_spec(run.task).eval_split) or "primary" not in (run.metrics or {}):
                continue
            model = run.adapter or run.model
            latest[(model, run.strategy, run.task)] = {
                **run.metrics,
                "model": model,
                "strategy": run.strategy,
                "task": run.task,
            }
    tasks = sorted({key[2] for key in latest})
    return build_table(tasks, list(latest.values()))


SHIPPED_STUDY = REPO_ROOT / "bench" / "results" / "study"


def shipped_study_table():
    """The study shipped with medui (bench/results/study/study.csv, conditions in study.md), or None where this
    installation does not hold it."""
    from medui.backend.evaluation.study import StudyTable

    path = SHIPPED_STUDY / "study.csv"
    return StudyTable.from_csv(path.read_text(encoding="utf-8")) if path.is_file() else None


# the study's reference row: the base model with the best strategy without training
STUDY_REFERENCE = "few-shot+cd"


def shipped_adapter_scores(name: str, base: str, *, paired: bool = True) -> dict | None:
    """An adapter's scores in the study shipped with medui (one file a cell in bench/results/study/runs), as a
    training job stores them on its variant: per task the adapter with cd and its base with cd and few-shot+cd,
    and with `paired` the adapter minus the study's reference (the base with few-shot+cd) with its 95% paired
    bootstrap interval (seconds for 20 tasks: computed once). None where the study has no cell of the adapter."""
    tasks: dict[str, dict] = {}
    for task in sorted(all_specs()):
        adapter = saved_cell(SHIPPED_STUDY, name, "cd", task)
        if adapter is None:
            continue
        cells = {s: saved_cell(SHIPPED_STUDY, base, s, task) for s in ("cd", STUDY_REFERENCE)}
        entry: dict = {"adapter": {"cd": _without_counts(adapter)}}
        entry["base"] = {s: _without_counts(c) for s, c in cells.items() if c is not None}
        reference = cells[STUDY_REFERENCE]
        if paired and reference is not None:
            found = _study_difference(task, _counts_key(adapter), _counts_key(reference))
            if found is not None:
                entry["paired"] = {**found, "against": f"base {STUDY_REFERENCE}"}
        tasks[task] = entry
    return {"limit": None, "source": "study", "tasks": tasks} if tasks else None


def _without_counts(cell: dict) -> dict:
    return {k: v for k, v in cell.items() if k != RECORD_COUNTS}


def _counts_key(cell: dict) -> str:
    """A cell's per-record counts as a key of the paired comparison's cache."""
    return json.dumps(cell.get(RECORD_COUNTS) or {}, sort_keys=True)


@functools.lru_cache(maxsize=128)
def _study_difference(task: str, counts: str, reference_counts: str) -> dict | None:
    """The paired bootstrap of two study cells (medui.backend.evaluation.study.paired_difference), once."""
    found = paired_difference(
        task, {RECORD_COUNTS: json.loads(counts)}, {RECORD_COUNTS: json.loads(reference_counts)}
    )
    return (
        None
        if found is None
        else {k: found[k] for k in ("metric", "difference", "interval", "significant", "n")}
    )
