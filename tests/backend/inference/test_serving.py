"""Served models (openai:NAME) through the one runner, against a local stub OpenAI-compatible server."""

from __future__ import annotations

import base64
import json
import math
import socket

import pytest
from sqlmodel import select

from medui.backend.evaluation import runner
from medui.backend.inference import openai_client
from medui.backend.inference.openai_client import ServingError
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Prediction, Run
from medui.cli import main
from medui.config import get_settings
from medui.tasks.prompts import prompt_hash
from tests.backend.inference.openai_stub import LOGPROBS

TASK = "e3c_clinical_entities"
MODEL = "openai:stub-model"
TEXT = "Paziente con dispnea e febbre alta da tre giorni."


def _engine(strategy: str = "few-shot+cd", model: str = MODEL, **kw):
    engine = runner.build_engine(model, TASK, strategy, **kw)
    engine.lm.backoff = 0.01
    return engine


def _record(text: str = TEXT) -> dict:
    return {"id": "r1", "text": text}


def _runs() -> list[Run]:
    with session_scope() as session:
        return list(session.exec(select(Run)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cd_goes_to_completions_as_a_json_schema_and_comes_back_aligned_scored_and_with_confidence(stub):
    engine = _engine()
    (pred,) = runner.predict(engine, [_record()])
    (request,) = stub.generations()
    body = request["body"]
    assert request["path"] == "/v1/completions"
    assert body["prompt"] == engine.prompt_for(_record())  # the same text a local run would send
    schema = engine.kind.output_model(engine.spec).model_json_schema()
    assert body["response_format"]["json_schema"] == {"name": TASK, "schema": schema, "strict": True}
    assert body["json_schema"] == schema and body["max_tokens"] == engine.spec.max_new_tokens
    (mention,) = pred.record["entities"]
    assert TEXT[mention["start"] : mention["end"]] == mention["text"] == "Paziente"
    assert pred.raw.strip() == json.dumps({"entities": [{"text": "Paziente", "label": "CLINENTITY"}]})
    assert pred.prompt_hash == prompt_hash(body["prompt"])
    assert pred.confidence == pytest.approx(math.exp(sum(LOGPROBS) / len(LOGPROBS)))
    assert pred.output_tokens == 7 and pred.prompt_tokens == len(body["prompt"]) // 4 and pred.latency > 0


def test_a_chat_model_gets_the_prompt_as_its_user_message_and_its_logprobs_read(stub):
    engine = _engine("cd", model="openai-chat:stub-model")
    (pred,) = runner.predict(engine, [_record()])
    (request,) = stub.generations()
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["messages"] == [{"role": "user", "content": engine.prompt_for(_record())}]
    assert pred.record["entities"][0]["text"] == "Paziente"
    assert pred.confidence == pytest.approx(math.exp(sum(LOGPROBS) / len(LOGPROBS)))


def test_free_decoding_stops_at_the_newline_and_no_logprobs_means_no_confidence(stub):
    stub.logprobs = False
    (pred,) = runner.predict(_engine("zero-shot"), [_record()])
    body = stub.generations()[0]["body"]
    assert body["stop"] == ["\n"] and "response_format" not in body
    assert pred.record["valid"] is not False and pred.confidence is None


def test_no_more_requests_than_the_bound_are_in_flight_and_predictions_keep_their_order(stub, monkeypatch):
    monkeypatch.setenv("MEDUI_OPENAI_CONCURRENCY", "3")
    get_settings.cache_clear()
    stub.delay = 0.2
    records = [{"id": f"r{i}", "text": f"Paziente numero {i} con febbre."} for i in range(12)]
    predictions = runner.predict(_engine("cd"), records)
    assert [p.record["id"] for p in predictions] == [r["id"] for r in records]
    assert len(stub.generations()) == 12
    assert 2 <= stub.max_in_flight <= 3


def test_connection_errors_429_and_5xx_are_retried_with_back_off(stub):
    stub.failures = [503, 429, 502]
    (pred,) = runner.predict(_engine("cd"), [_record()])
    assert pred.record["entities"] and len(stub.generations()) == 4


def test_a_server_that_keeps_failing_ends_in_one_line_after_the_retries(stub, monkeypatch):
    monkeypatch.setenv("MEDUI_OPENAI_RETRIES", "2")
    get_settings.cache_clear()
    stub.failures = [500] * 10
    with pytest.raises(ServingError, match=r"HTTP 500, 3 attempts") as caught:
        runner.predict(_engine("cd"), [_record()])
    assert len(stub.generations()) == 3 and "\n" not in str(caught.value)


def test_a_slow_server_times_out_with_a_clear_error(stub, monkeypatch):
    monkeypatch.setenv("MEDUI_OPENAI_TIMEOUT", "0.3")
    get_settings.cache_clear()
    stub.delay = 1.5
    with pytest.raises(ServingError, match=r"did not answer within 0.3 s"):
        runner.predict(_engine("cd"), [_record()])


def test_a_server_that_is_down_fails_medui_run_with_one_line(medui_home, capsys, monkeypatch):
    monkeypatch.setenv("MEDUI_OPENAI_RETRIES", "1")
    get_settings.cache_clear()
    url = f"http://127.0.0.1:{_free_port()}/v1"
    args = ["run", "--task", TASK, "--model", MODEL, "--base-url", url, "--text", TEXT]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("medui: error: cannot reach the server") and url in err and "\n" not in err


def test_medui_run_and_eval_save_through_the_server(stub, capsys):
    assert main(["run", "--task", TASK, "--model", MODEL, "--text", TEXT, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == MODEL and out["entities"][0]["start"] == 0 and out["confidence"] is not None
    url = stub.url.replace("http://", "http://user:secret@")
    args = ["eval", "--task", TASK, "--model", MODEL, "--base-url", url, "--limit", "3", "--save", "--json"]
    assert main(args) == 0, capsys.readouterr().err
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 3 and metrics["model"] == MODEL and metrics["valid_rate"] == 1.0
    (run,) = _runs()
    assert run.model == MODEL and run.adapter is None and run.parameters["base_url"] == stub.url
    with session_scope() as session:
        preds = list(session.exec(select(Prediction).where(Prediction.run_id == run.id)))
    assert len(preds) == 3 and all(p.raw_output and p.prompt_hash and p.confidence for p in preds)
    assert "secret" not in json.dumps([run.parameters, run.metrics], default=str)
    assert stub.headers[-1]["Authorization"] == "Basic " + base64.b64encode(b"user:secret").decode()


def test_a_refused_schema_is_one_line_and_an_eval_save_that_fails_stores_nothing(stub, capsys):
    stub.refuse_after = 1  # the first record is answered, the second refused
    args = ["eval", "--task", TASK, "--model", MODEL, "--limit", "3", "--batch-size", "1", "--save"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "refused the request (with a JSON schema" in err and "unsupported keyword" in err
    assert "\n" not in err and len(stub.generations()) == 2
    assert _runs() == []


def test_a_server_that_ignores_the_schema_is_not_stored_as_a_cd_run(stub):
    stub.ignore_schema = True
    with pytest.raises(ServingError, match="ignored the JSON schema"):
        runner.predict(_engine("cd"), [_record()])


def test_an_unknown_model_and_a_refused_key_say_so(stub, monkeypatch):
    with pytest.raises(ServingError, match=r"has no model 'other' \(it serves: stub-model\)"):
        _engine("cd", model="openai:other")  # refused before any request: the server does not list it
    engine = _engine("cd")
    stub.models = ["another"]  # the server stops serving the model after the run connected
    with pytest.raises(ServingError, match=r"no /completions for model 'stub-model'.*end in /v1"):
        runner.predict(engine, [_record()])
    stub.models = ["stub-model"]
    stub.api_key = "the-right-key"
    with pytest.raises(ServingError, match=r"refused the request \(401\): check MEDUI_OPENAI_API_KEY"):
        runner.predict(_engine("cd"), [_record()])
    monkeypatch.setenv("MEDUI_OPENAI_API_KEY", "the-right-key")
    assert runner.predict(_engine("cd"), [_record()])[0].record["entities"]


def test_the_api_key_is_sent_but_never_stored_or_printed(stub, monkeypatch, capsys):
    monkeypatch.setenv("MEDUI_OPENAI_API_KEY", "sk-test-123")
    args = ["eval", "--task", TASK, "--model", MODEL, "--limit", "1", "--save", "--json"]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert stub.headers[-1]["Authorization"] == "Bearer sk-test-123"
    (run,) = _runs()
    stored = json.dumps([run.parameters, run.metrics, run.model], default=str)
    assert "sk-test" not in printed.out + printed.err + stored
    assert "sk-test" not in repr(openai_client.connect(MODEL))


def test_a_study_stores_the_served_model_cells(stub, tmp_path):
    from medui.backend.evaluation.study import run_study

    table = run_study([TASK], [MODEL], ["cd", "zero-shot"], tmp_path / "study", limit=2, store=True)
    # rows in the study's strategy order (zero-shot before cd), whatever order the command named them in
    assert [(r["model"], r["strategy"]) for r in table.rows] == [(MODEL, "zero-shot"), (MODEL, "cd")]
    assert sorted(r.strategy for r in _runs()) == ["cd", "zero-shot"]


def test_the_app_lists_the_servers_models_runs_them_and_evaluates_on_them(stub):
    import time

    from medui.backend import service
    from medui.backend.service import evaluations

    assert MODEL in service.model_choices()
    row = next(r for r in service.model_rows() if r["name"] == MODEL)
    assert row["kind"] == "server" and stub.url in row["device"]
    assert service.load_model(MODEL)["name"] == MODEL
    result = service.run_task(TASK, MODEL, "few-shot+cd", TEXT)
    assert result["model"] == MODEL and result["entities"][0]["text"] == "Paziente" and result["result_id"]
    started = evaluations.start_evaluation(TASK, "test", MODEL, "cd", limit=3)
    deadline = time.monotonic() + 60
    while evaluations.get_run(started["id"])["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    finished = evaluations.get_run(started["id"])
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["n"] == 3 and finished["model"] == MODEL


def test_the_app_says_when_the_configured_server_does_not_answer(medui_home, monkeypatch):
    from medui.backend import service

    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", f"http://127.0.0.1:{_free_port()}/v1")
    get_settings.cache_clear()
    openai_client.forget()
    rows = service.model_rows()
    assert any(r["kind"].startswith("impossibile raggiungere il server") for r in rows)
    assert not any(name.startswith("openai:") for name in service.model_choices())


def test_a_served_model_cannot_be_trained_and_needs_a_server(medui_home, monkeypatch):
    from medui.backend.finetune.jobs import check_weights
    from medui.backend.inference import models

    with pytest.raises(models.ModelError, match="server's model"):
        check_weights(models.resolve(MODEL))
    monkeypatch.delenv("MEDUI_OPENAI_BASE_URL", raising=False)
    get_settings.cache_clear()
    with pytest.raises(models.ModelError, match="needs a server"):
        runner.build_engine(MODEL, TASK, "cd")


def test_long_texts_are_cut_into_windows_whose_mentions_map_back(stub):
    sentence = "Paziente con febbre alta. "
    text = sentence * 200  # about 5200 characters: over 1024 tokens at 3 characters a token
    (pred,) = runner.predict(_engine("cd"), [_record(text)])
    assert len(stub.generations()) > 1
    starts = [m["start"] for m in pred.record["entities"]]
    assert starts and all(text[s : s + len("Paziente")] == "Paziente" for s in starts)


def test_medui_models_lists_the_configured_servers_models(stub, capsys):
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"name": MODEL, "kind": "server"}.items() <= next(r for r in rows if r["name"] == MODEL).items()


def test_a_llama_cpp_python_server_gets_the_schemas_grammar_instead_of_the_schema(stub, monkeypatch):
    from medui.tasks.kinds import kind_for
    from medui.tasks.registry import get_spec

    spec = get_spec(TASK)
    stub.owned_by = "me"  # how llama-cpp-python's server lists its models
    stub.expect_logprobs = False  # they cost that server 13x the decoding time: not asked for
    stub.grammar_schema = kind_for(spec).output_model(spec).model_json_schema()
    prediction = runner.predict(_engine("cd"), [_record()])[0]
    assert prediction.record["entities"][0]["text"] == "Paziente" and prediction.confidence is None
    (sent,) = [r["body"] for r in stub.generations()]
    assert "grammar" in sent and "response_format" not in sent  # the stub checked the answer fits it
    # a server of another kind gets the schema, whatever it lists; the setting wins over the listing
    for owner, setting, expected in (("vllm", "auto", "response_format"), ("me", "json_schema", "response_format"),
                                     ("vllm", "grammar", "grammar")):  # fmt: skip
        stub.owned_by, stub.requests[:], stub.expect_logprobs = owner, [], owner != "me"
        monkeypatch.setenv("MEDUI_OPENAI_CONSTRAINT", setting)
        get_settings.cache_clear()
        openai_client.forget()
        runner.predict(_engine("cd"), [_record()])
        assert expected in stub.generations()[0]["body"], (owner, setting)
    monkeypatch.setenv("MEDUI_OPENAI_LOGPROBS", "on")  # asked for anyway: the confidence comes back
    stub.owned_by, stub.expect_logprobs = "me", True
    get_settings.cache_clear()
    openai_client.forget()
    assert runner.predict(_engine("cd"), [_record()])[0].confidence is not None
    monkeypatch.setenv("MEDUI_OPENAI_CONSTRAINT", "regex")
    get_settings.cache_clear()
    openai_client.forget()
    with pytest.raises(ServingError, match="MEDUI_OPENAI_CONSTRAINT"):
        _engine("cd")
