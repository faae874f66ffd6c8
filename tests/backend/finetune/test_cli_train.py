"""`medui train` and `medui jobs` through their parser and dispatch."""

from __future__ import annotations

import argparse
import json

import pytest

from medui.backend.data.inputs import InputError
from medui.cli import train as cli_train


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="medui")
    cli_train.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_train_waits_and_reports_scores_then_jobs_lists_it(tiny_llama, home, capsys):
    argv = ["train", "--tasks", "medqa_it", "--model", str(tiny_llama), "--data", "gold", "--name", "cli-a"]
    argv += ["--max-steps", "2", "--batch-size", "2", "--lora-r", "4", "--lr", "1e-3", "--eval-limit", "1"]
    assert run([*argv, "--no-base-fewshot", "--wait", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded" and result["steps"] == 2
    assert result["eta_seconds"] is None  # an ended job has no time left
    assert set(result["scores"]["tasks"]["medqa_it"]) == {"adapter", "base", "paired"}
    assert run(["jobs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["status"]) for r in rows] == [("cli-a", "succeeded")]
    assert run(["jobs", "show", str(rows[0]["id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["params"]["config"]["lora_r"] == 4 and len(shown["loss_curve"]) == 2
    assert "registered model variant" in shown["log"]


def test_user_errors_are_raised_for_the_cli_to_report(tiny_llama, home):
    with pytest.raises(InputError, match="no training job 42"):
        run(["jobs", "cancel", "42"])
    with pytest.raises(InputError, match="lora_r"):
        run(["train", "--tasks", "medqa_it", "--model", str(tiny_llama), "--name", "x", "--lora-r", "0"])


def test_a_cpt_recipe_makes_a_cpt_job_without_objective(tiny_llama, home, tmp_path, capsys):
    recipe = tmp_path / "cpt.yaml"
    recipe.write_text("objective: cpt\nmax_length: 32\nmax_steps: 1\nbatch_size: 2\nlora_r: 4\n")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": "Il paziente presenta febbre e tosse da tre giorni. " * 6}) + "\n")
    argv = ["train", "--recipe", str(recipe), "--model", str(tiny_llama), "--corpus", str(corpus)]
    assert run([*argv, "--name", "cli-cpt", "--eval-limit", "0", "--wait", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded" and result["objective"] == "cpt"


def running_job(session, **values):
    from medui.backend.finetune import store_access as sa_jobs

    values = {
        "name": "eta",
        "tasks": ["medqa_it"],
        "params": {"eval_limit": 2},
        "status": "running",
        **values,
    }
    return sa_jobs.create_job(session=session, **values)


def test_jobs_and_jobs_show_give_a_running_jobs_time_left(session, capsys):
    job = running_job(session, progress=0.45, eta_seconds=720.0)
    running_job(session, name="done", status="succeeded", progress=1.0)
    assert run(["jobs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"{job.id:>4} eta ") and lines[1].endswith(
        "medqa_it  about 12 min of training left, then the evaluation"
    )
    assert lines[0].endswith("medqa_it")  # a finished job: no time left
    assert run(["jobs", "show", str(job.id)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"job {job.id} eta: running (45%, about 12 min of training left, then the evaluation)"
    assert run(["jobs", "show", str(job.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["eta_seconds"], shown["evaluates"]) == (720.0, True)


def test_wait_prints_the_time_left_when_it_changes(session, monkeypatch, capsys):
    from medui.backend.finetune import jobs
    from medui.backend.finetune import store_access as sa_jobs

    job = running_job(session, params={"eval_limit": 0})

    def fake_wait(job_id, *, session, on_update, **_):
        for eta in (None, 720.0, 700.0, 650.0, 20.0):  # not measured yet, 12, 12, 11 and 1 min
            sa_jobs.update_job(job_id, session=session, eta_seconds=eta)
            on_update(jobs.get(job_id, session=session))
        sa_jobs.finish_job(job_id, "failed", session=session, error="boom")
        return jobs.get(job_id, session=session)

    monkeypatch.setattr(jobs, "wait", fake_wait)
    assert cli_train.follow(argparse.Namespace(json=False), job.id, session) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"job {job.id}: time left: estimated after the first steps",
        f"job {job.id}: about 12 min of training left",
        f"job {job.id}: about 11 min of training left",
        f"job {job.id}: about 1 min of training left",
    ]
