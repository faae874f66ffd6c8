"""`medui export-adapter`: a trained adapter as a plain PEFT folder that a serving engine loads.

vLLM loads it with `vllm serve BASE --enable-lora --lora-modules NAME=DIR`, and medui then runs it as
`openai:NAME`. The folder holds adapter_config.json (with base_model_name_or_path set to the base model's
Hugging Face name, not the local folder medui trained on), adapter_model.safetensors and medui.json (the lineage;
medui can also run the folder itself). Adapters a server cannot load are refused here: only LoRA weights
(no modules_to_save, no other tensors).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from medui.backend.data.inputs import InputError
from medui.backend.inference import models

WEIGHTS = "adapter_model.safetensors"


def base_hub_name(variant: models.Variant) -> str:
    """The name a server knows a base model by: a bundled model's hub id, a hub id, else the model folder."""
    if variant.kind == "bundled":
        return models.BUNDLED[variant.name].hub_id
    if variant.kind == "hub":
        return variant.name
    config = Path(variant.path or "") / "config.json"
    named = json.loads(config.read_text(encoding="utf-8")).get("_name_or_path") if config.exists() else None
    if isinstance(named, str) and named.count("/") == 1 and not Path(named).exists():
        return named  # the hub id the folder was saved from
    return str(variant.path)


def export_adapter(name: str, out: str | Path) -> Path:
    """Write adapter NAME (registered name or folder) as a PEFT folder OUT; all or nothing. Returns OUT."""
    variant = models.resolve(name)
    if variant.kind != "adapter" or variant.path is None or variant.base is None:
        raise InputError(f"{name!r} is not a LoRA adapter (medui models lists the adapters)")
    config = _checked_config(variant.path)
    _check_tensors(variant.path / WEIGHTS)
    target = Path(out).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists and is not an empty folder")
    config["base_model_name_or_path"] = base_hub_name(variant.base)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        text = json.dumps(config, ensure_ascii=False, indent=2)
        (staging / "adapter_config.json").write_text(text + "\n", encoding="utf-8")
        shutil.copyfile(variant.path / WEIGHTS, staging / WEIGHTS)
        if (variant.path / "medui.json").exists():
            shutil.copyfile(variant.path / "medui.json", staging / "medui.json")
        if target.exists():
            target.rmdir()  # empty, checked above
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def _checked_config(folder: Path) -> dict:
    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    if str(config.get("peft_type", "")).upper() != "LORA":
        raise InputError(f"{folder}: a {config.get('peft_type')} adapter; servers load LoRA adapters only")
    if config.get("modules_to_save"):
        raise InputError(
            f"{folder}: the adapter also saves whole modules ({', '.join(config['modules_to_save'])}), "
            "which vLLM cannot load"
        )
    if config.get("use_dora") or config.get("bias", "none") != "none":
        raise InputError(f"{folder}: a DoRA adapter or one with trained biases, which vLLM cannot load")
    if not (folder / WEIGHTS).exists():
        raise InputError(f"{folder}: no {WEIGHTS} (servers load safetensors adapters)")
    return config


def _check_tensors(weights: Path) -> None:
    from safetensors import safe_open

    with models.loading_errors(weights.parent, "adapter"), safe_open(str(weights), "pt") as f:
        others = [k for k in f.keys() if ".lora_A." not in k and ".lora_B." not in k]  # noqa: SIM118
    if others:
        raise InputError(
            f"{weights}: tensors other than LoRA weights ({others[0]}, ...): a server cannot load them"
        )
