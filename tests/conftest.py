"""Shared fixtures: a temporary medui home, and a tiny random Llama with the real SmolLM2 tokenizer."""

from __future__ import annotations

import os

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault(
    "MEDUI_WARMUP", "0"
)  # the apps tests start do not prepare a model (test_warmup.py does)

import pytest  # noqa: E402

from medui.config import get_settings  # noqa: E402


@pytest.fixture
def medui_home(tmp_path, monkeypatch):
    """A fresh MEDUI_HOME (database, adapters, user data) for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("MEDUI_MODELS_CACHE", str(get_settings().models_dir))  # converted models are reused
    monkeypatch.setenv("MEDUI_HOME", str(home))
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer, hidden-size-16 Llama (random weights) saved with the SmolLM2 tokenizer: loads in a second."""
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


def make_tiny_llama(folder):
    """The tiny random Llama of `tiny_model_dir` saved in `folder` (also used by bench/correction_clicks.py)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from medui.backend.inference.gguf import _gguf_file

    gguf = _gguf_file("smollm2-135m-instruct")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = AutoConfig.for_model(
        "llama",
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        vocab_size=len(tokenizer),
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
