"""Greedy generation, batched, optionally constrained by a JSON schema through outlines_core.

The fast path of the engine:
- the constraint is an outlines_core Index compiled from the task's output schema, built once per model and
  schema (cached on the loaded model) together with a table of its small states (few allowed tokens);
- where the schema forces the next characters (JSON keys, punctuation, the only possible label), they are
  appended in the same forward pass as the sampled token (jump-forward), so rows grow by ragged chunks;
- where every row of the batch is in a small state, logits are computed only for the allowed tokens;
- the KV cache of the prompt prefix shared by all records (instruction, few-shot examples) is computed once
  (kvbatch.py);
- while a row copies the source (a mention, an extractive answer), the source's next tokens are drafted after its
  chosen token and fed with it (prompt lookup): the hidden state after each drafted token is then at hand, so
  the loop takes the drafted tokens the model itself chooses, each checked under the constraint exactly as a
  decoded token is, and drops the rest from the cache (kvbatch.py). The answer is the one decoding token by token
  gives, in fewer passes.
Token log-probabilities (under the constraint) are kept for the sampled tokens, so every output carries a
confidence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from medui.backend.inference.constraint import Constraint, compile_constraint, eos_ids, token_strings
from medui.backend.inference.copying import (
    CopyKeys,
    CopyTables,
    SourceCopy,
    copy_tables,
    ends_list,
    list_continuers,
    may_open,
    track_copy,
)  # fmt: skip
from medui.backend.inference.kvbatch import KVBatch, common_prefix, start
from medui.backend.inference.types import Generation, LoadedModel

__all__ = ["Constraint", "common_prefix", "compile_constraint", "generate"]
# Tokens kept to close a copying answer: once fewer are left, the value being copied ends at its next word boundary,
# the list being written ends after its item and no list opens another item, so the JSON closes before
# max_new_tokens instead of being cut (an e3c_measurement_links note with 60 gold mentions ran out of 512 tokens
# mid-list). Writing the rest of an entity, its label and the closing of the relation task's two lists takes about
# 20 tokens.
CLOSING_RESERVE = 32
DRAFT_TOKENS = 4  # source tokens drafted after a copied token (a mention is rarely longer)


def _logits(hidden: torch.Tensor, weight: torch.Tensor, softcap: float | None, ids: torch.Tensor | None):
    """Logits of the last hidden states, for every token or only for `ids`."""
    w = weight if ids is None else weight.index_select(0, ids)
    logits = (hidden @ w.T).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return logits


def _source_copy(lm: LoadedModel, source: str | None, keys: CopyKeys) -> SourceCopy | None:
    if not source:
        return None
    tables = _copy_tables(lm)
    return SourceCopy(source, tables.by_text, tables.closers, max_value_chars=keys.max_chars)


def _copy_tables(lm: LoadedModel) -> CopyTables:
    if lm.caches.copy_tables is None:
        lm.caches.copy_tables = copy_tables(token_strings(lm))
    return lm.caches.copy_tables


# the loop --------------------------------------------------------------------------------------------------
class _Row:
    """Decoding state of one sequence."""

    def __init__(self, guide, copy: SourceCopy | None = None, keys: CopyKeys | None = None):
        self.guide = guide
        self.copy = copy
        self.keys = keys or CopyKeys()  # where string values copy the source
        self.out = ""  # the output so far, for constrained rows (token strings)
        self.written: str | None = None  # inside a copied string value: what is written of it
        self.in_list = False  # inside a list of copied strings (a form item)
        self.ending = False  # the list being written must close (copying.ends_list)
        self.closing = False  # few tokens are left: every open value and list closes (CLOSING_RESERVE)
        self.copied = 0  # values copied in the list being written
        self.listed: set[str] = set()  # the values of the list of copied strings being written
        self.ids: list[int] = []
        self.logprobs: list[float] = []
        self.stopped: str | None = None
        self.text = ""
        self.steps = 0


def _allowed(lm: LoadedModel, row: _Row, constraint: Constraint | None) -> set[int] | dict | None:
    """The row's allowed tokens when they are few (copy mode, small state); None: use the guide's bitmask."""
    if constraint is None:
        return None
    if row.written is not None and row.copy is not None:
        allowed = row.copy.allowed(row.written, row.guide, must_end=row.closing)
        if row.in_list and row.written and ends_list(row):  # close it without going on to another item
            allowed = (allowed - _copy_tables(lm).closing_with_comma) or allowed
        return allowed
    return constraint.small.get(row.guide.get_state())


def _choose(
    lm: LoadedModel, batch: KVBatch, hidden: torch.Tensor, rows: list[_Row], constraint: Constraint | None
):
    """Next token and its log-probability for each row: sparse logits when every row has few choices."""
    allowed = [_allowed(lm, r, constraint) for r in rows]
    banned = [_banned(lm, r) for r in rows]
    if constraint is not None and all(a is not None for a in allowed):
        allowed = [(set(a) - b) or set(a) for a, b in zip(allowed, banned, strict=True)]
        union = sorted(set().union(*allowed))
        column = {tid: j for j, tid in enumerate(union)}
        logits = _logits(hidden, batch.weight, batch.softcap, torch.tensor(union, device=hidden.device)).cpu()
        keep = torch.zeros_like(logits, dtype=torch.bool)
        for i, a in enumerate(allowed):
            keep[i, [column[t] for t in a]] = True
        logits.masked_fill_(~keep, -math.inf)
        return _best(logits, lambda j: union[j])
    logits = _logits(hidden, batch.weight, batch.softcap, None).cpu()
    if constraint is not None:
        _mask(logits, rows, allowed, banned)
    return _best(logits, lambda j: j)


def _banned(lm: LoadedModel, row: _Row) -> frozenset[int]:
    """Tokens a copying row may not take now: those that add an item to a list that must end, and those that
    would open a copied string and write some of it in one token (past the copy constraint)."""
    if row.copy is None or row.written is not None:
        return frozenset()
    tables = _copy_tables(lm)
    banned = list_continuers(tables, row.out, row.in_list) if row.ending or row.closing else frozenset()
    if may_open(row.keys, row.out, row.in_list):
        banned = banned | tables.opening_with_text
    if row.closing and row.out.endswith("["):  # a list that opens now stays empty
        banned = banned | tables.opening_item
    return banned


def _mask(logits: torch.Tensor, rows: list[_Row], allowed: list, banned: list[frozenset[int]]) -> None:
    """Mask each row's logits: the guide's bitmask, or its small allowed set; then its banned tokens."""
    bitmask = torch.zeros((len(rows), (logits.shape[-1] + 31) // 32), dtype=torch.int32)
    for i, row in enumerate(rows):
        if allowed[i] is None:
            row.guide.write_mask_into(bitmask[i].data_ptr(), bitmask.shape[1], 4)
    _apply_bitmask(logits, bitmask, [a is None for a in allowed])
    for i, a in enumerate(allowed):
        if a is not None:
            keep = torch.zeros(logits.shape[-1], dtype=torch.bool)
            keep[list(a)] = True
            logits[i].masked_fill_(~keep, -math.inf)
        if banned[i]:
            saved = logits[i].clone()
            logits[i, list(banned[i])] = -math.inf
            if torch.isinf(logits[i]).all():  # nothing else allowed: keep the list open
                logits[i] = saved


def _best(logits: torch.Tensor, token_of) -> tuple[list[int], list[float]]:
    logprobs = torch.log_softmax(logits, dim=-1)
    best = logprobs.argmax(dim=-1)
    return [token_of(int(j)) for j in best], [float(logprobs[i, j]) for i, j in enumerate(best)]


def _apply_bitmask(logits: torch.Tensor, bitmask: torch.Tensor, rows: list[bool] | None = None) -> None:
    """Set to -inf every logit whose bit is 0 (bit i of word j is token 32*j+i), in the rows selected."""
    shifts = torch.arange(32, dtype=torch.int32)
    allowed = ((bitmask.unsqueeze(-1) >> shifts) & 1).bool().view(bitmask.shape[0], -1)
    width = min(allowed.shape[1], logits.shape[1])
    selected = torch.tensor(rows if rows is not None else [True] * logits.shape[0])
    logits[selected, width:] = -math.inf
    logits[:, :width].masked_fill_(~allowed[:, :width] & selected.unsqueeze(-1), -math.inf)


def _encode_for(lm: LoadedModel) -> Callable[[str], list[int]]:
    """The model's tokenizer as text -> ids without special tokens (built once, not at every step)."""
    if lm.caches.encode is None:
        lm.caches.encode = lambda text: lm.tokenizer.encode(text, add_special_tokens=False)
    return lm.caches.encode


