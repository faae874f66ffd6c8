"""Shipping a trained adapter: bf16 weights that load by name, its lineage, and a card that tells the truth."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from medui.backend.data.inputs import InputError
from medui.backend.finetune import ship
from medui.backend.inference import models


@pytest.fixture
def trained(medui_home, tiny_model_dir):
    from peft import LoraConfig, get_peft_model

    base = models.load(str(tiny_model_dir), device="cpu", dtype="float32")
    peft_model = get_peft_model(base.model, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    folder = models.get_settings().adapters_dir / "tiny-ft"
    peft_model.save_pretrained(folder)
    meta = {
        "base": str(tiny_model_dir),
        "description": "LoRA sft on e3c_clinical_entities",
        "data": {"rows": 3, "tokens": 90, "snapshot": "abc123", "records": [
            {"task": "e3c_clinical_entities", "split": "train", "id": "a"}],
            "tasks": {"e3c_clinical_entities": {"gold": 1, "rows": 3, "excluded_eval_overlap": 2}}},
        "hyperparameters": {"lora_r": 2, "batch_size": 1, "grad_accum": 1},
        "training": {"steps": 3, "dev_curve": [[3, 0.5]], "best_step": 3},
    }  # fmt: skip
    (folder / "medui.json").write_text(json.dumps(meta), encoding="utf-8")
    models.unload()
    return folder


def test_a_shipped_adapter_has_bf16_weights_its_lineage_and_a_card_and_loads_by_name(
    trained, tmp_path, monkeypatch
):
    study = tmp_path / "study.csv"
    study.write_text("model,strategy,e3c_clinical_entities,average\ntiny-ft,cd,41.0,41.0\nother,cd,1.0,1.0\n")
    out = tmp_path / "shipped"
    target = ship.ship("tiny-ft", study_csv=study, out_dir=out, regenerate="medui train --recipe x")
    before, after = load_file(trained / ship.WEIGHTS), load_file(target / ship.WEIGHTS)
    assert before.keys() == after.keys() and all(t.dtype == torch.bfloat16 for t in after.values())
    assert all(torch.allclose(before[k], after[k].float(), rtol=1e-2, atol=1e-3) for k in before)
    meta = json.loads((target / "medui.json").read_text())
    assert meta["data"]["records"] == [{"task": "e3c_clinical_entities", "split": "train", "id": "a"}]
    card = (target / "README.md").read_text()
    assert "| tiny-ft | cd | 41.0 | 41.0 |" in card and "other" not in card
    assert "medui train --recipe x" in card and "| e3c_clinical_entities | 1 | 3 |" in card
    monkeypatch.setattr(models, "SHIPPED_MODELS_DIR", out)
    assert models.load("tiny-ft", device="cpu", dtype="float32").variant.path == target
    models.unload()


def test_shipping_an_unknown_adapter_is_refused_and_writes_nothing(medui_home, tmp_path):
    with pytest.raises(InputError, match="no trained adapter"):
        ship.ship("nope", out_dir=tmp_path / "shipped")
    assert not (tmp_path / "shipped").exists()


def test_the_card_of_a_two_stage_adapter_gives_both_runs_every_record_and_the_licences():
    stage1 = {
        "base": "gemma-3-270m", "parent": None,
        "data": {"records": [{"task": "e3c_actors", "split": "train", "id": "a"}],
                 "tasks": {"e3c_actors": {"gold": 1, "rows": 1}}},
        "hyperparameters": {"seed": 0}, "training": {"steps": 80, "best_step": 80},
    }  # fmt: skip
    stage2 = {
        "base": "gemma-3-270m", "parent": "stage-one", "parent_lineage": stage1,
        "data": {"records": [{"task": "medqa_it", "split": "train", "id": "q"},
                             {"task": "e3c_actors", "split": "train", "id": "a"}],
                 "tasks": {"medqa_it": {"gold": 1, "rows": 1}, "e3c_actors": {"gold": 1, "rows": 0}}},
        "hyperparameters": {"seed": 1}, "training": {"steps": 78, "best_step": 78},
    }  # fmt: skip
    card = ship.model_card("two-stage", stage2, 7.3, [], "")
    assert "- 2 records of the splits train (every stage together)" in card and "LoRA sft in 2 stages" in card
    assert "| e3c_actors | 1 | 1 / 0 |" in card and "| medqa_it | 1 | 0 / 1 |" in card
    assert card.index("Stage 1 of 2, on gemma-3-270m:") < card.index("80 optimizer steps")
    assert card.index("Stage 2 of 2, on stage-one:") < card.index("78 optimizer steps")
    assert "- CC BY-NC 4.0: e3c_actors" in card and "- CC BY 4.0: medqa_it" in card
    assert "non-commercial purposes only" in card


def test_refreshing_a_shipped_card_rewrites_only_its_evaluation(trained, tmp_path):
    study = tmp_path / "study.csv"
    study.write_text("model,strategy,e3c_clinical_entities,average\ntiny-ft,cd,41.0,41.0\n")
    out = tmp_path / "shipped"
    target = ship.ship("tiny-ft", study_csv=study, out_dir=out, regenerate="medui train --recipe x")
    before = (target / "README.md").read_text()
    weights = (target / ship.WEIGHTS).read_bytes()
    study.write_text("model,strategy,e3c_clinical_entities,average\ntiny-ft,cd,52.5,52.5\nother,cd,1.0,1.0\n")
    dev = {"e3c_clinical_entities": {"primary": 0.25, "n": 10}}
    card = ship.refresh_evaluation(target, study_csv=study, dev=dev, conditions="50 test records a task")
    after = card.read_text()
    assert "| tiny-ft | cd | 52.5 | 52.5 |" in after and "41.0" not in after and "other" not in after
    assert "| e3c_clinical_entities | 25.0 | 10 |" in after and "50 test records a task" in after
    assert after.count(ship.EVALUATION) == 1 and after.count(ship.REGENERATE) == 1
    assert after.split(ship.EVALUATION)[0] == before.split(ship.EVALUATION)[0]  # the rest is kept
    assert after.split(ship.REGENERATE)[1] == before.split(ship.REGENERATE)[1]
    assert (target / ship.WEIGHTS).read_bytes() == weights
    again = ship.refresh_evaluation(target, study_csv=study, dev=dev, conditions="50 test records a task")
    assert again.read_text() == after  # idempotent
    (target / "README.md").write_text("# no sections\n")
    with pytest.raises(InputError, match="no '## Regenerate' section"):
        ship.refresh_evaluation(target, study_csv=study)
