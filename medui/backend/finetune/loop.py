"""The optimisation loop of a LoRA run: batches, the learning-rate schedule, and the checkpointed, resumable
loop with its per-epoch dev evaluation (see medui/backend/finetune/train.py).

The loss is cross-entropy on the labelled positions only, every labelled token of the run weighing the same:
a micro-batch's summed loss is divided by the mean labelled positions of a micro-batch over the whole run, not
by its own count (batches are sorted by length, so rows with short answers, such as the empty answer
{"entities":[]}, gather in batches of few labelled tokens; dividing by the batch's own count gave each of their
tokens tens of times the weight of a long answer's, and the long run learned to answer [] to every AbstRCT
abstract, bench/results/train_all/). What a micro-batch computes (its precision, a shared
prefix run once, the output layer over the run's own vocabulary) is medui/backend/finetune/objective.py. Dev
losses and probes always use the full softmax. The batch order of the whole run is planned up front from the
seed, so a run resumed from its checkpoint sees the same batches in the same order as an uninterrupted one.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from medui.backend.data.inputs import InputError
from medui.backend.finetune import distributed
from medui.backend.finetune.dataset import IGNORE, TrainData, TrainRow
from medui.backend.finetune.losses import full_loss_sum
from medui.backend.finetune.objective import Objective, labelled_positions, use_bf16
from medui.backend.finetune.prefix import collate
from medui.backend.finetune.recipe import TrainConfig

__all__ = ["Callbacks", "Loop", "TrainingCancelled", "collate", "use_bf16"]


class TrainingCancelled(Exception):
    """The run was asked to stop between two steps."""


@dataclass
class Callbacks:
    """What a run reports and asks: progress with the loss, log lines, whether to stop."""

    on_step: Callable[[int, int, float, float], None] = lambda step, total, loss, lr: None
    log: Callable[[str], None] = lambda line: None
    should_stop: Callable[[], bool] = lambda: False


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


# loss over a padded batch (dev, probe) -------------------------------------------------------------------
def labelled_count(batch: dict[str, torch.Tensor]) -> int:
    """How many positions of a batch carry a label (what a dev or probe loss is the mean over)."""
    return int((batch["labels"][:, 1:] != IGNORE).sum())


def labelled_loss_sum(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Summed cross-entropy of the next-token predictions at labelled positions, over the whole vocabulary."""
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder, head = causal_lm.get_decoder(), causal_lm.get_output_embeddings()
    hidden = decoder(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
    ).last_hidden_state
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    return full_loss_sum(head, softcap, hidden[:, :-1][keep], targets[keep])


# batches --------------------------------------------------------------------------------------------------
def epoch_batches(
    rows: list[TrainRow], batch_size: int, rng: random.Random, by_task: bool = False
) -> list[list[TrainRow]]:
    """Shuffled batches of rows of similar length (sorted inside pools of 8 batches): little padding. by_task:
    each batch holds rows of one task (source), which share their instruction (objective.py)."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    groups: dict[str, list[int]] = {}
    for i in order:
        groups.setdefault(rows[i].source if by_task else "", []).append(i)
    pool = batch_size * 8
    batches = []
    for group in groups.values():
        for p in range(0, len(group), pool):
            chunk = sorted(group[p : p + pool], key=lambda i: len(rows[i].input_ids))
            batches += [
                [rows[i] for i in chunk[b : b + batch_size]] for b in range(0, len(chunk), batch_size)
            ]
    rng.shuffle(batches)
    return batches


def token_scale(plan: list[list[int]], rows: list[TrainRow]) -> float:
    """The mean labelled positions of a micro-batch over a run's plan: what every micro-batch's summed loss is
    divided by, so each labelled token of the run weighs the same (module docstring)."""
    counts = [labelled_positions([rows[i] for i in batch]) for batch in plan]
    return max(1.0, sum(counts) / max(1, len(counts)))


def total_steps(rows: list[TrainRow], config: TrainConfig) -> int:
    """Optimizer steps of the run: `max_steps`, or `epochs` times the steps of one epoch."""
    per_epoch = math.ceil(batches_per_epoch(rows, config) / config.grad_accum)
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
    """Mean loss per labelled token of rows in eval mode (no dropout): the probe before and after training,
    the dev loss after each epoch."""
    if not rows:
        return None
    was_training = model.training
    model.eval()
    summed, count = 0.0, 0
    with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16(config, device)):
        for b in range(0, len(rows), config.batch_size):
            batch = collate(rows[b : b + config.batch_size], pad_id, device)
            summed += labelled_loss_sum(model, batch).item()
            count += labelled_count(batch)
    model.train(was_training)
    return summed / max(1, count)  # per labelled token, whatever the batches


# the resumable loop ---------------------------------------------------------------------------------------
def kept_empty(n_empty: int, config: TrainConfig) -> int:
    """How many of a task's rows with an empty answer an epoch keeps (`empty_share` of them)."""
    return n_empty if config.empty_share >= 1 else round(n_empty * config.empty_share)


