"""One LoRA training run, linear and generic: load the base, wrap it with LoRA, loop, save atomically.

The loop is plain torch: AdamW on the LoRA weights (float32 master weights) with bf16 autocast where the CPU or
GPU supports it, batches padded only to their own longest row (rows of similar length are batched together),
epochs or a step budget, a warmup then cosine (or linear) learning rate; the loss on labelled positions only.
The loop, its batches and its checkpoints are medui/backend/finetune/loop.py.

Between optimizer steps the run reports progress and loss and asks whether to stop. The adapter is written to a
temporary folder beside the adapters folder and renamed into `adapters_dir/<name>` only when everything
succeeded, with a medui.json holding its lineage; a failed, cancelled or killed run leaves nothing in place.
A run can start from a registered adapter (CPT then SFT): that adapter is trained further and keeps its config.

Resumable. Given a checkpoint folder, the run writes its state there every `checkpoint_minutes` (LoRA weights,
optimizer state, RNG state, step, loss curves, best dev weights: one file replaced atomically) and, when the
folder already holds a state of the same data and recipe, continues from it. The batch order of the whole run is
planned up front from the seed, so a resumed run sees the same batches in the same order and ends with the same
weights as an uninterrupted one. With dev rows, the dev loss is measured at the end of every epoch and the
weights of the epoch with the lowest dev loss are the ones installed (model selection on dev only).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import re
import resource
import shutil
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from medui.backend.data.inputs import InputError
from medui.backend.finetune import distributed
from medui.backend.finetune.dataset import TrainData
from medui.backend.finetune.loop import Callbacks, Loop, TrainingCancelled, mean_loss, total_steps
from medui.backend.finetune.recipe import TrainConfig
from medui.backend.inference import models
from medui.config import get_settings

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class DiskFull(InputError):
    """The adapter could not be written: no space left (nothing was installed)."""


@dataclass
class TrainResult:
    adapter_dir: Path
    steps: int
    seconds: float
    loss_curve: list[list[float]]  # [step, loss]
    loss_before: float | None
    loss_after: float | None
    peak_rss_mb: float
    meta: dict = field(default_factory=dict)


# names and folders ----------------------------------------------------------------------------------------
def check_adapter_name(name: str) -> None:
    """A new adapter name: a plain folder name, not a bundled model, not taken."""
    if not NAME_PATTERN.match(name or ""):
        raise InputError(f"bad adapter name {name!r}: letters, digits, '.', '_' or '-' (at most 80)")
    if name in models.BUNDLED:
        raise InputError(f"{name!r} is a bundled model name; choose another name")
    if (get_settings().adapters_dir / name).exists():
        raise InputError(f"an adapter named {name!r} already exists")


def staging_dir(name: str, pid: int | None = None) -> Path:
    """Where a run writes its adapter before the rename (same filesystem, outside the adapters folder)."""
    return get_settings().home / "training" / f"{name}.{pid or os.getpid()}"


def checkpoint_dir(job_id: int) -> Path:
    """Where a job's run keeps its resumable state (kept when the job fails, removed when it ends otherwise)."""
    return get_settings().home / "training" / "checkpoints" / f"job-{job_id}"


def remove_checkpoint(job_id: int) -> None:
    shutil.rmtree(checkpoint_dir(job_id), ignore_errors=True)


def remove_staging(name: str) -> None:
    """Delete what runs of this adapter name left half-written (killed processes): `name.<pid>` only, never
    the staging folder of another name that starts with this one (`ner` and `ner.v2`)."""
    parent = staging_dir(name).parent
    for folder in parent.glob(f"{glob.escape(name)}.*"):
        if folder.name.removeprefix(f"{name}.").isdigit():
            shutil.rmtree(folder, ignore_errors=True)


def base_folder(variant: models.Variant) -> Path:
    if variant.kind == "bundled":
        return variant.path or models.convert_bundled(variant.name)
    assert variant.path is not None
    return variant.path


def load_tokenizer(model_name: str):
    """The tokenizer a model (or an adapter's base) uses, with a pad token."""
    from transformers import AutoTokenizer

    variant = models.resolve(model_name)
    folder = base_folder(variant.base or variant)
    with models.loading_errors(folder, "tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


# model ----------------------------------------------------------------------------------------------------
def load_trainable(model_name: str, config: TrainConfig, device: str) -> tuple[Any, dict]:
    """The model with trainable LoRA weights (fp32), and its lineage: base name and parent adapter."""
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    variant = models.resolve(model_name)
    base = variant.base if variant.kind == "adapter" else variant
    assert base is not None
    folder = base_folder(base)
    with models.loading_errors(folder, "weights"):
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    if variant.kind == "adapter":
        with _quiet_peft(), models.loading_errors(variant.path, "adapter"):
            model = PeftModel.from_pretrained(model, variant.path, is_trainable=True)
        parent_meta = _read_meta(variant.path)
        lineage = {"base": base.name, "parent": variant.name, "parent_lineage": parent_meta}
    else:
        lora = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=_target_modules(model, config.target_modules),
            task_type="CAUSAL_LM",
        )
        with _quiet_peft():
            model = get_peft_model(model, lora)
        lineage = {"base": base.name, "parent": None}
    return model.to(device), lineage


