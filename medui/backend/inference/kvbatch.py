"""The KV cache of a batch of rows that grow by ragged chunks (the decoding loop's memory of what it has read).

- The KV cache of the prompt prefix shared by all records (instruction, few-shot examples) is computed once per
  model and prefix and kept for the next batches (PREFIX_CACHE_SIZE prefixes).
- Each row is fed its own chunk at every step (the sampled token, the tokens the schema forces after it, the
  tokens drafted for it); chunks are right-padded and the padding masked out.
- Drafted tokens that turn out wrong are masked out afterwards (`forget`), as padding is, and the positions at the
  end that no row uses are then removed (`settle`), so that a row decoded alone holds exactly the tokens it took:
  Gemma-3's sliding-window layers count cache positions, and a masked one there would push a real one out.
"""

from __future__ import annotations

import copy

import torch

from medui.backend.inference.types import LoadedModel

PREFIX_CACHE_SIZE = 4


def parts(lm: LoadedModel):
    """The decoder (returns hidden states), the output embedding and the final logit softcap, if any."""
    model = lm.model.get_base_model() if hasattr(lm.model, "get_base_model") else lm.model
    decoder = getattr(model, model.base_model_prefix)
    softcap = getattr(model.config, "final_logit_softcapping", None)
    return decoder, model.get_output_embeddings().weight, softcap


class KVBatch:
    """The KV cache, attention mask and positions of a batch of rows that grow by ragged chunks."""

    def __init__(self, lm: LoadedModel, cache, mask: torch.Tensor, positions: torch.Tensor):
        self.lm, self.cache, self.mask, self.positions = lm, cache, mask, positions
        self.decoder, self.weight, self.softcap = parts(lm)
        self.rewinding = False  # whether `settle` drops the masked tokens at the end (drafts)

    def rewindable(self) -> None:
        """Make the fed tokens removable again (`settle`): a sliding-window layer keeps what it would drop until
        then (transformers' past recording, as assisted decoding does)."""
        self.cache.activate_past_recording()
        self.rewinding = True

    def extend(self, chunks: list[list[int]]) -> torch.Tensor:
        """Feed each row its chunk; return each row's last hidden state."""
        hidden, lengths = self.extend_all(chunks)
        return hidden[torch.arange(len(chunks)), lengths - 1]

    def extend_all(self, chunks: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Feed each row its chunk (right-padded, padding masked out); return the hidden states after every
        position (rows x widest chunk x width) and each chunk's length."""
        width = max(len(c) for c in chunks)
        pad = self.lm.tokenizer.pad_token_id
        ids = torch.tensor([c + [pad] * (width - len(c)) for c in chunks], device=self.lm.device)
        real = torch.tensor([[1] * len(c) + [0] * (width - len(c)) for c in chunks], device=self.lm.device)
        positions = self.positions.unsqueeze(-1) + torch.arange(width, device=self.lm.device)
        self.mask = torch.cat([self.mask, real], dim=-1)
        out = self.decoder(
            input_ids=ids, attention_mask=self.mask, position_ids=positions, cache=self.cache, use_cache=True
        )
        self.cache = out.cache
        lengths = real.sum(-1)
        self.positions = self.positions + lengths
        self._last = (width, lengths)
        return out.last_hidden_state, lengths

    def forget(self, row: int, n: int) -> None:
        """Mask out the last `n` tokens fed to `row` by the latest extend (drafted tokens the model did not take)."""
        if n <= 0:
            return
        width, lengths = self._last
        end = self.mask.shape[1] - width + int(lengths[row])
        self.mask[row, end - n : end] = 0
        self.positions[row] -= n

    def settle(self) -> None:
        """Drop the positions at the end that no row uses (for a batch of one: exactly the drafted tokens the model
        did not take) and bring sliding-window layers back to their window: the cache is then the one feeding
        only the tokens taken would have built, so a sliding window holds as many real tokens as without drafts."""
        if not self.rewinding:
            return
        width, _ = self._last  # every row's latest chunk holds a token it took: the unused end lies within it
        used = self.mask[:, -width:].flip(-1).cumsum(-1) > 0  # per row, True up to its last used position
        unused = int((~used).sum(-1).min())
        self.cache.crop(-unused)  # crop(0) still trims the sliding-window layers
        if unused:
            self.mask = self.mask[:, : self.mask.shape[1] - unused]

    def select(self, keep: list[int]) -> None:
        """Keep only these rows (the others have finished)."""
        index = torch.tensor(keep, device=self.mask.device)
        self.cache.batch_select_indices(index)
        self.mask = self.mask.index_select(0, index)
        self.positions = self.positions.index_select(0, index)


def _prefix_cache(lm: LoadedModel, prefix: tuple[int, ...]):
    """The KV cache of a shared prompt prefix (batch of one), computed once and kept for the next batches."""
    prefixes = lm.caches.prefixes
    if prefix not in prefixes:
        stored = list(prefixes)
        for old in stored[: max(0, len(stored) - PREFIX_CACHE_SIZE + 1)]:
            del prefixes[old]
        decoder, _, _ = parts(lm)
        ids = torch.tensor([prefix], device=lm.device)
        prefixes[prefix] = decoder(input_ids=ids, use_cache=True).cache
    return prefixes[prefix]


def start(
    lm: LoadedModel, prompt_ids: list[list[int]], prefix: tuple[int, ...] | None
) -> tuple[KVBatch, torch.Tensor]:
    """A batch positioned after the shared prefix (from cache) with each row's rest of the prompt fed, and each
    row's last hidden state."""
    n = len(prompt_ids)
    if prefix and all(tuple(ids[: len(prefix)]) == prefix and len(ids) > len(prefix) for ids in prompt_ids):
        cache = copy.deepcopy(_prefix_cache(lm, prefix))
        cache.batch_repeat_interleave(n)
        rest = [ids[len(prefix) :] for ids in prompt_ids]
        mask = torch.ones((n, len(prefix)), dtype=torch.long, device=lm.device)
        positions = torch.full((n,), len(prefix), device=lm.device)
    else:
        from transformers import DynamicCache

        cache, rest = DynamicCache(config=lm.model.config), prompt_ids
        mask = torch.zeros((n, 0), dtype=torch.long, device=lm.device)
        positions = torch.zeros((n,), dtype=torch.long, device=lm.device)
    batch = KVBatch(lm, cache, mask, positions)
    return batch, batch.extend(rest)


def common_prefix(prompt_ids: list[list[int]]) -> tuple[int, ...]:
    """The longest token prefix shared by all prompts (each keeps at least one token of its own)."""
    shortest = min(len(ids) for ids in prompt_ids) - 1
    n = 0
    while n < shortest and all(ids[n] == prompt_ids[0][n] for ids in prompt_ids):
        n += 1
    return tuple(prompt_ids[0][:n])