def _forced_tokens(lm: LoadedModel, row: _Row, constraint: Constraint) -> list[int]:
    """Tokens for the characters the schema forces next (jump-forward), advanced in the row's guide."""
    ids = constraint.forced_tokens(row.guide.get_state(), _encode_for(lm))
    for token_id in ids:
        row.guide.advance(token_id=token_id, return_tokens=False)
    return list(ids)


def _step_row(lm, row: _Row, token_id: int, logprob: float, stop_ids: set[int], constraint, limit: int):
    """Apply one sampled token to a row; return the chunk to feed next (token plus forced tokens).

    A copying row with fewer than CLOSING_RESERVE tokens left starts closing (at most a quarter of the limit is
    kept for that)."""
    row.steps += 1
    if token_id in stop_ids:
        row.stopped = "eos"
        return []
    row.ids.append(token_id)
    row.logprobs.append(logprob)
    chunk = [token_id]
    if row.guide is not None:
        row.guide.advance(token_id=token_id, return_tokens=False)
        track_copy(row, token_strings(lm).get(token_id, ""))
        if not row.guide.is_finished():
            forced = _forced_tokens(lm, row, constraint)
            row.ids += forced
            chunk += forced
            track_copy(row, "".join(token_strings(lm).get(t, "") for t in forced))
        if row.guide.is_finished():
            row.stopped = "closed" if row.closing else "schema"
    else:
        piece = lm.tokenizer.decode([token_id])
        if "\n" in piece and row.text.strip():
            row.stopped = "newline"
        row.text += piece
    if row.stopped is None and len(row.ids) >= limit:
        row.stopped = "length"
    if row.copy is not None and len(row.ids) >= limit - min(CLOSING_RESERVE, limit // 4):
        row.closing = True
    return chunk


def _sliding(lm: LoadedModel) -> bool:
    """Whether the model has sliding-window attention layers (Gemma-3). They count cache positions, so a row of a
    batch holding positions no longer used (a draft rejected while another row's chunk was longer) would see
    fewer real tokens in its window than decoded alone; a note decoded alone, or a model without such layers,
    gets the same answer with drafts as without."""
    config = lm.model.config
    return "sliding_attention" in (getattr(config, "layer_types", None) or ())


def _draft(row: _Row, n: int, limit: int) -> list[int]:
    """Tokens drafted for a row that is copying the source: the source's next tokens after what it has written
    (none at a value's start, where the model chooses what to copy, nor while the answer is closing)."""
    if row.copy is None or not row.written or row.closing or row.stopped is not None:
        return []
    return row.copy.draft(row.written, min(n, limit - len(row.ids) - 1))


def _take(lm, batch: KVBatch, k: int, row: _Row, hidden: torch.Tensor, draft: list[int], chosen, constraint,
          stop_ids: set[int], limit: int) -> list[int]:  # fmt: skip
    """Apply the row's chosen token, then each drafted token the model chooses in turn (its hidden state after
    the previous one is already computed); mask out the drafted tokens it did not take. The chunk to feed next."""
    token_id, logprob = chosen
    j = 0
    while True:
        chunk = _step_row(lm, row, token_id, logprob, stop_ids, constraint, limit)
        if j < len(draft) and chunk == [draft[j]] and row.stopped is None:  # taken, and already fed
            j += 1
            (token_id,), (logprob,) = _choose(lm, batch, hidden[j : j + 1], [row], constraint)
            continue
        taken = j + (j < len(draft) and chunk[:1] == [draft[j]])
        batch.forget(k, len(draft) - taken)
        return chunk[1:] if taken > j else chunk


def _after_drafts(hidden: torch.Tensor, lengths: torch.Tensor, drafted: list[int]) -> torch.Tensor:
    """Per row, the hidden states after its last token fed before its draft, then after each drafted token."""
    out = hidden.new_zeros((len(drafted), 1 + max(drafted), hidden.shape[-1]))
    for k, d in enumerate(drafted):
        last = int(lengths[k]) - 1
        out[k, : d + 1] = hidden[k, last - d : last + 1]
    return out


@torch.inference_mode()
def generate(
    lm: LoadedModel,
    prompts: list[str],
    constraint: Constraint | None = None,
    max_new_tokens: int = 256,
    on_text: Callable[[int, str], None] | None = None,
    prefix: tuple[int, ...] | None = None,
    sources: list[str] | None = None,
    draft_tokens: int | None = None,
) -> list[Generation]:
    """Greedy-decode a batch of prompts; with a constraint every output matches its schema's regex.

    prefix: token ids every prompt starts with, whose KV cache is kept between calls (few-shot prompts).
    sources: per prompt, the input text that mentions and extractive answers must be copied from.
    on_text(row, text_so_far) is called after every step of every running row (for streaming to a page).
    draft_tokens: how many source tokens to draft after a copied token (default DRAFT_TOKENS; 0: none).
    """
    from outlines_core import Guide

    started = time.perf_counter()
    n_draft = DRAFT_TOKENS if draft_tokens is None else draft_tokens
    if len(prompts) > 1 and _sliding(lm):
        n_draft = 0  # a batch keeps the rows' unused positions in the middle: see _sliding
    prompt_ids = [lm.tokenizer(p)["input_ids"] for p in prompts]
    batch, last = start(lm, prompt_ids, prefix)
    hidden = last.unsqueeze(1)  # rows x (1 + drafted tokens) x width
    rows = [
        _Row(Guide(constraint.index), _source_copy(lm, src, constraint.copy_keys), constraint.copy_keys)
        if constraint is not None
        else _Row(None)
        for src in (sources or [None] * len(prompts))
    ]
    stop_ids = set(eos_ids(lm))
    row_drafts: list[list[int]] = [[] for _ in rows]  # the tokens drafted for each row, fed with its chunk
    active = list(range(len(rows)))
    while active:
        chosen = zip(*_choose(lm, batch, hidden[:, 0], [rows[i] for i in active], constraint), strict=True)
        chunks = []
        for k, (i, pick) in enumerate(zip(active, chosen, strict=True)):
            row = rows[i]
            chunk = _take(
                lm, batch, k, row, hidden[k], row_drafts[i], pick, constraint, stop_ids, max_new_tokens
            )
            row_drafts[i] = _draft(row, n_draft, max_new_tokens)
            chunks.append(chunk + row_drafts[i])
            if on_text is not None and row.ids:
                on_text(i, lm.tokenizer.decode(row.ids, skip_special_tokens=True))
        batch.settle()
        still = [k for k, i in enumerate(active) if rows[i].stopped is None]
        if not still:
            break
        if len(still) < len(active):
            batch.select(still)
            chunks = [chunks[k] for k in still]
            active = [active[k] for k in still]
        if not batch.rewinding and any(row_drafts[i] for i in active):
            batch.rewindable()  # from the first draft on: a decoding that drafts nothing pays nothing for it
        states, lengths = batch.extend_all(chunks)
        hidden = _after_drafts(states, lengths, [len(row_drafts[i]) for i in active])
    seconds = time.perf_counter() - started
    return [
        Generation(
            text=lm.tokenizer.decode(row.ids, skip_special_tokens=True),
            token_ids=row.ids,
            logprobs=row.logprobs,
            stopped=row.stopped or "length",
            seconds=seconds,
            prompt_tokens=len(ids),
            steps=row.steps,
            copies=list(row.copy.copies) if row.copy is not None else [],
        )
        for row, ids in zip(rows, prompt_ids, strict=True)
    ]