@contextlib.contextmanager
def _quiet_peft():
    """peft 0.21 asks transformers 5 a deprecated question (is_gradient_checkpointing) on every wrap."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def _read_meta(folder: Path | None) -> dict:
    path = Path(folder or "") / "medui.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _target_modules(model, wanted: list[str]) -> list[str] | str:
    """The wanted projection names the model has; every linear layer if it has none of them."""
    present = {
        name.rsplit(".", 1)[-1] for name, mod in model.named_modules() if isinstance(mod, torch.nn.Linear)
    }
    found = [m for m in wanted if m in present]
    return found or "all-linear"


# the run --------------------------------------------------------------------------------------------------
def train(
    model_name: str,
    data: TrainData,
    config: TrainConfig,
    *,
    name: str,
    meta: dict | None = None,
    callbacks: Callbacks | None = None,
    device: str | None = None,
    dev: TrainData | None = None,
    checkpoint: Path | None = None,
) -> TrainResult | None:
    """Train a LoRA adapter on rows and install it as adapters_dir/<name> (only if the whole run succeeds).

    dev: rows whose loss selects the epoch whose weights are installed. checkpoint: a folder to write the run's
    state to (and resume from, when it holds the state of the same data and recipe). In a data-parallel run
    (medui/backend/finetune/distributed.py) every rank trains its shards; rank 0 alone measures the probe,
    installs the adapter and returns the result, the other ranks return None."""
    callbacks = callbacks or Callbacks()
    check_adapter_name(name)
    device = models.pick_device(device)
    torch.manual_seed(config.seed)
    start = time.perf_counter()
    model, lineage = load_trainable(model_name, config, device)
    ranks = distributed.current()
    distributed.share_weights([p for p in model.parameters() if p.requires_grad])
    tokenizer = load_tokenizer(model_name)
    pad_id = tokenizer.pad_token_id
    callbacks.log(
        f"loaded {model_name} on {device} in {time.perf_counter() - start:.1f}s; {_trainable(model)}"
    )
    probe = data.rows[: config.probe_rows] if ranks.main else []
    loss_before = mean_loss(model, probe, config, pad_id, device)
    steps = total_steps(data.rows, config)
    callbacks.log(f"{len(data.rows)} rows, {steps} steps; probe loss before {_fmt(loss_before)}")
    if ranks.world > 1:
        callbacks.log(f"data parallel over {ranks.world} processes: each takes its shard of every batch")
    run = Loop(model, data, config, pad_id, device, callbacks, dev, checkpoint, tokenizer.all_special_ids)
    state = run.loop()
    if not ranks.main:
        return None
    loss_after = mean_loss(model, probe, config, pad_id, device)
    seconds = state.seconds
    summary = {
        "steps": len(state.curve),
        "seconds": round(seconds, 1),
        "tokens": data.stats.get("tokens"),
        "tokens_per_s": round(run.tokens_seen / max(run.seconds_here, 1e-9), 1) if run.tokens_seen else None,
        "loss_before": loss_before,
        "loss_after": loss_after,
        "dev_curve": state.dev_curve,
        "best_dev_loss": state.best_dev,
        "best_step": state.best_step,
        "resumed_at": state.resumed_at,
        "processes": ranks.world,
        "peak_rss_mb": peak_rss_mb(),
    }
    full_meta = _metadata(config, data, lineage, meta or {}, summary)
    folder = save_adapter(model, name, full_meta, callbacks)
    return TrainResult(
        folder,
        len(state.curve),
        seconds,
        state.curve,
        loss_before,
        loss_after,
        summary["peak_rss_mb"],
        full_meta,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _trainable(model) -> str:
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_all = sum(p.numel() for p in model.parameters())
    return f"{n_train / 1e6:.2f}M trainable of {n_all / 1e6:.1f}M parameters"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _metadata(config: TrainConfig, data: TrainData, lineage: dict, meta: dict, summary: dict) -> dict:
    tasks = meta.get("tasks") or []
    what = ", ".join(tasks) if tasks else Path(str(data.stats.get("corpus", ""))).name
    return {
        "base": lineage["base"],
        "description": meta.get("description") or f"LoRA {config.objective} on {what}",
        "objective": config.objective,
        "tasks": tasks,
        "parent": lineage["parent"],
        "parent_lineage": lineage.get("parent_lineage"),
        "data": {"snapshot": data.snapshot, **data.stats, **meta.get("data", {}), "records": data.records},
        "hyperparameters": config.to_dict(),
        "training": summary,
        "usage": "prompt it zero-shot: --strategy cd (or zero-shot)" if config.objective == "sft" else "",
        "job_id": meta.get("job_id"),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save_adapter(model, name: str, meta: dict, callbacks: Callbacks | None = None) -> Path:
    """Write the adapter and medui.json to a staging folder, then rename it into place (all or nothing)."""
    callbacks = callbacks or Callbacks()
    if callbacks.should_stop():
        raise TrainingCancelled("cancelled before saving")
    staging, target = staging_dir(name), get_settings().adapters_dir / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        model.save_pretrained(staging)
        (staging / "medui.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        os.rename(staging, target)  # atomic; fails rather than replacing an existing adapter
    except Exception as exc:  # safetensors reports a full disk as SafetensorError, not OSError
        shutil.rmtree(staging, ignore_errors=True)
        if disk_full(exc):
            raise DiskFull(
                f"the disk is full: adapter {name!r} not saved ({_free_mb(staging.parent)} MB free in "
                f"{staging.parent}); free some space and train again"
            ) from exc
        if isinstance(exc, OSError):
            raise InputError(f"cannot install adapter {name!r}: {exc}") from exc
        raise
    callbacks.log(f"adapter saved to {target}")
    return target


def disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk (or the user's quota) is full, as OSError or as safetensors words it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return "No space left on device" in text or "os error 28" in text or "Disk quota exceeded" in text


def _free_mb(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free // 2**20
    except OSError:
        return 0
