"""One LoRA training run, linear and generic: load the base, wrap it with LoRA, loop, save atomically.

The loop is plain torch: AdamW on the LoRA weights (float32 master weights) with bf16 autocast where the CPU or
GPU supports it, batches padded only to their own longest row (rows of similar length are batched together),
epochs or a step budget, a warmup then cosine (or linear) learning rate. The loss is cross-entropy on the
labelled positions only, and the output layer runs only on those positions, in checkpointed chunks: with a 262k
vocabulary the logits of every position would cost more time and memory than the rest of the model.

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
import math
import os
import random
import re
import resource
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from medui.backend import models
from medui.backend.finetune.dataset import IGNORE, TrainData, TrainRow
from medui.backend.finetune.recipe import TrainConfig
from medui.backend.inputs import InputError
from medui.config import get_settings

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
LOSS_CHUNK = 1024  # positions whose logits are materialised at once


class TrainingCancelled(Exception):
    """The run was asked to stop between two steps."""


class DiskFull(InputError):
    """The adapter could not be written: no space left (nothing was installed)."""


@dataclass
class Callbacks:
    """What a run reports and asks: progress with the loss, log lines, whether to stop."""

    on_step: Callable[[int, int, float, float], None] = lambda step, total, loss, lr: None
    log: Callable[[str], None] = lambda line: None
    should_stop: Callable[[], bool] = lambda: False


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


@dataclass
class RunState:
    """What a checkpoint holds besides weights and optimizer: where the run is and what it measured."""

    step: int = 0
    curve: list[list[float]] = field(default_factory=list)
    dev_curve: list[list[float]] = field(default_factory=list)  # [step, dev loss] at each epoch end
    best_dev: float | None = None
    best_step: int | None = None
    seconds: float = 0.0  # training time of earlier processes (a resumed run adds its own)
    resumed_at: list[int] = field(default_factory=list)


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


def use_bf16(config: TrainConfig, device: str) -> bool:
    if config.bf16 != "auto":
        return bool(config.bf16)
    return torch.cuda.is_bf16_supported() if device == "cuda" else models.cpu_has_bf16()


def labelled_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy of the next-token predictions at labelled positions (logits only there)."""
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder, head = causal_lm.get_decoder(), causal_lm.get_output_embeddings()
    hidden = decoder(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
    ).last_hidden_state
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    states, targets = hidden[:, :-1][keep], targets[keep]
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    total = hidden.new_zeros((), dtype=torch.float32)
    for i in range(0, len(targets), LOSS_CHUNK):
        part = (states[i : i + LOSS_CHUNK], targets[i : i + LOSS_CHUNK])
        total = total + checkpoint(_chunk_loss_sum, head, softcap, *part, use_reentrant=False)
    return total / max(1, len(targets))


