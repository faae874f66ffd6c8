"""The process that runs one training job: `python -m medui.backend.finetune.worker JOB_ID`.

It claims the queued job, builds the data (SFT pairs or CPT chunks), trains, installs and registers the adapter,
then evaluates it next to its base on each task's evaluation split and stores both scores on the variant:
the adapter with "cd" (zero-shot constrained, the prompt it was trained on), the base with "cd" too (the same
prompt: the gain of training) and, unless the job says otherwise, with "few-shot+cd" (the best the base does
without training). `eval_limit` records per task keep that affordable on a CPU.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from medui.backend.finetune import distributed  # noqa: E402
from medui.backend.finetune import store_access as sa_jobs  # noqa: E402
from medui.backend.finetune.train import TrainingCancelled, checkpoint_dir  # noqa: E402
from medui.backend.inference import models  # noqa: E402
from medui.backend.store.tables import TrainingJob, utcnow  # noqa: E402

RECORD_COUNTS = "record_counts"  # an evaluation's per-record counts, kept only for the paired comparison

TRAIN_SHARE = 0.9  # of the progress bar, when evaluation follows


class TrainingPace:
    """The training time left at the speed measured in this process.

    Its clock starts at the first step this process reports, so nothing before it counts: loading the model
    and data, a resumed run's restore, the first step's warm-up. From the second step on, the seconds per step
    are the mean since then (dev evaluations and checkpoints between steps included), times the steps left.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.start: tuple[int, float] | None = None  # (step, time) of the first step reported here

    def seconds_left(self, step: int, total: int) -> float | None:
        """Seconds left after `step` of `total`; None until a step has been measured."""
        now = self.clock()
        if self.start is None or step <= self.start[0]:
            self.start = (step, now)
            return None
        first_step, began = self.start
        return (now - began) / (step - first_step) * max(0, total - step)