def epoch_sizes(rows: list[TrainRow], config: TrainConfig) -> dict[str, int]:
    """Rows of each task (source) one epoch trains on: all of them, or at most `rows_per_task`, with only
    `empty_share` of the rows whose answer is empty."""
    full, empty = Counter(r.source for r in rows if not r.empty), Counter(r.source for r in rows if r.empty)
    sizes = {task: full[task] + kept_empty(empty[task], config) for task in {*full, *empty}}
    cap = config.rows_per_task or max(sizes.values(), default=0)
    return {task: min(n, cap) for task, n in sizes.items()}


def epoch_size(rows: list[TrainRow], config: TrainConfig) -> int:
    """Rows one epoch trains on (epoch_sizes, summed)."""
    return sum(epoch_sizes(rows, config).values())


def epoch_rows(rows: list[TrainRow], config: TrainConfig, rng: random.Random) -> list[TrainRow]:
    """The rows of one epoch: all, or a fresh seeded sample of at most `rows_per_task` per task; of the rows
    with an empty answer, a seeded `empty_share`."""
    if not config.rows_per_task and config.empty_share >= 1:
        return rows
    by_task: dict[str, list[TrainRow]] = {}
    for row in rows:
        by_task.setdefault(row.source, []).append(row)
    picked: list[TrainRow] = []
    for task in sorted(by_task):
        group = by_task[task]
        if config.empty_share < 1:
            empty = [r for r in group if r.empty]
            kept = {id(r) for r in rng.sample(empty, kept_empty(len(empty), config))}
            group = [r for r in group if not r.empty or id(r) in kept]
        cap = config.rows_per_task or len(group)
        picked += group if len(group) <= cap else rng.sample(group, cap)
    return picked


def batch_plan(rows: list[TrainRow], config: TrainConfig) -> list[list[int]]:
    """The row indices of every micro-batch of the run, in order, drawn from the seed (epoch after epoch)."""
    rng = random.Random(config.seed)
    index = {id(r): i for i, r in enumerate(rows)}
    needed = total_steps(rows, config) * config.grad_accum
    plan: list[list[int]] = []
    while len(plan) < needed:
        batches = epoch_batches(epoch_rows(rows, config, rng), config.batch_size, rng, config.share_prefix)
        plan += [[index[id(r)] for r in b] for b in reversed(batches)]
    return plan[:needed]


def batches_per_epoch(rows: list[TrainRow], config: TrainConfig) -> int:
    """Micro-batches of one epoch (by task, each task's last batch may be short: epoch_batches)."""
    sizes = epoch_sizes(rows, config).values() if config.share_prefix else [epoch_size(rows, config)]
    return sum(math.ceil(n / config.batch_size) for n in sizes)


def same_fingerprint(saved: dict, current: dict) -> bool:
    """Whether a checkpoint was written for this data and recipe. A recipe key added to TrainConfig after the
    checkpoint was written matches when this run keeps its default (the run was trained as if it had it)."""
    defaults = TrainConfig().to_dict()
    config = {
        **{k: v for k, v in defaults.items() if k not in saved.get("config", {})},
        **saved.get("config", {}),
    }
    return {**saved, "config": config} == current


