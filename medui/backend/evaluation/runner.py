"""The one way to run a task: (model, task, strategy, records) -> predictions, metrics and, when asked, a stored run.

The CLI (`medui run`, `eval`, `study`), the app (Prova and dataset evaluations), the study, the training worker's
evaluation of an adapter and the benchmarks all come through here:
- `build_engine` checks the task and strategy before it loads the model, then builds its Engine (engines.py: for
  a served model `openai:NAME`, the ServingEngine of serving.py);
- `predict` runs records through it, in one go or batch by batch under a lock (the app's MODEL_LOCK);
- `evaluate` predicts and scores; `run_metrics` is the one place that names a run's metric keys;
- `store_run` / `save_eval` store a run and its scored predictions, `find_stored_run` finds an earlier one.
So a run stored from anywhere carries the same metric keys. What ran is a RunInfo (info.py), built once from the
engine where a run starts and passed whole from there to the store.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from medui.backend.evaluation import EvalResult
from medui.backend.evaluation.info import RunInfo
from medui.backend.inference.demos import Demonstrations, check_mode, team_record
from medui.backend.inference.strategy import parse_strategy
from medui.errors import InputError
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score
from medui.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from sqlmodel import Session

    from medui.backend.inference.engine import Engine, Prediction, Strategy
    from medui.backend.inference.types import LoadedModel
    from medui.backend.store.tables import Run

Progress = Callable[[int, int], None]
RUN_KEYS = (
    "task",
    "model",
    "strategy",
    "shots",
    "seed",
    "demos",
    "guidelines",
    "seconds",
    "output_tokens",
    "output_tokens_per_s",
    "records_per_min",
)  # with the task's metrics, n, valid_rate and unmatched_predictions: the metrics of every run


def build_engine(
    model: str | LoadedModel | None,
    task: str | TaskSpec,
    strategy: str | Strategy | None = None,
    *,
    shots: int | None = None,
    seed: int = 0,
    batch_size: int | None = None,
    device: str | None = None,
    dtype: str | None = None,
    base_url: str | None = None,
    demos: str = "random",
    split: str | None = None,
    session: Session | None = None,
    guidelines: bool = False,
) -> Engine:
    """An engine for a model (a name, loaded once, or a loaded model), a task and a strategy (a name or parsed).

    No strategy: the model's own (models.intended_strategy). A bad task or strategy fails before the model is
    loaded. A served model (openai:NAME, on `base_url` or MEDUI_OPENAI_BASE_URL) gets the ServingEngine: the
    same interface, generation by the server.

    demos: `random` (the few-shot split, one draw) or `similar` (demonstrations(): the most similar records of
    the few-shot split and of the team's records in force; `split`: the split being evaluated, whose texts are
    never demonstrations).

    guidelines: prompts carry the task's label guidelines (InputError for a task that has none).
    """
    from medui.backend.inference import models
    from medui.backend.inference.engines import engine_for  # imports torch

    spec = task if isinstance(task, TaskSpec) else get_spec(task)
    check_mode(demos)
    check_guidelines(spec, guidelines)
    if strategy is None:
        strategy = models.intended_strategy(model if isinstance(model, str) or model is None else model.name)
    parsed = parse_strategy(strategy, spec, shots) if isinstance(strategy, str) else strategy
    chosen = (
        demonstrations(spec, split=split, session=session) if demos == "similar" and parsed.shots else None
    )
    lm = models.load(model, device, dtype, base_url) if model is None or isinstance(model, str) else model
    return engine_for(lm, spec, parsed, seed=seed, batch_size=batch_size, demos=chosen, guidelines=guidelines)


def check_guidelines(spec: TaskSpec, guidelines: bool) -> None:
    """InputError when label guidelines are asked for a task without them (the multiple-choice and extractive
    question tasks have no labels to define)."""
    if guidelines and not spec.guidelines:
        raise InputError(
            f"task {spec.id} has no label guidelines: --guidelines is for the tasks with labels or form items",
            f"il compito {spec.id} non ha linee guida delle etichette",
        )


def demonstrations(
    spec: TaskSpec, *, split: str | None = None, session: Session | None = None
) -> Demonstrations:
    """Similar demonstrations from the task's few-shot split and the team's records in force (of any split),
    never a text of `split` (the gold split being evaluated, when there is one)."""
    from medui.backend.data import gold
    from medui.backend.store.in_force import usable_records
    from medui.tasks.kinds import kind_for

    kind = kind_for(spec)
    pool = list(gold.fewshot_pool(spec))
    with _session(session) as own:
        team, _pending = usable_records(spec.id, session=own)
    pool += [team_record(doc_id, record) for doc_id, record in sorted(team.items())]
    chosen = Demonstrations(pool, "similar", lambda record: kind.render_input(spec, record))
    if split:  # a split of the user's own is no gold split: evaluate() excludes the records it predicts
        with contextlib.suppress(gold.UnknownSplit):
            chosen.exclude_texts(chosen.text_of(r) for r in gold.load_split(spec, split))
    return chosen


def predict(
    engine: Engine,
    records: list[dict],
    *,
    progress: Progress | None = None,
    on_text: Callable[[int, str], None] | None = None,
    lock: Any = None,
) -> list[Prediction]:
    """Predictions for records, in their order; progress(done, total) after each batch.

    Without a lock the engine sees all records at once (it groups them by length); with one, each batch of
    `engine.batch_size` records is predicted holding the lock, so that other work interleaves between batches.
    """
    if lock is None:
        return engine.predict(records, progress, on_text)
    predictions: list[Prediction] = []
    for b in range(0, len(records), engine.batch_size):
        with lock:
            predictions += engine.predict(records[b : b + engine.batch_size], on_text=on_text)
        if progress:
            progress(len(predictions), len(records))
    return predictions


def run_metrics(info: RunInfo, records: list[dict], predictions: list[Prediction], seconds: float) -> dict:
    """The metrics of a run: the task's scores against the records, then RUN_KEYS (what ran, how fast)."""
    result = score(info.spec, records, [p.record for p in predictions])
    out_tokens = sum(p.output_tokens for p in predictions)
    result.update(
        **info.run_keys(),
        seconds=round(seconds, 3),
        output_tokens=out_tokens,
        output_tokens_per_s=round(out_tokens / seconds, 2) if seconds else 0.0,
        records_per_min=round(len(records) * 60 / seconds, 2) if seconds else 0.0,
    )
    return result


