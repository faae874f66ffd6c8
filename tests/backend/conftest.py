"""Fixtures of the backend tests: a stub OpenAI-compatible server."""

from __future__ import annotations

import pytest

from medui.backend.inference import openai_client
from medui.config import get_settings
from tests.backend.inference.openai_stub import Stub, start


@pytest.fixture
def stub(medui_home, monkeypatch):
    """A stub server, configured as MEDUI_OPENAI_BASE_URL; no served model or listing kept between tests."""
    server, found = start(Stub())
    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", found.url)
    monkeypatch.delenv("MEDUI_OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    openai_client.forget()
    yield found
    server.shutdown()
    server.server_close()
    openai_client.forget()