def _chunk_loss_sum(head, softcap: float | None, states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = head(states).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return F.cross_entropy(logits, targets, reduction="sum")


# batches --------------------------------------------------------------------------------------------------
def collate(rows: list[TrainRow], pad_id: int, device: str) -> dict[str, torch.Tensor]:
    """Right-pad to the longest row of this batch; padding is masked and carries no label."""
    width = max(len(r.input_ids) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        n = len(row.input_ids)
        ids[i, :n], labels[i, :n], mask[i, :n] = torch.tensor(row.input_ids), torch.tensor(row.labels), 1
    return {"input_ids": ids.to(device), "labels": labels.to(device), "attention_mask": mask.to(device)}


def epoch_batches(rows: list[TrainRow], batch_size: int, rng: random.Random) -> list[list[TrainRow]]:
    """Shuffled batches of rows of similar length (sorted inside pools of 8 batches): little padding."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    pool = batch_size * 8
    batches = []
    for p in range(0, len(order), pool):
        chunk = sorted(order[p : p + pool], key=lambda i: len(rows[i].input_ids))
        batches += [[rows[i] for i in chunk[b : b + batch_size]] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def total_steps(n_rows: int, config: TrainConfig) -> int:
    per_epoch = math.ceil(math.ceil(n_rows / config.batch_size) / config.grad_accum)
    return config.max_steps or max(1, math.ceil(per_epoch * config.epochs))


def lr_factor(step: int, total: int, config: TrainConfig) -> float:
    """Linear warmup, then cosine or linear decay to zero (or constant)."""
    warmup = max(1, round(config.warmup_ratio * total)) if config.warmup_ratio > 0 else 0
    if step < warmup:
        return (step + 1) / (warmup + 1)
    if config.lr_schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress)) if config.lr_schedule == "cosine" else 1 - progress


@torch.no_grad()
def mean_loss(model, rows: list[TrainRow], config: TrainConfig, pad_id: int, device: str) -> float | None:
    """Loss over rows in eval mode (no dropout): the probe measured before and after training."""
    if not rows:
        return None
    was_training = model.training
    model.eval()
    losses = []
    with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16(config, device)):
        for b in range(0, len(rows), config.batch_size):
            batch = rows[b : b + config.batch_size]
            losses.append((labelled_loss(model, collate(batch, pad_id, device)).item(), len(batch)))
    model.train(was_training)
    return sum(loss * n for loss, n in losses) / sum(n for _, n in losses)


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
) -> TrainResult:
    """Train a LoRA adapter on rows and install it as adapters_dir/<name> (only if the whole run succeeds).

    dev: rows whose loss selects the epoch whose weights are installed. checkpoint: a folder to write the run's
    state to (and resume from, when it holds the state of the same data and recipe)."""
    callbacks = callbacks or Callbacks()
    check_adapter_name(name)
    device = models.pick_device(device)
    torch.manual_seed(config.seed)
    start = time.perf_counter()
    model, lineage = load_trainable(model_name, config, device)
    pad_id = load_tokenizer(model_name).pad_token_id
    callbacks.log(
        f"loaded {model_name} on {device} in {time.perf_counter() - start:.1f}s; {_trainable(model)}"
    )
    probe = data.rows[: config.probe_rows]
    loss_before = mean_loss(model, probe, config, pad_id, device)
    steps = total_steps(epoch_size(data.rows, config), config)
    callbacks.log(f"{len(data.rows)} rows, {steps} steps; probe loss before {_fmt(loss_before)}")
    run = _Run(model, data, config, pad_id, device, callbacks, dev, checkpoint)
    state = run.loop()
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


def epoch_size(rows: list[TrainRow], config: TrainConfig) -> int:
    """Rows one epoch trains on: all of them, or at most `rows_per_task` of each task (source)."""
    if not config.rows_per_task:
        return len(rows)
    sizes = Counter(r.source for r in rows)
    return sum(min(n, config.rows_per_task) for n in sizes.values())


def epoch_rows(rows: list[TrainRow], config: TrainConfig, rng: random.Random) -> list[TrainRow]:
    """The rows of one epoch: all, or a fresh seeded sample of at most `rows_per_task` per task."""
    if not config.rows_per_task:
        return rows
    by_task: dict[str, list[TrainRow]] = {}
    for row in rows:
        by_task.setdefault(row.source, []).append(row)
    picked: list[TrainRow] = []
    for task in sorted(by_task):
        group = by_task[task]
        picked += group if len(group) <= config.rows_per_task else rng.sample(group, config.rows_per_task)
    return picked


def batch_plan(rows: list[TrainRow], config: TrainConfig) -> list[list[int]]:
    """The row indices of every micro-batch of the run, in order, drawn from the seed (epoch after epoch)."""
    rng = random.Random(config.seed)
    index = {id(r): i for i, r in enumerate(rows)}
    needed = total_steps(epoch_size(rows, config), config) * config.grad_accum
    plan: list[list[int]] = []
    while len(plan) < needed:
        batches = epoch_batches(epoch_rows(rows, config, rng), config.batch_size, rng)
        plan += [[index[id(r)] for r in b] for b in reversed(batches)]
    return plan[:needed]


def batches_per_epoch(rows: list[TrainRow], config: TrainConfig) -> int:
    return math.ceil(epoch_size(rows, config) / config.batch_size)


class _Run:
    """The optimisation loop of one run, with its checkpoints and per-epoch dev evaluation."""

    STATE_FILE = "state.pt"

    def __init__(self, model, data: TrainData, config, pad_id, device, callbacks, dev, checkpoint):
        self.model, self.rows, self.config = model, data.rows, config
        self.pad_id, self.device, self.callbacks = pad_id, device, callbacks
        self.dev_rows = dev.rows if dev else []
        self.folder = Path(checkpoint) if checkpoint else None
        self.fingerprint = {"data": data.snapshot, "config": config.to_dict(), "rows": len(data.rows)}
        self.params = {n: p for n, p in model.named_parameters() if p.requires_grad}
        self.optimizer = torch.optim.AdamW(
            list(self.params.values()), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        self.state = RunState()
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.tokens_seen = 0
        self.seconds_here = 0.0

    # checkpoints --------------------------------------------------------------------------------------
    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        blob = {
            "fingerprint": self.fingerprint,
            "state": self.state.__dict__,
            "weights": {n: p.detach().clone() for n, p in self.params.items()},
            "best_weights": self.best_weights,
            "optimizer": self.optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
        }
        tmp = self.folder / (self.STATE_FILE + ".tmp")
        torch.save(blob, tmp)
        os.replace(tmp, self.folder / self.STATE_FILE)  # atomic: a kill mid-save keeps the previous state

    def restore(self) -> bool:
        path = self.folder / self.STATE_FILE if self.folder else None
        if path is None or not path.exists():
            return False
        blob = torch.load(path, map_location=self.device, weights_only=False)
        if blob["fingerprint"] != self.fingerprint:
            raise InputError(
                f"checkpoint {path} was written for other data or another recipe: not resumed "
                "(remove it to train from the start)"
            )
        with torch.no_grad():
            for n, p in self.params.items():
                p.copy_(blob["weights"][n])
        self.optimizer.load_state_dict(blob["optimizer"])
        torch.set_rng_state(blob["torch_rng"])
        self.state = RunState(**blob["state"])
        self.best_weights = blob["best_weights"]
        self.state.resumed_at.append(self.state.step)
        self.callbacks.log(f"resumed from {path} at step {self.state.step}")
        return True

    # the loop -----------------------------------------------------------------------------------------
    def loop(self) -> RunState:
        config, state = self.config, self.state
        self.restore()
        state = self.state
        total = total_steps(epoch_size(self.rows, config), config)
        plan = batch_plan(self.rows, config)
        per_epoch = max(1, math.ceil(batches_per_epoch(self.rows, config) / config.grad_accum))
        autocast = use_bf16(config, self.device)
        every = 60 * config.checkpoint_minutes
        last_save = time.monotonic()
        self.model.train()
        while state.step < total:
            if self.callbacks.should_stop():
                raise TrainingCancelled(f"cancelled at step {state.step} of {total}")
            began = time.perf_counter()
            lr = config.learning_rate * lr_factor(state.step, total, config)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            step_loss = 0.0
            for k in range(config.grad_accum):
                batch = [self.rows[i] for i in plan[state.step * config.grad_accum + k]]
                self.tokens_seen += sum(len(r.input_ids) for r in batch)
                with torch.autocast(device_type=self.device, dtype=torch.bfloat16, enabled=autocast):
                    loss = labelled_loss(self.model, collate(batch, self.pad_id, self.device))
                (loss / config.grad_accum).backward()
                step_loss += loss.item() / config.grad_accum
            torch.nn.utils.clip_grad_norm_(list(self.params.values()), config.max_grad_norm)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            state.step += 1
            spent = time.perf_counter() - began
            self.seconds_here += spent
            state.seconds += spent
            state.curve.append([state.step, round(step_loss, 5)])
            self.callbacks.on_step(state.step, total, step_loss, lr)
            if self.dev_rows and (state.step % per_epoch == 0 or state.step == total):
                self.evaluate_dev()
            if state.step < total and time.monotonic() - last_save >= every:
                self.save()
                last_save = time.monotonic()
        if self.best_weights is not None and state.best_step != state.step:
            with torch.no_grad():
                for n, p in self.params.items():
                    p.copy_(self.best_weights[n])
            self.callbacks.log(f"installing the weights of step {state.best_step} (lowest dev loss)")
        self.save()
        return state

    def evaluate_dev(self) -> None:
        state = self.state
        loss = mean_loss(self.model, self.dev_rows, self.config, self.pad_id, self.device)
        assert loss is not None
        state.dev_curve.append([state.step, round(loss, 5)])
        self.callbacks.log(f"dev loss {loss:.4f} at step {state.step} ({len(self.dev_rows)} rows)")
        if state.best_dev is None or loss < state.best_dev:
            state.best_dev, state.best_step = round(loss, 5), state.step
            self.best_weights = {n: p.detach().clone() for n, p in self.params.items()}


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
