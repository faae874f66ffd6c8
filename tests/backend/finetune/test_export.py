"""`medui export-adapter`: a tiny adapter written as a PEFT folder a server loads (vLLM --lora-modules)."""

from __future__ import annotations

import json

import pytest

from medui.backend.data.inputs import InputError
from medui.backend.finetune.export import base_hub_name, export_adapter
from medui.cli import main
from medui.config import get_settings


def _tiny_adapter(base, name: str, base_name: str | None = None, **lora) -> None:
    """A LoRA adapter on the tiny Llama, registered under the home's adapters as medui saves one."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM", **lora)
    model = get_peft_model(model, config)
    for param in model.parameters():
        if param.requires_grad:
            torch.nn.init.normal_(param)  # lora_B starts at zero: make the weights tell apart
    folder = get_settings().adapters_dir / name
    model.save_pretrained(folder)
    meta = {"base": base_name or str(base), "description": "tiny"}
    (folder / "medui.json").write_text(json.dumps(meta), encoding="utf-8")


def test_an_exported_adapter_is_a_peft_folder_with_the_same_weights(home, tiny_llama, tmp_path, capsys):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    _tiny_adapter(tiny_llama, "tiny-ner")
    out = tmp_path / "served" / "tiny-ner"
    assert main(["export-adapter", "tiny-ner", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"--enable-lora --lora-modules tiny-ner={out}" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "adapter_config.json",
        "adapter_model.safetensors",
        "medui.json",
    ]
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_llama) and config["peft_type"] == "LORA"
    source = load_file(get_settings().adapters_dir / "tiny-ner" / "adapter_model.safetensors")
    written = load_file(out / "adapter_model.safetensors")
    assert source.keys() == written.keys() and all((source[k] == written[k]).all() for k in source)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama), out)
    loaded = {k: v for k, v in model.state_dict().items() if "lora_" in k}
    assert len(loaded) == len(source) > 0
    assert not list(out.parent.glob(".*partial"))


def test_a_bundled_base_is_named_by_its_hub_id(home, tiny_llama, tmp_path):
    from medui.backend.inference import models

    assert base_hub_name(models.Variant("gemma-3-270m", "bundled", None)) == "google/gemma-3-270m"
    assert base_hub_name(models.Variant("org/model", "hub", tmp_path)) == "org/model"
    _tiny_adapter(tiny_llama, "on-gemma", base_name="gemma-3-270m")
    out = export_adapter("on-gemma", tmp_path / "on-gemma")
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "google/gemma-3-270m"


def test_what_a_server_cannot_load_is_refused_and_nothing_is_written(home, tiny_llama, tmp_path):
    _tiny_adapter(tiny_llama, "with-head", modules_to_save=["lm_head"])
    with pytest.raises(InputError, match="whole modules"):
        export_adapter("with-head", tmp_path / "a")
    assert not (tmp_path / "a").exists()
    _tiny_adapter(tiny_llama, "plain")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x")
    with pytest.raises(InputError, match="not an empty folder"):
        export_adapter("plain", taken)
    with pytest.raises(InputError, match="not a LoRA adapter"):
        export_adapter(str(tiny_llama), tmp_path / "b")
