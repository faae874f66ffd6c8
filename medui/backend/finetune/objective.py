"""What one micro-batch of a run costs and computes: its precision, its forward pass and its loss.

Two settings of a recipe choose the fast path (the defaults) or the reference one (today's loop before them):
- `loss_vocab`: "subset" (the run's own tokens plus sampled negatives, one output-layer pass per position:
  medui/backend/finetune/losses.py) or "full" (the whole vocabulary, checkpointed chunks);
- `share_prefix`: batches drawn from one task at a time, their shared instruction run once
  (medui/backend/finetune/prefix.py), or rows of any task padded to the longest of their batch.
And `bf16`: "auto" times a bf16 and a float32 matmul of the model's shape on this machine once and autocasts to
bf16 only where it is clearly faster (on CUDA: where the GPU supports it); "flag" is the older rule (bf16 where
the CPU lists AVX512-BF16 or AMX), which made training 1.6x slower on a CPU whose bf16 matmuls lag float32.
"""

from __future__ import annotations

import functools
import time

import torch

from medui.backend.finetune import prefix
from medui.backend.finetune.dataset import IGNORE, TrainRow
from medui.backend.finetune.losses import SubsetLoss, full_loss_sum
from medui.backend.finetune.recipe import TrainConfig
from medui.backend.inference import models

BF16_MARGIN = 1.25  # bf16 must be this much faster than float32 to be chosen


@functools.cache
def bf16_pays(device: str) -> bool:
    """Whether bf16 matmuls are clearly faster than float32 here (timed once per process on CPU)."""
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    if device != "cpu":
        return False
    return matmul_seconds(torch.float32) > BF16_MARGIN * matmul_seconds(torch.bfloat16)


def matmul_seconds(dtype: torch.dtype, shape: tuple[int, int, int] = (256, 640, 1024)) -> float:
    """The best of a few timings of one (m x k) @ (k x n) matmul in a dtype (after a warm-up)."""
    m, k, n = shape
    generator = torch.Generator().manual_seed(0)  # leaves the run's random state alone
    a = torch.randn(m, k, generator=generator).to(dtype)
    b = torch.randn(k, n, generator=generator).to(dtype)
    a @ b
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - began)
    return best


def use_bf16(config: TrainConfig, device: str) -> bool:
    """The recipe's bf16 setting on this device: auto (measured), flag (the CPU flag), or forced."""
    if config.bf16 == "auto":
        return bf16_pays(device)
    if config.bf16 == "flag":
        return torch.cuda.is_bf16_supported() if device == "cuda" else models.cpu_has_bf16()
    return bool(config.bf16)


def labelled_positions(rows: list[TrainRow]) -> int:
    """How many positions of the rows carry a label (a micro-batch's count; loop.token_scale averages them)."""
    return sum(1 for row in rows for y in row.labels[1:] if y != IGNORE)


class Objective:
    """The summed loss of a micro-batch of rows, as the recipe asks it to be computed."""

    def __init__(self, model, rows: list[TrainRow], config: TrainConfig, pad_id: int, device: str, specials):
        self.causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
        self.decoder = self.causal_lm.get_decoder()
        head = self.causal_lm.get_output_embeddings()
        self.softcap = getattr(self.causal_lm.config, "final_logit_softcapping", None)
        self.config, self.pad_id, self.device = config, pad_id, device
        self.subset = None
        if config.loss_vocab == "subset" and not head.weight.requires_grad:
            self.subset = SubsetLoss(head, rows, list(specials), config.negatives, config.seed)

    def loss_sum(self, rows: list[TrainRow], draw: int = 0) -> torch.Tensor:
        """Summed cross-entropy at the rows' labelled positions (draw: which negatives, by micro-batch)."""
        if self.config.share_prefix:
            states, targets = prefix.states_and_targets(self.decoder, rows, self.pad_id, self.device)
        else:
            states, targets = prefix.plain_states_and_targets(self.decoder, rows, self.pad_id, self.device)
        if self.subset is not None:
            return self.subset(states, targets, self.softcap, draw)
        return full_loss_sum(self.causal_lm.get_output_embeddings(), self.softcap, states, targets)
