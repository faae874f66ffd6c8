"""Training jobs end to end on a tiny model, each in its own worker process."""

from __future__ import annotations

import os
import signal
import time

import pytest

from medui.backend.data.inputs import InputError
from medui.backend.finetune import jobs
from medui.backend.finetune.store_access import variant_named
from medui.backend.inference import models
from medui.config import get_settings

TASK = "medqa_it"


def submit(session, tiny_llama, name, **kw):
    values = {"max_steps": 3, "batch_size": 2, "eval_limit": 2, "base_fewshot": False, **kw}
    return jobs.submit(session=session, tasks=[TASK], name=name, model=str(tiny_llama), data="gold", **values)


def wait_for_steps(session, job_id, n=1, timeout_s=600):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = jobs.get(job_id, session=session)
        if len(job.loss_curve or []) >= n or job.status in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} made no step in {timeout_s}s: {job.status} {job.log}")


def nothing_left(name: str) -> bool:
    staging = list((get_settings().home / "training").glob(f"{name}.*"))
    return not (get_settings().adapters_dir / name).exists() and not staging


def test_a_job_trains_registers_and_evaluates(tiny_llama, session):
    job = submit(session, tiny_llama, "tiny-job")
    job = jobs.wait(job.id, session=session, poll_s=0.5, timeout_s=600)
    assert job.status == "succeeded", job.error or job.log
    assert job.progress == pytest.approx(1.0) and [s for s, _ in job.loss_curve] == [1, 2, 3]
    variant = variant_named("tiny-job", session=session)
    assert variant is not None and job.adapter_variant_id == variant.id
    assert variant.base == str(tiny_llama) and variant.tasks == [TASK]
    assert variant.lineage["data"]["snapshot"] and variant.lineage["hyperparameters"]["max_steps"] == 3
    scores = variant.scores["tasks"][TASK]
    assert scores["adapter"]["cd"]["n"] == 2 and scores["base"]["cd"]["n"] == 2
    assert "accuracy" in scores["adapter"]["cd"] and "record_counts" not in scores["adapter"]["cd"]
    assert (
        scores["paired"]["n"] == 2 and scores["paired"]["against"] == "base cd"
    )  # no parent adapter, no few-shot run
    assert models.resolve("tiny-job").kind == "adapter"


def test_a_cancelled_job_leaves_nothing_registered(tiny_llama, session):
    job = submit(session, tiny_llama, "tiny-cancel", max_steps=2_000)
    wait_for_steps(session, job.id)
    job = jobs.cancel(job.id, session=session)
    assert job.status == "cancelled"
    assert not jobs.worker_alive(job.pid, job.id)
    assert variant_named("tiny-cancel", session=session) is None and nothing_left("tiny-cancel")
    with pytest.raises(InputError, match="nothing to cancel"):
        jobs.cancel(job.id, session=session)


