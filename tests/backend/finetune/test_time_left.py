"""A job's training time left: measured by its worker's reporter (on a fake clock), stored on its row, cleared
when it ends or resumes. No model is trained here."""

from __future__ import annotations

import pytest

from medui.backend.finetune import store_access as sa_jobs
from medui.backend.finetune.worker import JobReporter

TASK = "medqa_it"


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def running_job(session, **values):
    values = {"name": "eta", "tasks": [TASK], "params": {"eval_limit": 2}, "status": "running", **values}
    return sa_jobs.create_job(session=session, **values)


def eta_of(session, job_id: int) -> float | None:
    return sa_jobs.get_job(job_id, session=session).eta_seconds


def test_no_estimate_before_a_measured_step_then_steps_left_times_seconds_per_step(session):
    job, clock = running_job(session), FakeClock()
    report = JobReporter(job, session, 0.9, clock=clock)
    clock.now += 600.0  # loading the model and data: never counted
    report.on_step(1, 10, 2.0, 1e-4)
    assert eta_of(session, job.id) is None
    assert sa_jobs.job_row(sa_jobs.get_job(job.id, session=session))["eta_seconds"] is None
    for seconds, step, expected in [(4.0, 2, 4.0 * 8), (5.0, 3, 4.5 * 7), (3.0, 4, 4.0 * 6)]:
        clock.now += seconds
        report.on_step(step, 10, 1.5, 1e-4)
        assert eta_of(session, job.id) == pytest.approx(expected)
    clock.now += 24.0
    report.on_step(10, 10, 1.0, 1e-4)
    row = sa_jobs.job_row(sa_jobs.get_job(job.id, session=session))
    assert (row["eta_seconds"], row["evaluates"]) == (0.0, True)
    report.progress(0.5)  # the evaluation: its time is not estimated
    assert eta_of(session, job.id) is None


def test_a_resumed_job_measures_from_its_first_step_in_the_new_process(session):
    curve = [[1, 2.0], [2, 1.9], [3, 1.8]]
    job, clock = running_job(session, loss_curve=curve, eta_seconds=99.0), FakeClock()
    report = JobReporter(job, session, 1.0, clock=clock)
    clock.now += 300.0  # loading and restoring the checkpoint
    report.on_step(4, 10, 1.7, 1e-4)
    assert eta_of(session, job.id) is None  # the earlier process's estimate is not shown as this one's
    clock.now += 2.0
    report.on_step(5, 10, 1.6, 1e-4)
    assert eta_of(session, job.id) == pytest.approx(2.0 * 5)


def test_the_estimate_is_cleared_when_a_job_ends_or_is_reopened(session):
    job = running_job(session, eta_seconds=120.0)
    assert sa_jobs.finish_job(job.id, "failed", session=session, error="boom")
    assert eta_of(session, job.id) is None
    sa_jobs.update_job(job.id, session=session, eta_seconds=60.0)  # as a stale row would have it
    sa_jobs.reopen_job(job.id, session=session)
    assert eta_of(session, job.id) is None


def test_a_job_without_tasks_or_with_eval_limit_0_does_not_evaluate(session):
    assert not sa_jobs.evaluates_after(running_job(session, name="a", tasks=[]))
    assert not sa_jobs.evaluates_after(running_job(session, name="b", params={"eval_limit": 0}))
    assert sa_jobs.evaluates_after(running_job(session, name="c", params={"eval_limit": None}))