class JobReporter:
    """Writes a job's progress, loss curve, time left, heartbeat and log to its row; reads its cancel flag."""

    def __init__(
        self,
        job: TrainingJob,
        session,
        train_share: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.job_id, self.session, self.train_share = job.id, session, train_share
        self.curve: list[list[float]] = list(job.loss_curve or [])  # a resumed job keeps its earlier steps
        self.pending: list[str] = []
        self.pace = TrainingPace(clock)

    def log(self, line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} {line}"
        print(stamped, flush=True)
        self.pending.append(stamped)
        self.flush()

    def flush(self) -> None:
        sa_jobs.append_log(self.job_id, self.pending, session=self.session)
        self.pending = []

    def on_step(self, step: int, total: int, loss: float, lr: float) -> None:
        self.curve = [point for point in self.curve if point[0] < step] + [[step, round(loss, 5)]]
        values = {"progress": self.train_share * step / total, "loss_curve": list(self.curve)}
        eta = self.pace.seconds_left(step, total)
        values["eta_seconds"] = None if eta is None else round(eta, 1)
        sa_jobs.update_job(self.job_id, session=self.session, heartbeat_at=utcnow(), **values)
        if step == 1 or step == total or step % 10 == 0:
            self.log(f"step {step}/{total} loss {loss:.4f} lr {lr:.2e}")

    def progress(self, fraction: float) -> None:
        share = self.train_share + (1 - self.train_share) * fraction
        sa_jobs.update_job(
            self.job_id, session=self.session, progress=share, eta_seconds=None, heartbeat_at=utcnow()
        )

    def should_stop(self) -> bool:
        return sa_jobs.cancel_requested(self.job_id, session=self.session)


def build_data(job: TrainingJob, tokenizer, config, session):
    from medui.backend.finetune import cpt, dataset

    if job.objective == "cpt":
        held_out = cpt.held_out_texts(config.dev_fraction)
        return cpt.cpt_dataset(job.params["corpus"], tokenizer, config.max_length, held_out)
    return dataset.sft_dataset(
        list(job.tasks),
        job.data_source,
        tokenizer,
        config.max_length,
        session=session,
        dev_fraction=config.dev_fraction,
        pairs=config.pair_rows,
        pair_none_ratio=config.pair_none_ratio,
    )


def build_dev(job: TrainingJob, tokenizer, config):
    """Dev rows for model selection (gold dev splits and held-out train documents), when the recipe asks."""
    from medui.backend.data.common import DataError
    from medui.backend.finetune import dataset

    if job.objective != "sft" or config.dev_fraction <= 0:
        return None
    try:
        dev = dataset.sft_dataset(
            list(job.tasks),
            "gold",
            tokenizer,
            config.max_length,
            part="dev",
            dev_fraction=config.dev_fraction,
            pairs=config.pair_rows,
            pair_none_ratio=config.pair_none_ratio,
        )
    except DataError:
        return None
    return dataset.cap_rows(dev, config.dev_rows_per_task, config.seed)


def run_job(job: TrainingJob, session) -> None:
    """Train, install, register and evaluate; raises TrainingCancelled or any error."""
    evaluate_after = sa_jobs.evaluates_after(job)
    report = JobReporter(job, session, TRAIN_SHARE if evaluate_after else 1.0)
    report.log(
        f"job {job.id}: {job.objective} of {job.model} as {job.name!r} on {', '.join(job.tasks) or '-'}"
    )
    result = train_job(job, session, report)
    assert result is not None  # rank 0 (or the only process) installs the adapter
    report.log(
        f"trained {result.steps} steps in {result.seconds:.0f}s; probe loss {result.loss_before} -> {result.loss_after}"
    )
    variant = sa_jobs.register_adapter(
        job.id, job.name, str(result.adapter_dir), result.meta, session=session
    )
    report.log(f"registered model variant {variant.name!r} (id {variant.id})")
    if evaluate_after:
        scores = evaluate_against_base(job, result.meta["base"], report)
        sa_jobs.set_scores(variant.id, scores, session=session)
        if scores.get("cancelled"):
            raise TrainingCancelled(
                "annullato durante la valutazione: l'adattatore è registrato, la valutazione è incompleta"
            )


class EvaluationStopped(Exception):
    """A cancel request seen between two batches of an evaluation."""


def train_job(job: TrainingJob, session, report: JobReporter | None):
    """Build the job's data and train; without a reporter (the ranks other than 0 of a data-parallel job)
    nothing is logged or installed and the result is None."""
    from medui.backend.finetune.recipe import TrainConfig
    from medui.backend.finetune.train import Callbacks, load_tokenizer, train

    config = TrainConfig(**job.params["config"])
    callbacks = Callbacks()
    if report is not None:
        callbacks = Callbacks(on_step=report.on_step, log=report.log, should_stop=report.should_stop)
    tokenizer = load_tokenizer(job.model)
    data = build_data(job, tokenizer, config, session)
    callbacks.log(f"data {data.snapshot}: {data.stats}")
    dev = build_dev(job, tokenizer, config)
    if dev is not None:
        callbacks.log(f"dev {dev.snapshot}: {dev.stats['rows']} rows")
    meta = {"tasks": list(job.tasks), "job_id": job.id, "data": {"source": job.data_source}}
    return train(
        job.model,
        data,
        config,
        name=job.name,
        meta=meta,
        callbacks=callbacks,
        device=job.params.get("device"),
        dev=dev,
        checkpoint=checkpoint_dir(job.id),
    )


def evaluate_against_base(job: TrainingJob, base: str, report: JobReporter) -> dict:
    """Scores of the adapter and its base on each task's evaluation split (limited), as stored on the variant."""

    limit = job.params.get("eval_limit")
    runs = [("adapter", job.name, "cd")]
    parent = getattr(job, "model", None) or base
    if parent != base:  # trained on top of another adapter (gemma-3-270m-ft): the model it should beat
        runs.append(("parent", parent, models.intended_strategy(parent)))
    runs.append(("base", base, "cd"))
    if job.params.get("base_fewshot", True):
        runs.append(("base", base, "few-shot+cd"))
    scores: dict = {"limit": limit, "tasks": {}}
    counts: dict = {}  # (task, who, strategy) -> per-record counts, for the paired comparison
    plan = [(task, run) for task in job.tasks for run in runs]
    for i, (task, (who, model_name, strategy)) in enumerate(plan):
        try:
            if report.should_stop():
                raise EvaluationStopped
            metrics = evaluate_one(task, model_name, strategy, limit, report.should_stop)
            counts[(task, who, strategy)] = metrics.pop(RECORD_COUNTS, None)
        except EvaluationStopped:
            report.log("cancel requested after registration: remaining evaluation skipped, adapter kept")
            scores["cancelled"] = True
            models.unload(model_name)
            break
        except Exception as exc:  # one failed evaluation must not lose the others or the adapter
            metrics = {"error": f"{type(exc).__name__}: {exc}"}
        scores["tasks"].setdefault(task, {}).setdefault(who, {})[strategy] = metrics
        primary = metrics.get("primary")
        report.log(f"eval {task} {who} {strategy}: {primary}={metrics.get(primary, metrics.get('error'))}")
        report.progress((i + 1) / len(plan))
        if i + 1 == len(plan) or plan[i + 1][1][1] != model_name:
            models.unload(model_name)
    who, _, strategy = runs[1] if parent != base else runs[-1]  # the parent, else the base's last row
    for task in job.tasks:
        paired = paired_with(task, counts.get((task, "adapter", "cd")), counts.get((task, who, strategy)))
        if paired is not None:
            scores["tasks"][task]["paired"] = {**paired, "against": f"{who} {strategy}"}
    return scores


def paired_with(task: str, adapter: list | None, other: list | None) -> dict | None:
    """The adapter minus the model it is compared with on the task's primary metric, with its 95% paired
    bootstrap interval over the records both scored, or None."""
    from medui.tasks.compare import paired_bootstrap
    from medui.tasks.kinds import kind_for
    from medui.tasks.registry import get_spec

    if not adapter or not other or len(adapter) != len(other):
        return None
    spec = get_spec(task)
    found = paired_bootstrap(kind_for(spec).metric_name(spec), adapter, other)
    return {k: found[k] for k in ("metric", "difference", "interval", "significant", "n")}


def evaluate_one(
    task: str,
    model_name: str,
    strategy: str,
    limit: int | None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    """Metrics of one model and strategy on a task's evaluation split; {"error": ...} if it has none.
    EvaluationStopped between two batches once `should_stop` says so (a cancel request)."""
    from medui.backend.data.gold import UnknownSplit
    from medui.backend.evaluation import load_eval_records, runner
    from medui.tasks.registry import get_spec
    from medui.tasks.scoring import paired_counts

    spec = get_spec(task)
    try:
        records = load_eval_records(spec, spec.eval_split, limit)
    except UnknownSplit as exc:
        return {"error": str(exc)}
    if not records:
        return {"error": f"task {task}: the {spec.eval_split} split has no records"}

    def check(_done: int, _total: int) -> None:
        if should_stop is not None and should_stop():
            raise EvaluationStopped

    engine = runner.build_engine(model_name, spec, strategy)
    result = runner.evaluate(engine, records, check)  # check runs after every batch
    metrics = result.metrics
    metrics[RECORD_COUNTS] = paired_counts(spec, records, [p.record for p in result.predictions])[0]
    metrics["split"] = spec.eval_split
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Run one job to its end; the exit code is 0 unless the job could not even be claimed or failed.

    Under `accelerate launch` every rank runs this: rank 0 claims, reports and finishes the job, the others
    train their shards (medui/backend/finetune/distributed.py); the job's pid stays the launcher's."""
    from medui.backend.store.db import session_scope

    argv = sys.argv[1:] if argv is None else argv
    job_id = int(argv[0])
    signal.signal(signal.SIGTERM, _terminate)
    with session_scope() as session:
        job = sa_jobs.get_job(job_id, session=session)
        ranks = distributed.start(models.pick_device(job.params.get("device")) if job else "cpu")
        try:
            claimed = ranks.main and claim(job_id, session)
            if not distributed.main_says(claimed):
                return 1
            job = sa_jobs.get_job(job_id, session=session)
            assert job is not None
            return run_claimed(job, session) if ranks.main else run_shard(job, session)
        finally:
            distributed.stop()


def claim(job_id: int, session) -> bool:
    """Mark the queued job running (with this process as its worker unless a launcher started it)."""
    pid = {} if distributed.launched() else {"pid": os.getpid()}
    claimed = sa_jobs.update_job(
        job_id, session=session, when_status=("queued",), status="running", started_at=utcnow(), **pid
    )
    job = sa_jobs.get_job(job_id, session=session)
    return bool(claimed) and job is not None and not job.cancel_requested


def run_claimed(job: TrainingJob, session) -> int:
    """Run the job and record how it ended."""
    from medui.backend.finetune.jobs import cleanup
    from medui.backend.finetune.train import remove_checkpoint

    try:
        run_job(job, session)
        sa_jobs.finish_job(job.id, "succeeded", session=session)
        remove_checkpoint(job.id)
        return 0
    except TrainingCancelled as exc:
        session.rollback()
        sa_jobs.finish_job(job.id, "cancelled", session=session, error=str(exc))
        remove_checkpoint(job.id)
        return 0
    except BaseException as exc:
        traceback.print_exc()
        session.rollback()
        sa_jobs.finish_job(job.id, "failed", session=session, error=failure_message(exc))
        return 1
    finally:
        cleanup(job, session=session)


def run_shard(job: TrainingJob, session) -> int:
    """A rank other than 0: train its shards; a failure ends it (and the launcher then stops the others)."""
    try:
        train_job(job, session, None)
        return 0
    except TrainingCancelled:
        return 0
    except BaseException:
        traceback.print_exc()
        return 1


def failure_message(exc: BaseException) -> str:
    """One line for the job's error: a user error's own message, else the error's type and first line."""
    from medui.errors import MeduiError

    first = (str(exc).strip().splitlines() or [""])[0][:500]
    if isinstance(exc, MeduiError) and first:
        return first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _terminate(signum, frame) -> None:
    raise SystemExit(f"terminated by signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