def evaluate(
    engine: Engine,
    records: list[dict],
    progress: Progress | None = None,
    *,
    lock: Any = None,
    info: RunInfo | None = None,
) -> EvalResult:
    """Predict every record, then score: the task's metrics plus n, valid_rate, seconds and speed.

    `info`: the run's description, built from this engine where the run started (default: the engine's, with
    no split). No record evaluated is a demonstration for another (with similar demonstrations, which may come
    from the team's corrections of any split)."""
    info = info or RunInfo.of(engine)
    engine.demos.exclude_texts(engine.input_text(r) for r in records)
    start = time.perf_counter()
    predictions = predict(engine, records, progress=progress, lock=lock)
    return EvalResult(run_metrics(info, records, predictions, time.perf_counter() - start), predictions, info)


# storing runs -------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _session(session: Session | None):
    if session is not None:
        yield session
        return
    from medui.backend.store.db import session_scope

    with session_scope() as own:
        yield own


def store_run(
    info: RunInfo,
    predictions: Sequence[Prediction],
    golds: Sequence[dict | None],
    *,
    session: Session,
    parameters: dict | None = None,
    metrics: dict | None = None,
    seconds: float | None = None,
    source: str = "",
    run: Run | None = None,
) -> Run:
    """Store a run (a new row, or `run`: one created earlier with status running) and its scored predictions."""
    from medui.backend.store.repo import save_predictions, save_run
    from medui.backend.store.tables import utcnow

    if run is None:
        run = save_run(
            info, session=session, parameters=parameters, metrics=metrics, seconds=seconds,
            started_at=utcnow() - timedelta(seconds=seconds or 0.0),
        )  # fmt: skip
    else:
        run.metrics, run.seconds, run.status = dict(metrics or {}), seconds, "succeeded"
    save_predictions(run, predictions, golds, session=session, source=source, spec=info.spec)
    return run


def save_eval(
    result: EvalResult,
    *,
    session: Session | None = None,
    records: list[dict] | None = None,
    parameters: dict | None = None,
    source: str = "",
    run: Run | None = None,
) -> Run:
    """Store an evaluation (of `result.info`: its task's split): its run and every prediction, scored against the
    gold records it ran on.

    `records` are the gold records in the order of the predictions (default: the split's records by id).
    Without a session, one is opened and committed.
    """
    with _session(session) as s:
        m = result.metrics
        return store_run(
            result.info, result.predictions, _golds_for(result, records), session=s, parameters=parameters,
            metrics=m, seconds=m.get("seconds"), source=source, run=run,
        )  # fmt: skip


def _golds_for(result: EvalResult, records: list[dict] | None) -> list[dict | None]:
    """The gold record of each prediction: the given records in order, or the split's by id."""
    from medui.backend.store.db import StoreError

    if records is not None:
        if len(records) != len(result.predictions):
            raise StoreError(f"{len(result.predictions)} predictions but {len(records)} gold records")
        return list(records)
    from medui.backend.data.gold import load_split

    info = result.info
    if info.split is None:
        raise StoreError("an evaluation of no split needs its gold records")
    by_id = {str(r.get("id")): r for r in load_split(info.spec, info.split)}
    return [by_id.get(str(p.record.get("id"))) for p in result.predictions]


def find_stored_run(
    spec: TaskSpec,
    model: str,
    strategy: str,
    split: str,
    *,
    session: Session,
    limit: int | None = None,
    shots: int | None = None,
    seed: int | None = None,
    demos: str = "random",
    guidelines: bool = False,
) -> Run | None:
    """The latest succeeded run of a model and strategy on this version of a task's split, with that limit.

    `shots` and `seed`, when given, must match too (a different few-shot choice is a different run), and so
    must the way demonstrations were chosen (runs stored before `demos` existed drew them at random) and whether
    the prompts carried the label guidelines (runs stored before `guidelines` existed did not).
    """
    from sqlmodel import col, select

    from medui.backend.inference.models import model_and_adapter
    from medui.backend.store.tables import Run

    base, adapter = model_and_adapter(model)
    query = select(Run).where(
        Run.task == spec.id, Run.spec_version == spec.version, Run.split == split, Run.model == base,
        Run.adapter == adapter if adapter else col(Run.adapter).is_(None), Run.strategy == strategy,
        Run.status == "succeeded",
    )  # fmt: skip
    if shots is not None:
        query = query.where(Run.shots == shots)
    if seed is not None:
        query = query.where(Run.seed == seed)
    for run in session.exec(query.order_by(col(Run.id).desc())):
        parameters = run.parameters or {}
        if (
            parameters.get("limit") == limit
            and parameters.get("demos", "random") == demos
            and bool(parameters.get("guidelines", False)) == guidelines
            and "primary" in (run.metrics or {})
        ):
            return run
    return None