def test_a_killed_worker_shows_failed_and_leaves_nothing(tiny_llama, session):
    job = submit(session, tiny_llama, "tiny-killed", max_steps=2_000)
    job = wait_for_steps(session, job.id)
    staging = get_settings().home / "training" / f"tiny-killed.{job.pid}"
    staging.mkdir(parents=True, exist_ok=True)  # as if it died while saving
    os.kill(job.pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while jobs.get(job.id, session=session).status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    job = jobs.get(job.id, session=session)
    assert job.status == "failed" and "ended without finishing" in job.error
    assert variant_named("tiny-killed", session=session) is None and nothing_left("tiny-killed")


def test_bad_requests_fail_before_any_process(tiny_llama, session):
    from medui.backend.data.common import DataError
    from medui.backend.inference.models import ModelError
    from medui.tasks.registry import UnknownTask

    with pytest.raises(UnknownTask):
        jobs.submit(session=session, tasks=["nope"], name="x", model=str(tiny_llama), data="gold")
    with pytest.raises(ModelError):
        jobs.submit(session=session, tasks=[TASK], name="x", model="no-such-model", data="gold")
    with pytest.raises(DataError, match="no training data"):
        jobs.submit(session=session, tasks=[TASK], name="x", model=str(tiny_llama), data="corrections")
    with pytest.raises(InputError, match="needs --corpus"):
        jobs.submit(session=session, tasks=[], name="x", model=str(tiny_llama), objective="cpt")
    with pytest.raises(InputError, match="bundled model name"):
        jobs.submit(session=session, tasks=[TASK], name="gemma-3-270m", model=str(tiny_llama), data="gold")
    assert jobs.list_all(session=session) == []


def test_a_queued_job_is_cancelled_at_once(tiny_llama, session):
    job = submit(session, tiny_llama, "tiny-queued", start=False)
    assert job.status == "queued"
    assert jobs.cancel(job.id, session=session).status == "cancelled"


def test_a_killed_job_resumes_from_its_checkpoint(tiny_llama, session):
    from medui.backend.finetune.train import checkpoint_dir

    job = submit(session, tiny_llama, "tiny-resume", max_steps=40, checkpoint_minutes=0, eval_limit=0)
    job = wait_for_steps(session, job.id, n=3)
    os.kill(job.pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while jobs.get(job.id, session=session).status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert jobs.get(job.id, session=session).status == "failed"
    assert (checkpoint_dir(job.id) / "state.pt").exists()  # kept for the resume
    job = jobs.resume(job.id, session=session)
    assert job.status in ("queued", "running")
    job = jobs.wait(job.id, session=session, poll_s=0.5, timeout_s=600)
    assert job.status == "succeeded", job.error or job.log
    assert "resumed from" in job.log and variant_named("tiny-resume", session=session) is not None
    assert not checkpoint_dir(job.id).exists()  # removed once the job succeeded
    with pytest.raises(InputError, match="only an interrupted job"):
        jobs.resume(job.id, session=session)


def test_a_cancel_during_the_evaluation_after_training_stops_it_between_batches(tiny_llama, session):
    """'Annulla il lavoro' during the evaluation that follows training: the evaluation stops at the next batch
    and the scores say it was cancelled (run_job then ends the job cancelled, its adapter kept)."""
    from types import SimpleNamespace

    from medui.backend.finetune import worker

    with pytest.raises(worker.EvaluationStopped):
        worker.evaluate_one("e3c_clinical_entities", str(tiny_llama), "cd", 8, should_stop=lambda: True)
    asked = iter([False, False, True])  # the first run's check, its first batch, then the cancel request

    class Report:
        def should_stop(self) -> bool:
            return next(asked, True)

        def log(self, line: str) -> None:
            pass

        def progress(self, fraction: float) -> None:
            pass

    job = SimpleNamespace(name=str(tiny_llama), tasks=["e3c_clinical_entities"], params={"eval_limit": 8})
    scores = worker.evaluate_against_base(job, str(tiny_llama), Report())
    assert scores["cancelled"] is True and scores["tasks"] == {}


def test_the_before_after_table_compares_with_the_parent_with_records_and_interval():
    from medui.backend.service import before_after
    from medui.pages.common import score_rows

    def run(value: float) -> dict:
        return {"primary": "f1", "f1": value, "n": 50}

    scores = {"tasks": {"e3c_clinical_entities": {
        "adapter": {"cd": run(0.5)}, "parent": {"cd": run(0.4)}, "base": {"cd": run(0.1), "few-shot+cd": run(0.2)},
        "paired": {"metric": "f1", "difference": 0.1, "interval": [0.02, 0.19], "significant": True, "n": 50,
                   "against": "parent cd"},
    }}}  # fmt: skip
    (row,) = score_rows(before_after(scores))
    assert row == ["e3c_clinical_entities", 50, 10.0, 20.0, 40.0, 50.0, "+10.0 [+2.0, +19.0] vs parent cd"]
    scores["tasks"]["e3c_clinical_entities"]["paired"]["significant"] = False
    assert score_rows(before_after(scores))[0][-1].endswith("(non significativa)")
