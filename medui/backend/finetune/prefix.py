"""The body's forward pass over a batch of rows that share their first tokens, the shared part run once.

Every training row of a task starts with the same instruction (64-718 tokens: a quarter to a half of a row of
the E3C and AbstRCT tasks). The batches of a run are drawn from one task at a time, so the rows of a batch share
that prefix: it runs once (batch 1, with the key/value cache), then the rest of every row runs as one batch
attending to the cached prefix, with positions that continue after it. The gradients reach the prefix through
its cached keys and values, so the loss and gradients are those of the rows run apart (up to float rounding),
at the cost of the prefix once instead of once per row.

The prefix stops before the first position whose hidden state predicts a labelled token, so every state the loss
reads comes from the second pass.
"""

from __future__ import annotations

import torch

from medui.backend.finetune.dataset import IGNORE, TrainRow

MIN_PREFIX = 16  # shorter shared prefixes are not worth a second pass


def shared_length(rows: list[TrainRow]) -> int:
    """How many first tokens the rows share, stopping before the first state that predicts a label."""
    first = rows[0].input_ids
    limit = min(_first_predicting(r) for r in rows)
    limit = min(limit, *(len(r.input_ids) - 1 for r in rows))
    n = 0
    while n < limit and all(r.input_ids[n] == first[n] for r in rows):
        n += 1
    return n


def _first_predicting(row: TrainRow) -> int:
    """The position of the first hidden state that predicts a labelled token (the label's position - 1)."""
    for t in range(1, len(row.labels)):
        if row.labels[t] != IGNORE:
            return t - 1
    return len(row.labels) - 1


def states_and_targets(
    decoder, rows: list[TrainRow], pad_id: int, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """The hidden states that predict the rows' labelled tokens, and those tokens (in row order)."""
    shared = shared_length(rows) if len(rows) > 1 else 0
    if shared < MIN_PREFIX:
        return plain_states_and_targets(decoder, rows, pad_id, device)
    prefix = torch.tensor([rows[0].input_ids[:shared]], device=device)
    cache = decoder(input_ids=prefix, use_cache=True).cache
    cache.batch_repeat_interleave(len(rows))
    width = max(len(r.input_ids) for r in rows) - shared
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), shared + width), dtype=torch.long)
    mask[:, :shared] = 1
    for i, row in enumerate(rows):
        rest = row.input_ids[shared:]
        ids[i, : len(rest)] = torch.tensor(rest)
        mask[i, shared : shared + len(rest)] = 1
    positions = torch.arange(shared, shared + width)[None].expand(len(rows), -1)
    hidden = decoder(
        input_ids=ids.to(device),
        attention_mask=mask.to(device),
        position_ids=positions.to(device),
        cache=cache,
        use_cache=True,
    ).last_hidden_state
    return _gather(hidden, rows, shared, device)


def plain_states_and_targets(
    decoder, rows: list[TrainRow], pad_id: int, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """One right-padded pass over whole rows."""
    batch = collate(rows, pad_id, device)
    hidden = decoder(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
    ).last_hidden_state
    return _gather(hidden, rows, 0, device)


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


def _gather(hidden: torch.Tensor, rows: list[TrainRow], offset: int, device: str):
    """States at (label position - 1 - offset) of each row, and the labels, for every labelled position >= 1."""
    batch, where, targets = [], [], []
    for i, row in enumerate(rows):
        for t in range(max(1, offset + 1), len(row.labels)):
            if row.labels[t] != IGNORE:
                batch.append(i)
                where.append(t - 1 - offset)
                targets.append(row.labels[t])
    index = (torch.tensor(batch, device=device), torch.tensor(where, device=device))
    return hidden[index], torch.tensor(targets, dtype=torch.long, device=device)
