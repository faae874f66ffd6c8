"""Training under `accelerate launch`: the rank shards of a batch plan, and a 2-process CPU job on the tiny
model against a single-process one with the same global batch (same losses, same weights, one adapter)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from sqlmodel import select

from medui.backend.data.inputs import InputError
from medui.backend.finetune import dataset, distributed, jobs, loop, train
from medui.backend.finetune.distributed import Ranks
from medui.backend.finetune.recipe import load_recipe
from medui.backend.inference import models
from medui.backend.store.tables import ModelVariant
from medui.config import get_settings
from tests.backend.finetune.test_cli_train import run
from tests.backend.finetune.test_jobs import wait_for_steps

TASK = "medqa_it"


def shards(batch: list[int], world: int) -> list[list[int]]:
    return [distributed.shard(batch, Ranks(rank, world)) for rank in range(world)]


def test_the_shards_of_a_batch_are_disjoint_slices_that_make_the_batch_in_order():
    assert shards([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert shards([1, 2, 3, 4, 5], 2) == [[1, 2, 3], [4, 5]]
    assert shards([1, 2, 3, 4, 5], 3) == [[1, 2], [3, 4], [5]]
    assert shards([7], 3) == [[7], [], []]  # fewer rows than ranks: the others get nothing
    assert shards([1, 2, 3], 1) == [[1, 2, 3]]


def test_every_batch_of_a_run_plan_is_split_over_the_ranks(tiny_llama, home):
    data = dataset.sft_dataset([TASK], "gold", train.load_tokenizer(str(tiny_llama)), max_length=512)
    config = load_recipe("sft_lora_cpu").with_overrides(batch_size=3, epochs=2)
    plan = loop.batch_plan(data.rows, config)
    assert len(plan) > 1
    for world in (2, 3, 4):
        for batch in plan:
            parts = shards(batch, world)
            assert [i for part in parts for i in part] == batch
            assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_the_launch_command_starts_the_worker_module_as_n_ranks_on_a_free_port():
    command = distributed.launch_command(jobs.WORKER_MODULE, ["7"], 3)
    assert command[1:3] == ["-m", "accelerate.commands.launch"]
    assert command[command.index("--num_processes") + 1] == "3"
    assert int(command[command.index("--main_process_port") + 1]) > 0
    assert command[-3:] == ["-m", jobs.WORKER_MODULE, "7"]


def test_bad_launcher_requests_are_one_line_errors(tiny_llama, home, monkeypatch):
    argv = ["train", "--tasks", TASK, "--model", str(tiny_llama), "--data", "gold", "--name", "x"]
    with pytest.raises(InputError, match="--processes must be at least 1"):
        run([*argv, "--launcher", "accelerate", "--processes", "0"])
    with pytest.raises(InputError, match="unknown launcher"):
        jobs.check_launcher("mpi", 2)
    monkeypatch.setattr(distributed, "accelerate_available", lambda: False)
    with pytest.raises(InputError, match="needs the accelerate package"):
        run([*argv, "--launcher", "accelerate"])


def finished_job(session, tiny_llama, name: str, **launch):
    values = {"max_steps": 3, "batch_size": 4, "learning_rate": 1e-2, "lora_dropout": 0.0, "bf16": False}
    job = jobs.submit(
        session=session,
        tasks=[TASK],
        name=name,
        model=str(tiny_llama),
        data="gold",
        eval_limit=0,
        device="cpu",
        **values,
        **launch,
    )
    job = jobs.wait(job.id, session=session, poll_s=0.5, timeout_s=300)
    assert job.status == "succeeded", job.error or job.log
    return job


def adapter_weights(name: str) -> dict[str, torch.Tensor]:
    return load_file(str(get_settings().adapters_dir / name / "adapter_model.safetensors"))


def test_two_accelerate_processes_train_as_one_process_with_the_same_global_batch(tiny_llama, session):
    local = finished_job(session, tiny_llama, "tiny-local")
    accel = finished_job(session, tiny_llama, "tiny-accel", launcher="accelerate", processes=2)
    assert "data parallel over 2 processes" in accel.log and "data parallel" not in local.log
    assert [s for s, _ in accel.loss_curve] == [1, 2, 3] and accel.progress == pytest.approx(1.0)
    for (_, one), (_, two) in zip(local.loss_curve, accel.loss_curve, strict=True):
        assert two == pytest.approx(one, rel=1e-4)
    ours, theirs = adapter_weights("tiny-local"), adapter_weights("tiny-accel")
    assert ours.keys() == theirs.keys()
    for key in ours:
        # float32 gradients all-reduced from two processes are summed in another order than one process's: on
        # AVX-512 kernels that moves a weight near zero by about 1e-5 after three steps at lr 1e-2
        torch.testing.assert_close(theirs[key], ours[key], rtol=1e-3, atol=5e-5)
    assert any(not torch.equal(w, torch.zeros_like(w)) for w in theirs.values())  # it did train
    variants = session.exec(select(ModelVariant).where(ModelVariant.kind == "adapter")).all()
    assert sorted(v.name for v in variants) == ["tiny-accel", "tiny-local"]  # one adapter per job
    registered = next(v for v in variants if v.name == "tiny-accel")
    assert accel.adapter_variant_id == registered.id and registered.lineage["training"]["processes"] == 2
    lm = models.load("tiny-accel", "cpu", "float32")
    assert lm.model(torch.tensor([[1, 2, 3]])).logits.shape[-1] > 0


def ranks_of(job_id: int) -> list[int]:
    """Pids of the processes running this job's worker (launcher and ranks) on this test's medui home."""
    home = f"MEDUI_HOME={get_settings().home}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if jobs.WORKER_MODULE.encode() in args and str(job_id).encode() in args and home in env:
            found.append(int(proc.name))
    return found


def test_a_killed_accelerate_job_stops_all_ranks_and_resumes_from_the_checkpoint(tiny_llama, session):
    from medui.backend.finetune.train import checkpoint_dir

    job = jobs.submit(
        session=session,
        tasks=[TASK],
        name="tiny-accel-resume",
        model=str(tiny_llama),
        data="gold",
        eval_limit=0,
        device="cpu",
        max_steps=40,
        batch_size=2,
        checkpoint_minutes=0,
        launcher="accelerate",
        processes=2,
    )
    job = wait_for_steps(session, job.id, n=3)
    os.kill(job.pid, signal.SIGKILL)  # the launcher: its ranks must not train on as orphans
    deadline = time.monotonic() + 60
    while (ranks_of(job.id) or jobs.get(job.id, session=session).status == "running") and (
        time.monotonic() < deadline
    ):
        time.sleep(0.3)
    assert ranks_of(job.id) == [] and jobs.get(job.id, session=session).status == "failed"
    assert (checkpoint_dir(job.id) / "state.pt").exists()
    job = jobs.wait(jobs.resume(job.id, session=session).id, session=session, poll_s=0.5, timeout_s=300)
    assert job.status == "succeeded", job.error or job.log
    assert "resumed from" in job.log and "data parallel over 2 processes" in job.log
    assert [s for s, _ in job.loss_curve] == list(range(1, 41))
    assert job.adapter_variant_id is not None and not checkpoint_dir(job.id).exists()
