"""Greedy generation, batched, optionally constrained by a JSON schema through outlines_core.

The constraint is an outlines_core Index compiled from the task's output schema (built once per model and
schema, then cached on the loaded model). Each step the guide writes the allowed-token bitmask, the logits
outside it are masked, and the chosen token advances the guide. Token log-probabilities (under the constraint)
are kept, so every output carries a confidence.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from medui.backend.models import LoadedModel

WHITESPACE = r"[ ]?"  # compact JSON: at most one space between tokens (saves decoding steps)
SPIECE_UNDERLINE = "\u2581"


@dataclass
class Generation:
    """One decoded output: its text, tokens, their log-probabilities and timing."""

    text: str
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    stopped: str = "length"  # eos | newline | schema | length
    seconds: float = 0.0
    prompt_tokens: int = 0

    @property
    def confidence(self) -> float | None:
        """Geometric mean of the chosen tokens' probabilities."""
        if not self.logprobs:
            return None
        return math.exp(sum(self.logprobs) / len(self.logprobs))


def token_string(tokenizer, token: str) -> str:
    """A vocabulary entry as the text it adds; fixes outlines' double space with Gemma under transformers 5."""
    text = tokenizer.convert_tokens_to_string([token])
    if (token.startswith(SPIECE_UNDERLINE) or token == "<0x20>") and not text.startswith(" "):
        text = " " + text
    return text


def vocabulary(lm: LoadedModel):
    """The outlines_core Vocabulary of a tokenizer (about 1.4 s for Gemma's 262k tokens), built once."""
    if "vocabulary" not in lm.caches:
        from outlines_core import Vocabulary

        tok = lm.tokenizer
        special = set(tok.all_special_ids)
        entries: dict[str, list[int]] = {}
        for token, token_id in tok.get_vocab().items():
            if token_id in special:
                continue
            text = token_string(tok, token)
            if text:
                entries.setdefault(text, []).append(token_id)
        lm.caches["vocabulary"] = Vocabulary(eos_ids(lm)[0], entries)
    return lm.caches["vocabulary"]


def eos_ids(lm: LoadedModel) -> list[int]:
    ids = []
    configured = getattr(lm.model.generation_config, "eos_token_id", None)
    for value in (lm.tokenizer.eos_token_id, configured):
        for token_id in value if isinstance(value, list) else [value]:
            if token_id is not None and token_id not in ids:
                ids.append(token_id)
    return ids


def schema_regex(json_schema: dict) -> str:
    """The regex of an answer: one space (the prompt ends at 'Risposta:'), then the JSON object."""
    from outlines_core.json_schema import build_regex_from_schema

    return " " + build_regex_from_schema(json.dumps(json_schema), WHITESPACE)


def compile_constraint(lm: LoadedModel, json_schema: dict):
    """The outlines_core Index for a schema on this model's vocabulary; cached by the schema."""
    regex = schema_regex(json_schema)
    key = ("index", regex)
    if key not in lm.caches:
        from outlines_core import Index

        lm.caches[key] = Index(regex, vocabulary(lm))
    return lm.caches[key]


def _apply_bitmask(logits: torch.Tensor, bitmask: torch.Tensor) -> None:
    """Set to -inf every logit whose bit is 0 (bit i of word j is token 32*j+i)."""
    shifts = torch.arange(32, dtype=torch.int32)
    allowed = ((bitmask.unsqueeze(-1) >> shifts) & 1).bool().view(bitmask.shape[0], -1)
    width = min(allowed.shape[1], logits.shape[1])
    logits[:, width:] = -math.inf
    logits[:, :width].masked_fill_(~allowed[:, :width], -math.inf)


class _Row:
    """Decoding state of one sequence of the batch."""

    def __init__(self, guide):
        self.guide = guide
        self.ids: list[int] = []
        self.logprobs: list[float] = []
        self.stopped: str | None = None
        self.text_so_far = ""


def _encode(lm: LoadedModel, prompts: list[str]) -> dict:
    tok = lm.tokenizer
    enc = tok(prompts, return_tensors="pt", padding=True, padding_side="left")
    mask = enc["attention_mask"]
    return {
        "input_ids": enc["input_ids"].to(lm.device),
        "attention_mask": mask.to(lm.device),
        "position_ids": (mask.cumsum(-1) - 1).clamp(min=0).to(lm.device),
    }


@torch.inference_mode()
def generate(
    lm: LoadedModel,
    prompts: list[str],
    constraint=None,
    max_new_tokens: int = 256,
    on_text: Callable[[int, str], None] | None = None,
) -> list[Generation]:
    """Greedy-decode a batch of prompts; with a constraint every output matches its schema's regex.

    on_text(row, text_so_far) is called after every step of every running row (for streaming to a page).
    """
    from outlines_core import Guide

    start = time.perf_counter()
    inputs = _encode(lm, prompts)
    prompt_tokens = inputs["attention_mask"].sum(-1).tolist()
    rows = [_Row(Guide(constraint) if constraint is not None else None) for _ in prompts]
    stop_ids = set(eos_ids(lm))
    pad_id = lm.tokenizer.pad_token_id
    out = lm.model(**inputs, use_cache=True, logits_to_keep=1)
    attention, positions = inputs["attention_mask"], inputs["position_ids"][:, -1:]
    bitmask = torch.zeros((len(rows), (out.logits.shape[-1] + 31) // 32), dtype=torch.int32)
    for _ in range(max_new_tokens):
        logits = out.logits[:, -1, :].float().cpu()
        if constraint is not None:
            for i, row in enumerate(rows):
                row.guide.write_mask_into(bitmask[i].data_ptr(), bitmask.shape[1], 4)
            _apply_bitmask(logits, bitmask)
        logprobs = torch.log_softmax(logits, dim=-1)
        chosen = logprobs.argmax(dim=-1)
        next_ids = []
        for i, row in enumerate(rows):
            token_id = int(chosen[i])
            if row.stopped is None:
                _advance(lm, row, token_id, float(logprobs[i, token_id]), stop_ids)
            next_ids.append(token_id if row.stopped is None else pad_id)
            if on_text is not None and row.ids and row.stopped in (None, "schema"):
                on_text(i, lm.tokenizer.decode(row.ids, skip_special_tokens=True))
        if all(row.stopped for row in rows):
            break
        attention = torch.cat([attention, attention.new_ones((len(rows), 1))], dim=-1)
        positions = positions + 1
        out = lm.model(
            input_ids=torch.tensor(next_ids, device=lm.device).unsqueeze(-1),
            attention_mask=attention,
            position_ids=positions,
            cache=out.cache,
            use_cache=True,
            logits_to_keep=1,
        )
    seconds = time.perf_counter() - start
    return [
        Generation(
            text=lm.tokenizer.decode(row.ids, skip_special_tokens=True),
            token_ids=row.ids,
            logprobs=row.logprobs,
            stopped=row.stopped or "length",
            seconds=seconds,
            prompt_tokens=int(n),
        )
        for row, n in zip(rows, prompt_tokens, strict=True)
    ]


def _advance(lm: LoadedModel, row: _Row, token_id: int, logprob: float, stop_ids: set[int]) -> None:
    if token_id in stop_ids:
        row.stopped = "eos"
        return
    row.ids.append(token_id)
    row.logprobs.append(logprob)
    if row.guide is not None:
        row.guide.advance(token_id=token_id, return_tokens=False)
        if row.guide.is_finished():
            row.stopped = "schema"
        return
    piece = lm.tokenizer.decode([token_id])
    if "\n" in piece and row.text_so_far.strip():
        row.stopped = "newline"
    row.text_so_far += piece
