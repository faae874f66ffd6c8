"""A tiny random model made to write list items, so that its answers copy many values from the note."""

from __future__ import annotations

import torch

from medui.backend.inference import decoding
from medui.backend.inference.constraint import token_strings


def favour_lists(lm, monkeypatch) -> None:
    """Patch the decoding's logits: every token that opens another list item favoured, every list's closing
    disfavoured (a model that never stops listing, as a trained one on a dense note nearly does)."""
    bias = torch.zeros(len(lm.tokenizer))
    for token_id, text in token_strings(lm).items():
        if "}," in text or text.startswith((",", "{")):
            bias[token_id] = 60.0
        elif "]" in text:
            bias[token_id] = -60.0
    plain = decoding._logits

    def eager(hidden, weight, softcap, ids):
        return plain(hidden, weight, softcap, ids) + (bias if ids is None else bias[ids])

    monkeypatch.setattr(decoding, "_logits", eager)
