"""The training run in process on a tiny model: adapter installed with lineage, nothing left when it stops."""

from __future__ import annotations

import json

import pytest
import torch

from medui.backend.data.inputs import InputError
from medui.backend.finetune import cpt, dataset, loop, train
from medui.backend.finetune.recipe import TrainConfig, load_recipe
from medui.backend.inference import models
from medui.config import get_settings

TASK = "medqa_it"


@pytest.fixture
def data(tiny_llama, home):
    return dataset.sft_dataset([TASK], "gold", train.load_tokenizer(str(tiny_llama)), max_length=512)


def config(**kw) -> TrainConfig:
    values = {"max_steps": 3, "batch_size": 2, "learning_rate": 1e-2, **kw}
    return load_recipe("sft_lora_cpu").with_overrides(**values)


def nothing_left(name: str) -> bool:
    settings = get_settings()
    staging = list((settings.home / "training").glob(f"{name}.*"))
    return not (settings.adapters_dir / name).exists() and not staging


def test_a_run_installs_an_adapter_that_loads_by_name(tiny_llama, data):
    steps = []
    callbacks = train.Callbacks(on_step=lambda step, total, loss, lr: steps.append((step, total, loss)))
    result = train.train(
        str(tiny_llama), data, config(), name="tiny-sft", meta={"tasks": [TASK]}, callbacks=callbacks
    )
    assert [s[:2] for s in steps] == [(1, 3), (2, 3), (3, 3)] and result.loss_curve[-1][0] == 3
    meta = json.loads((result.adapter_dir / "medui.json").read_text())
    assert meta["base"] == str(tiny_llama) and meta["tasks"] == [TASK] and meta["objective"] == "sft"
    assert meta["data"]["snapshot"] == data.snapshot and meta["hyperparameters"]["lora_r"] == 16
    variant = models.resolve("tiny-sft")
    assert variant.kind == "adapter" and variant.base.path == tiny_llama.resolve()
    lm = models.load("tiny-sft", "cpu", "float32")
    base = models.load(str(tiny_llama), "cpu", "float32")
    ids = torch.tensor([data.rows[0].input_ids[:32]])
    assert not torch.allclose(lm.model(ids).logits, base.model(ids).logits)


def test_the_loss_on_the_answer_goes_down(tiny_llama, data):
    result = train.train(str(tiny_llama), data, config(max_steps=12), name="tiny-down")
    assert result.loss_after < result.loss_before


def test_a_cancelled_run_leaves_nothing(tiny_llama, data):
    stop = train.Callbacks(should_stop=lambda: True)
    with pytest.raises(train.TrainingCancelled):
        train.train(str(tiny_llama), data, config(), name="tiny-cancel", callbacks=stop)
    assert nothing_left("tiny-cancel")


def test_a_failing_run_leaves_nothing(tiny_llama, data):
    def explode(step, total, loss, lr):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        train.train(
            str(tiny_llama), data, config(), name="tiny-fail", callbacks=train.Callbacks(on_step=explode)
        )
    assert nothing_left("tiny-fail")


def test_names_are_checked(tiny_llama, data):
    for bad in ("gemma-3-270m", "../x", "", "a b"):
        with pytest.raises(InputError):
            train.check_adapter_name(bad)
    train.train(str(tiny_llama), data, config(max_steps=1), name="taken")
    with pytest.raises(InputError, match="already exists"):
        train.train(str(tiny_llama), data, config(max_steps=1), name="taken")


def test_sft_can_continue_a_cpt_adapter(tiny_llama, data, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": "Paziente con dispnea e febbre. " * 30}) + "\n", encoding="utf-8")
    tok = train.load_tokenizer(str(tiny_llama))
    chunks = cpt.cpt_dataset(corpus, tok, max_length=64)
    train.train(str(tiny_llama), chunks, config(objective="cpt", lora_r=4), name="tiny-cpt")
    result = train.train("tiny-cpt", data, config(), name="tiny-cpt-sft")
    meta = json.loads((result.adapter_dir / "medui.json").read_text())
    assert meta["parent"] == "tiny-cpt" and meta["base"] == str(tiny_llama)
    assert meta["parent_lineage"]["objective"] == "cpt"
    assert models.resolve("tiny-cpt-sft").base.path == tiny_llama.resolve()


def test_batches_are_padded_to_their_own_length():
    rows = [dataset.TrainRow([1, 2, 3], [-100, 2, 3], "t"), dataset.TrainRow([1, 2], [-100, 2], "t")]
    batch = loop.collate(rows, pad_id=0, device="cpu")
    assert batch["input_ids"].shape == (2, 3)
    assert batch["labels"][1].tolist() == [-100, 2, -100] and batch["attention_mask"][1].tolist() == [1, 1, 0]