class Loop:
    """The optimisation loop of one run, with its checkpoints and per-epoch dev evaluation."""

    STATE_FILE = "state.pt"

    def __init__(
        self, model, data: TrainData, config, pad_id, device, callbacks, dev, checkpoint, specials=()
    ):
        self.model, self.rows, self.config = model, data.rows, config
        self.objective = Objective(model, data.rows, config, pad_id, device, specials)
        self.pad_id, self.device, self.callbacks = pad_id, device, callbacks
        self.dev_rows = dev.rows if dev else []
        self.folder = Path(checkpoint) if checkpoint else None
        self.fingerprint = {"data": data.snapshot, "config": config.to_dict(), "rows": len(data.rows)}
        self.params = {n: p for n, p in model.named_parameters() if p.requires_grad}
        self.optimizer = torch.optim.AdamW(
            list(self.params.values()), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        self.ranks = distributed.current()
        self.state = RunState()
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.tokens_seen = 0
        self.scale = 1.0  # the run's token scale, set from its plan when the loop starts (token_scale)
        self.seconds_here = 0.0

    # checkpoints --------------------------------------------------------------------------------------
    def save(self) -> None:
        if self.folder is None or not self.ranks.main:
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
        if not same_fingerprint(blob["fingerprint"], self.fingerprint):
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
        total = total_steps(self.rows, config)
        plan = batch_plan(self.rows, config)
        self.scale = token_scale(plan, self.rows)
        per_epoch = max(1, math.ceil(batches_per_epoch(self.rows, config) / config.grad_accum))
        autocast = use_bf16(config, self.device)
        every = 60 * config.checkpoint_minutes
        last_save = time.monotonic()
        self.model.train()
        while state.step < total:
            if distributed.main_says(self.ranks.main and self.callbacks.should_stop()):
                self.save()  # a resumed run goes on from here, not from the last periodic save
                raise TrainingCancelled(f"cancelled at step {state.step} of {total}")
            began = time.perf_counter()
            lr = config.learning_rate * lr_factor(state.step, total, config)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            step_loss, tokens = self.accumulate(plan, autocast)
            self.tokens_seen += tokens
            torch.nn.utils.clip_grad_norm_(list(self.params.values()), config.max_grad_norm)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            state.step += 1
            spent = time.perf_counter() - began
            self.seconds_here += spent
            state.seconds += spent
            state.curve.append([state.step, round(step_loss, 5)])
            self.callbacks.on_step(state.step, total, step_loss, lr)
            if self.dev_rows and self.ranks.main and (state.step % per_epoch == 0 or state.step == total):
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

    def accumulate(self, plan: list[list[int]], autocast: bool) -> tuple[float, int]:
        """Gradients of one optimizer step (summed over the ranks); its mean loss per labelled token and its
        tokens, over all ranks.

        Each rank takes its shard of every micro-batch and divides its loss sum by the run's token scale (the
        same on every rank): summed over ranks, loss and gradients are those of one process."""
        config, summed, labelled, tokens = self.config, 0.0, 0, 0
        for k in range(config.grad_accum):
            batch = [self.rows[i] for i in plan[self.state.step * config.grad_accum + k]]
            mine = distributed.shard(batch, self.ranks)
            labelled += labelled_positions(mine)
            tokens += sum(len(r.input_ids) for r in mine)
            if not mine:
                continue  # fewer rows than ranks: this rank adds nothing to this micro-batch
            draw = self.state.step * config.grad_accum + k  # the negatives of a resumed run are the same
            with torch.autocast(device_type=self.device, dtype=torch.bfloat16, enabled=autocast):
                loss_sum = self.objective.loss_sum(mine, draw)
            (loss_sum / (self.scale * config.grad_accum)).backward()
            summed += loss_sum.item()
        distributed.sum_gradients(list(self.params.values()))
        totals = torch.tensor([summed, labelled, tokens], dtype=torch.float64, device=self.device)
        totals = distributed.sum_over_ranks(totals)
        return float(totals[0] / max(1.0, float(totals[1]))), int(totals[2])

    def evaluate_dev(self) -> None:
        state = self.state
        loss = mean_loss(self.model, self.dev_rows, self.config, self.pad_id, self.device)
        assert loss is not None
        state.dev_curve.append([state.step, round(loss, 5)])
        self.callbacks.log(f"dev loss {loss:.4f} at step {state.step} ({len(self.dev_rows)} rows)")
        if state.best_dev is None or loss < state.best_dev:
            state.best_dev, state.best_step = round(loss, 5), state.step
            self.best_weights = {n: p.detach().clone() for n, p in self.params.items()}
