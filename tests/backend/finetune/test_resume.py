"""Resumable training on a tiny model: a run killed between steps continues from its checkpoint and ends with
the same weights as an uninterrupted run; the batch plan, per-task epoch samples and dev selection."""

from __future__ import annotations

import random

import pytest
import torch
from safetensors.torch import load_file

from medui.backend.data.inputs import InputError
from medui.backend.finetune import dataset, loop, train
from medui.backend.finetune.recipe import TrainConfig, load_recipe

TASKS = ["medqa_it", "medmcqa_it"]


@pytest.fixture
def data(tiny_llama, home):
    return dataset.sft_dataset(TASKS, "gold", train.load_tokenizer(str(tiny_llama)), max_length=512)


def config(**kw) -> TrainConfig:
    values = {"max_steps": 6, "batch_size": 2, "learning_rate": 1e-2, "checkpoint_minutes": 0, **kw}
    return load_recipe("sft_lora_cpu").with_overrides(**values)


def adapter_weights(folder) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "adapter_model.safetensors"))


class StopAfter:
    """should_stop that says yes once `steps` steps are done (a kill between two steps)."""

    def __init__(self, steps: int):
        self.steps, self.done = steps, 0

    def on_step(self, step, total, loss, lr):
        self.done = step

    def should_stop(self) -> bool:
        return self.done >= self.steps


LOOPS = {
    "fast": {"loss_vocab": "subset", "negatives": 64, "share_prefix": True},
    "reference": {"loss_vocab": "full", "share_prefix": False, "bf16": "flag"},
}


@pytest.mark.parametrize("loop_kind", sorted(LOOPS))
def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tiny_llama, data, tmp_path, loop_kind):
    def config_of_loop():
        return config(**LOOPS[loop_kind])

    whole = train.train(str(tiny_llama), data, config_of_loop(), name="whole", checkpoint=tmp_path / "a")
    stop = StopAfter(3)
    callbacks = train.Callbacks(on_step=stop.on_step, should_stop=stop.should_stop)
    with pytest.raises(train.TrainingCancelled):
        train.train(
            str(tiny_llama),
            data,
            config_of_loop(),
            name="parts",
            callbacks=callbacks,
            checkpoint=tmp_path / "b",
        )
    assert (tmp_path / "b" / "state.pt").exists()
    lines: list[str] = []
    resumed = train.train(
        str(tiny_llama),
        data,
        config_of_loop(),
        name="parts",
        checkpoint=tmp_path / "b",
        callbacks=train.Callbacks(log=lines.append),
    )
    assert any("resumed" in line and "step 3" in line for line in lines)
    assert resumed.meta["training"]["resumed_at"] == [3]
    assert [s for s, _ in resumed.loss_curve] == [1, 2, 3, 4, 5, 6]
    assert [loss for _, loss in resumed.loss_curve] == pytest.approx(
        [loss for _, loss in whole.loss_curve], rel=1e-4
    )
    a, b = adapter_weights(whole.adapter_dir), adapter_weights(resumed.adapter_dir)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-6)


def test_a_checkpoint_of_other_data_is_not_resumed(tiny_llama, data, tmp_path):
    stop = StopAfter(1)
    callbacks = train.Callbacks(on_step=stop.on_step, should_stop=stop.should_stop)
    with pytest.raises(train.TrainingCancelled):
        train.train(str(tiny_llama), data, config(), name="x", callbacks=callbacks, checkpoint=tmp_path / "c")
    with pytest.raises(InputError, match="other data or another recipe"):
        train.train(str(tiny_llama), data, config(learning_rate=5e-3), name="x", checkpoint=tmp_path / "c")


def test_the_batch_plan_is_fixed_by_the_seed_and_samples_each_task_per_epoch(data):
    cfg = config(max_steps=None, epochs=2, rows_per_task=5)
    plan = loop.batch_plan(data.rows, cfg)
    assert plan == loop.batch_plan(data.rows, cfg)
    assert loop.epoch_size(data.rows, cfg) == 10
    per_epoch = loop.batches_per_epoch(data.rows, cfg)
    first = [data.rows[i].source for b in plan[:per_epoch] for i in b]
    assert sorted(first) == sorted(["medqa_it"] * 5 + ["medmcqa_it"] * 5)
    second = {i for b in plan[per_epoch:] for i in b}
    assert second != {i for b in plan[:per_epoch] for i in b}  # a fresh sample each epoch


def test_dev_loss_selects_the_epoch_installed(tiny_llama, data, tmp_path):
    dev = dataset.cap_rows(data, 2)
    assert len(dev.rows) == 4 and {r.source for r in dev.rows} == set(TASKS)
    result = train.train(
        str(tiny_llama), data, config(max_steps=None, epochs=2, rows_per_task=4), name="dev", dev=dev
    )
    curve = result.meta["training"]["dev_curve"]
    assert [s for s, _ in curve] == [4, 8]
    assert result.meta["training"]["best_dev_loss"] == min(loss for _, loss in curve)
    assert result.meta["training"]["tokens_per_s"] > 0


def test_empty_share_keeps_that_share_of_the_rows_with_an_empty_answer_each_epoch():
    rows = [dataset.TrainRow([1, 2], [1, 2], "t", empty=i < 10) for i in range(20)]
    rows += [dataset.TrainRow([1], [1], "u", empty=True) for _ in range(4)]
    cfg = config(max_steps=None, epochs=1, empty_share=0.2)
    picked = loop.epoch_rows(rows, cfg, random.Random(0))
    assert sum(r.source == "t" and r.empty for r in picked) == 2 and sum(not r.empty for r in picked) == 10
    assert sum(r.source == "u" for r in picked) == 1  # round(4 * 0.2)
    assert loop.epoch_size(rows, cfg) == len(picked) == 13
    assert loop.epoch_size(rows, config(max_steps=None, empty_share=0.2, rows_per_task=5)) == 5 + 1


def test_an_answer_that_lists_nothing_is_marked_empty():
    assert dataset.empty_answer(' {"entities":[]}\n') and dataset.empty_answer('{"a":[],"b":[]}')
    assert not dataset.empty_answer('{"entities":[{"text":"x","label":"A"}]}')
    assert not dataset.empty_answer('{"answer":"B"}') and not dataset.empty_answer("not json")
