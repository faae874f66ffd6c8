"""A tiny Llama rewired into a bigram model that writes one entity per text under constrained decoding.

The random tiny model always closes the entity list at once; the app tests need entities to show. With every
layer's output projections zeroed, the hidden state is the last token's embedding, so the next token depends
only on the last one. Embeddings and output rows are then set so that, after "[" the model opens an entity,
inside a mention it copies one long word and closes the string, and after "}" it closes the list.
"""

from __future__ import annotations

from pathlib import Path

OPEN, CLOSE, QUOTE = 0, 1, 2  # hidden directions: after "[", after "}", anywhere else


def make_tiny_ner_model(source: Path, target: Path) -> Path:
    """Save the rewired copy of the tiny model at `source` to `target`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.norm.weight.fill_(1.0)
        emb, head = model.model.embed_tokens.weight, model.lm_head.weight
        emb.zero_()
        head.zero_()
        emb[:, QUOTE] = 1.0
        for text, token_id in _token_texts(tokenizer).items():
            if "[" in text:
                emb[token_id] = _unit(emb.shape[1], OPEN)
            elif "}" in text:
                emb[token_id] = _unit(emb.shape[1], CLOSE)
            head[token_id, OPEN] = 1.0 if text.startswith("{") else (-1.0 if "]" in text else 0.0)
            head[token_id, CLOSE] = 1.0 if text.startswith("]") else (-1.0 if text.startswith(",") else 0.0)
            head[token_id, QUOTE] = 1.0 if text.startswith('"') else _word_score(text)
    model.config.tie_word_embeddings = False
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def _word_score(text: str) -> float:
    """Inside a mention, long word tokens win (the mention is then a word, not a comma)."""
    word = text.strip()
    return 0.5 + len(word) / 100 if len(word) > 3 and word.isalpha() else 0.0


def _unit(size: int, axis: int):
    import torch

    vector = torch.zeros(size)
    vector[axis] = 1.0
    return vector


def _token_texts(tokenizer) -> dict[str, int]:
    special = set(tokenizer.all_special_ids)
    out = {}
    for token, token_id in tokenizer.get_vocab().items():
        if token_id in special:
            continue
        text = tokenizer.convert_tokens_to_string([token])
        if text and text not in out:
            out[text] = token_id
    return out
