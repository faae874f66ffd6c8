"""Against a real OpenAI-compatible server: MEDUI_TEST_OPENAI_URL (e.g. from scripts/ci/llama_server.sh).

Skipped without it; with MEDUI_REQUIRE_OPENAI=1 a missing or silent server fails instead. The model is
MEDUI_TEST_OPENAI_MODEL, else the first one the server lists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlmodel import select

from medui.backend.inference import openai_client
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Prediction, Run
from medui.cli import main
from medui.config import get_settings

pytestmark = pytest.mark.openai
TASK = "e3c_clinical_entities"
SERVER_LOG = (
    Path(__file__).resolve().parents[3] / ".cache" / "llama-server.log"
)  # scripts/ci/llama_server.sh's


def failure(err: str) -> str:
    """A failed command's stderr, with the last lines of the server's log when there is one (a server that died
    mid-run says why there)."""
    if not SERVER_LOG.exists():
        return err
    tail = "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-30:])
    return f"{err}\n--- {SERVER_LOG} (last 30 lines) ---\n{tail}"


@pytest.fixture
def served(medui_home, monkeypatch) -> str:
    """`openai:NAME` of the real server's model, with MEDUI_OPENAI_BASE_URL pointing at it."""
    url = os.environ.get("MEDUI_TEST_OPENAI_URL", "").strip()
    if not url:
        if os.environ.get("MEDUI_REQUIRE_OPENAI") == "1":
            pytest.fail("MEDUI_REQUIRE_OPENAI=1 but MEDUI_TEST_OPENAI_URL is not set")
        pytest.skip("no real server: set MEDUI_TEST_OPENAI_URL (scripts/ci/llama_server.sh)")
    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", url)
    get_settings.cache_clear()
    openai_client.forget()
    try:
        name = os.environ.get("MEDUI_TEST_OPENAI_MODEL") or openai_client.server_listing(url, 30.0).names[0]
    except openai_client.ServingError as exc:
        pytest.fail(failure(str(exc)))
    return f"openai:{name}"


def _runs(session) -> list[Run]:
    return list(session.exec(select(Run)))


def test_eval_save_on_three_records_and_the_app_run_on_the_real_server(served, capsys):
    args = [
        "eval",
        "--task",
        TASK,
        "--model",
        served,
        "--strategy",
        "few-shot",
        "--limit",
        "3",
        "--save",
        "--json",
    ]
    assert main(args) == 0, failure(capsys.readouterr().err)
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 3 and metrics["model"] == served and metrics["output_tokens"] > 0
    with session_scope() as session:
        (run,) = _runs(session)
        preds = list(session.exec(select(Prediction).where(Prediction.run_id == run.id)))
        assert run.model == served and len(preds) == 3
        assert all(p.prompt_hash and p.latency and p.latency > 0 for p in preds)

    from medui.backend import service

    assert served in service.model_choices()
    result = service.run_task(TASK, served, "few-shot", "Paziente con febbre e tosse da tre giorni.")
    assert result["model"] == served and result["result_id"] and "entities" in result


def test_cd_on_the_real_server_always_fits_the_schema(served, capsys):
    """cd through the real server: constrained (llama-cpp-python gets the schema's GBNF grammar), so every
    output is the task's JSON and the run is stored whole."""
    from medui.tasks.kinds import kind_for
    from medui.tasks.registry import get_spec

    args = ["eval", "--task", TASK, "--model", served, "--strategy", "cd", "--limit", "2", "--save", "--json"]
    assert main(args) == 0, failure(capsys.readouterr().err)
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 2 and metrics["valid_rate"] == 1.0
    output = kind_for(get_spec(TASK)).output_model(get_spec(TASK))
    with session_scope() as session:
        (run,) = _runs(session)
        preds = list(session.exec(select(Prediction).where(Prediction.run_id == run.id)))
        assert len(preds) == 2
        for pred in preds:
            output.model_validate_json(pred.raw_output)  # the raw answer itself fits the schema
