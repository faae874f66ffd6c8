"""Fixtures of the training tests: a tiny Llama saved with the SmolLM2 tokenizer, and a temporary medui home."""

from __future__ import annotations

import pytest

from medui.config import get_settings


@pytest.fixture(scope="session")
def tiny_llama(tiny_model_dir):
    """The shared tiny random Llama with the SmolLM2 tokenizer (tests/conftest.py), under the name these tests use."""
    return tiny_model_dir


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh MEDUI_HOME (SQLite database, adapters, staging) for one test; engines and models forgotten."""
    from medui.backend.inference import models
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
