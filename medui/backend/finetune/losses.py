"""The training losses: over the whole vocabulary (the reference), or over the run's own vocabulary, where the
output layer costs little and runs once per position.

Gemma-3's output layer has 262,144 rows (168M weights, more than its transformer body), and the full softmax
ran it three times per labelled position (forward, checkpoint recompute, backward): 40-50% of a LoRA step on
2 cores. The training rows of all 20 tasks use 11,847 distinct tokens. The loss here is the cross-entropy over

- the *subset*: every token of the run's rows (prompts and answers, so every target and every token the copy
  constraint can write) plus the tokenizer's special tokens, and
- `negatives` tokens drawn uniformly from the rest at each call, each logit raised by log(rest / negatives), so
  that their exponentials estimate the rest's share of the partition function (sampled softmax); the rest's
  logits are pushed down on average as the full softmax pushes them.

With no token outside the subset (or every one of them drawn) this is the full softmax's loss exactly; without
negatives it is lower by -log(1 - p) at a position where the model puts mass p outside the subset, which
`outside_mass` measures (bench/results/train_speed/: 11% for the base model on the benchmark's rows, whose subset
holds only their 3,069 tokens); the negatives stand for that mass. Dev losses, probes and model selection use the
full softmax (medui/backend/finetune/loop.py), so a run's selection never depends on this estimate.

The output layer's weights are frozen (LoRA trains the body), so the loss and its gradient for the hidden states
are computed together in one pass over chunks of positions (a custom autograd function): the logits of a chunk
exist only while it is processed, and the output layer runs once per position instead of three times.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from medui.backend.finetune.dataset import IGNORE, TrainRow

CHUNK = 512  # positions whose subset logits are materialised at once
FULL_CHUNK = 1024  # positions whose full-vocabulary logits are materialised at once


def full_loss_sum(head, softcap: float | None, states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy over the whole vocabulary, in checkpointed chunks (the reference loss: the output
    layer runs forward, again in the backward's recompute, then backward)."""
    total = states.new_zeros((), dtype=torch.float32)
    for i in range(0, len(targets), FULL_CHUNK):
        part = (states[i : i + FULL_CHUNK], targets[i : i + FULL_CHUNK])
        total = total + checkpoint(_chunk_loss_sum, head, softcap, *part, use_reentrant=False)
    return total


def _chunk_loss_sum(head, softcap: float | None, states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = head(states).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return F.cross_entropy(logits, targets, reduction="sum")


class _FusedCrossEntropy(torch.autograd.Function):
    """Summed cross-entropy of `states @ weight.T + shift` (softcapped) at `targets`; the gradient for the
    states is computed in the forward pass, since the weights take none."""

    @staticmethod
    def forward(ctx, states, weight, shift, targets, softcap):  # noqa: D102
        total = states.new_zeros((), dtype=torch.float32)
        grad = torch.empty_like(states)
        for i in range(0, len(targets), CHUNK):
            part, rows = states[i : i + CHUNK], targets[i : i + CHUNK]
            raw = (part @ weight.T).float()
            capped = torch.tanh(raw / softcap) * softcap if softcap else raw
            logits = capped + shift
            lse = torch.logsumexp(logits, dim=-1)
            total += (lse - logits.gather(1, rows[:, None])[:, 0]).sum()
            dlogits = torch.softmax(logits, dim=-1)
            dlogits[torch.arange(len(rows)), rows] -= 1
            if softcap:
                dlogits *= 1 - (capped / softcap) ** 2
            grad[i : i + CHUNK] = (dlogits.to(weight.dtype) @ weight).to(states.dtype)
        ctx.save_for_backward(grad)
        return total

    @staticmethod
    def backward(ctx, upstream):  # noqa: D102
        (grad,) = ctx.saved_tensors
        return grad * upstream, None, None, None, None


class SubsetLoss:
    """The loss of a run over its vocabulary subset plus sampled negatives (module docstring)."""

    def __init__(self, head, rows: list[TrainRow], special_ids: list[int], negatives: int, seed: int):
        weight = head.weight.detach()
        vocab = weight.shape[0]
        used = torch.zeros(vocab, dtype=torch.bool)
        for row in rows:
            used[torch.tensor(row.input_ids, dtype=torch.long)] = True
        specials = [i for i in special_ids if i is not None and 0 <= i < vocab]
        used[torch.tensor(specials, dtype=torch.long)] = True
        self.subset = used.nonzero()[:, 0]
        self.rest = (~used).nonzero()[:, 0]
        self.negatives = min(negatives, len(self.rest))
        self.position = torch.full((vocab,), -1, dtype=torch.long)
        self.position[self.subset] = torch.arange(len(self.subset))
        self.head = head
        self.subset_weight = weight[self.subset.to(weight.device)]
        self.subset_bias = (
            head.bias.detach()[self.subset] if getattr(head, "bias", None) is not None else None
        )
        self.seed = seed

    @property
    def size(self) -> int:
        return len(self.subset)

    def sample(self, draw: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The weight rows of one draw (subset, then negatives drawn from the seed and the draw's number) and
        the shift added to their logits."""
        if not self.negatives:
            shift = torch.zeros(len(self.subset)) if self.subset_bias is None else self.subset_bias.float()
            return self.subset_weight, shift.to(self.subset_weight.device)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + draw)
        drawn = self.rest[torch.randperm(len(self.rest), generator=generator)[: self.negatives]]
        weight = torch.cat(
            [self.subset_weight, self.head.weight.detach()[drawn.to(self.subset_weight.device)]]
        )
        shift = torch.zeros(len(weight))
        shift[len(self.subset) :] = math.log(len(self.rest) / self.negatives)
        if self.subset_bias is not None:
            shift += torch.cat([self.subset_bias, self.head.bias.detach()[drawn]]).float()
        return weight, shift.to(weight.device)

    def __call__(self, states: torch.Tensor, targets: torch.Tensor, softcap: float | None, draw: int = 0):
        """Summed loss of hidden states (N, H) predicting targets (N,), vocabulary ids all in the subset."""
        index = self.position[targets.cpu()]
        if bool((index < 0).any()):
            raise ValueError("a target token is outside the run's vocabulary subset")
        weight, shift = self.sample(draw)
        return _FusedCrossEntropy.apply(states, weight, shift, index.to(states.device), softcap or None)


@torch.no_grad()
def outside_mass(model, batch: dict[str, torch.Tensor], subset: torch.Tensor) -> float:
    """Mean probability the model puts outside `subset` at a batch's labelled positions (full softmax): the
    part of the partition function that only the sampled negatives stand for."""
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = causal_lm.get_decoder()(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
    ).last_hidden_state
    keep = batch["labels"][:, 1:] != IGNORE
    states = hidden[:, :-1][keep]
    head = causal_lm.get_output_embeddings()
    inside = torch.zeros(head.weight.shape[0], dtype=torch.bool, device=states.device)
    inside[subset.to(states.device)] = True
    masses = []
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    for i in range(0, len(states), CHUNK):
        logits = head(states[i : i + CHUNK]).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        masses.append(1 - torch.softmax(logits, dim=-1)[:, inside].sum(-1))
    return float(torch.cat(masses).mean()) if masses else 0.0
