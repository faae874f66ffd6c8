"""A study's cells: one model and strategy on one task each, kept in a file under OUT/runs.

A cell file holds the cell's metrics, its conditions (spec version, limit, seed) and its per-record metric counts
by record id (`RECORD_COUNTS`, what study.md's significance marks are computed from). A cell is computed once: its
file is reused under the same conditions; with the database (`store`), a run already stored is reused too, and a
computed cell is stored as a run. The table built from the cells is study.py's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from medui.backend.evaluation import load_eval_records, runner
from medui.backend.evaluation.info import RunInfo
from medui.backend.inference.strategy import parse_strategy
from medui.tasks.registry import get_spec
from medui.tasks.scoring import paired_counts
from medui.tasks.spec import TaskSpec

RECORD_COUNTS = "record_counts"  # a cell's per-record metric counts by record id


def _run_file(out: Path, model: str, strategy: str, task: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{model}__{strategy}__{task}")
    return out / "runs" / f"{safe}.json"


def saved_cell(out: Path, model: str, strategy: str, task: str) -> dict | None:
    """The cell file of OUT/runs for a model, strategy and task, computed on the task's current spec version
    (whatever its limit and seed), or None."""
    path = _run_file(out, model, strategy, task)
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return saved if saved.get("spec_version") == get_spec(task).version else None


def _same_conditions(saved: dict, spec: TaskSpec, limit: int | None, seed: int) -> bool:
    """Whether a cell file was computed on the task's current spec version with the same limit and seed (a cell
    of an older spec version, or one that predates the version's record, is computed again)."""
    return (
        saved.get("spec_version") == spec.version
        and saved.get("limit") == limit
        and saved.get("seed") == seed
    )


def earlier_cells(out: Path, tasks: list[str], limit: int | None, seed: int, fresh: list[dict]) -> list[dict]:
    """The cells of OUT/runs that earlier pieces of the study computed (same tasks, spec versions, limit and
    seed) and that this piece did not: so the table grows piece by piece instead of holding only the last
    command's rows."""
    done = {(m["model"], m["strategy"], m["task"]) for m in fresh}
    cells = []
    for path in sorted((out / "runs").glob("*.json")):
        saved = json.loads(path.read_text(encoding="utf-8"))
        key = (saved.get("model"), saved.get("strategy"), saved.get("task"))
        if key not in done and key[2] in tasks and _same_conditions(saved, get_spec(key[2]), limit, seed):
            cells.append(saved)
    return cells


def strategy_label(strategy: str, demos: str, guidelines: bool = False) -> str:
    """A study row's strategy: the strategy's name, with " (similar)" for similar demonstrations and
    " (guidelines)" for prompts with the label guidelines (" (similar, guidelines)" for both)."""
    notes = ([] if demos == "random" else [demos]) + (["guidelines"] if guidelines else [])
    return f"{strategy} ({', '.join(notes)})" if notes else strategy


@dataclass(frozen=True)
class Cell:
    """One cell of the study: a model and a strategy on a task's evaluation split, with the run's settings."""

    spec: TaskSpec
    model: str
    strategy: str
    limit: int | None
    shots: int | None
    seed: int
    demos: str = "random"
    guidelines: bool = False  # prompts with the task's label guidelines

    @property
    def split(self) -> str:
        return self.spec.eval_split

    @property
    def label(self) -> str:
        return strategy_label(self.strategy, self.demos, self.guidelines)


def stored_metrics(cell: Cell, *, session) -> dict | None:
    """The metrics of the cell's run already stored in the database, if there is one."""
    shots = parse_strategy(cell.strategy, cell.spec, cell.shots).shots
    run = runner.find_stored_run(
        cell.spec, cell.model, cell.strategy, cell.split, session=session, limit=cell.limit, shots=shots,
        seed=cell.seed, demos=cell.demos, guidelines=cell.guidelines,
    )  # fmt: skip
    if run is None:
        return None
    from medui.backend.store.repo import run_record_counts

    counts = run_record_counts(run.id, session=session)
    return {
        **run.metrics,
        "strategy": cell.label,
        "spec_version": cell.spec.version,
        "limit": cell.limit,
        "run_id": run.id,
        RECORD_COUNTS: counts,
    }


def run_cell(out: Path, cell: Cell, engine_for, store: bool, log) -> dict:
    """The cell's metrics: from its file in OUT/runs under the same conditions, else (with `store`) from the run
    stored in the database, else computed; the file is written for the next piece of the study."""
    path = _run_file(out, cell.model, cell.label, cell.spec.id)
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if _same_conditions(saved, cell.spec, cell.limit, cell.seed):
            return saved
    metrics = _stored_or_computed(cell, engine_for, log) if store else None
    if metrics is None:
        metrics = _compute(cell, engine_for, None, log)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    return metrics


def _stored_or_computed(cell: Cell, engine_for, log) -> dict:
    from medui.backend.store.db import session_scope

    with session_scope() as session:
        found = stored_metrics(cell, session=session)
        if found is not None:
            if log:
                log(f"{cell.model} {cell.label} {cell.spec.id}: stored as run {found['run_id']}, reused")
            return found
        return _compute(cell, engine_for, session, log)


def _compute(cell: Cell, engine_for, session, log) -> dict:
    """Evaluate the cell (and store it, given a session); its metrics with the limit and per-record counts."""
    records = load_eval_records(cell.spec, cell.split, cell.limit)
    engine = engine_for(cell.spec, cell.strategy)
    result = runner.evaluate(engine, records, info=RunInfo.of(engine, split=cell.split, limit=cell.limit))
    counts, _ = paired_counts(cell.spec, records, [p.record for p in result.predictions])
    metrics = result.metrics
    if session is not None:
        parameters = {"source": "study", "limit": cell.limit, "demos": cell.demos}
        run = runner.save_eval(result, session=session, records=records, parameters=parameters)
        metrics = {**metrics, "run_id": run.id}
    if log:
        log(
            f"{cell.model} {cell.label} {cell.spec.id}: {metrics['primary']}={metrics[metrics['primary']]:.4f}"
        )
    by_id = {str(r.get("id")): c for r, c in zip(records, counts, strict=True)}
    return {
        **metrics, "strategy": cell.label, "spec_version": cell.spec.version, "limit": cell.limit,
        RECORD_COUNTS: by_id,
    }  # fmt: skip
