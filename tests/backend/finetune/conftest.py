"""Fixtures of the training tests: a tiny Llama saved with the SmolLM2 tokenizer, and a temporary medui home."""

from __future__ import annotations

import pytest

from medui.config import REPO_ROOT, get_settings

SMOLLM2 = "smollm2-135m-instruct"


def smollm2_folder():
    """The converted SmolLM2 folder (its tokenizer is what the tiny model uses); converted once if absent."""
    folder = REPO_ROOT / "db" / "models" / SMOLLM2
    if (folder / "tokenizer.json").exists():
        return folder
    from medui.backend.models import convert_bundled

    return convert_bundled(SMOLLM2)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory):
    """A 2-layer, hidden-size-16 Llama with random weights and the real SmolLM2 tokenizer (about 1M params)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_folder())
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
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh MEDUI_HOME (SQLite database, adapters, staging) for one test; engines and models forgotten."""
    from medui.backend import models
    from medui.backend.store.db import dispose_engines

    folder = tmp_path / "home"
    monkeypatch.setenv("MEDUI_HOME", str(folder))
    monkeypatch.delenv("MEDUI_DATABASE_URL", raising=False)
    monkeypatch.setenv("TORCHDYNAMO_DISABLE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # workers of a tiny model: one thread, less contention
    get_settings.cache_clear()
    yield folder
    models.unload()
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def session(home):
    """A session on the temporary home's database (migrated to the head)."""
    from medui.backend.store.db import session_scope

    with session_scope() as s:
        yield s


@pytest.fixture(autouse=True)
def stop_workers():
    """Kill the worker processes a test started and left running (a failed test must not leave them behind)."""
    yield
    import sys

    jobs = sys.modules.get("medui.backend.finetune.jobs")
    for child in list(getattr(jobs, "_CHILDREN", {}).values()):
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
