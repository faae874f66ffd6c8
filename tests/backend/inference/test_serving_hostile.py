"""A served model against a hostile or broken server (the stub's hostile modes): many names, dripping answers,
huge bodies, huge listings, malformed fields. Each ends in one clear line, within the bounds medui sets."""

from __future__ import annotations

import json
import threading
import time

import pytest

from medui.backend.evaluation import runner
from medui.backend.inference import models, openai_client
from medui.backend.inference.openai_client import MAX_SERVER_MODELS, ServingError
from medui.backend.inference.openai_http import ANSWER_MAX_BYTES, LISTING_MAX_BYTES
from medui.backend.inference.openai_shapes import FAILED_LISTING_TTL_S, LISTING_TTL_S, MAX_LISTED
from medui.cli import main
from medui.config import get_settings

TASK = "e3c_clinical_entities"
MODEL = "openai:stub-model"
TEXT = "Paziente con dispnea e febbre alta da tre giorni."
RUN = ["run", "--task", TASK, "--model", MODEL, "--text", TEXT]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("medui: error: ") and "\n" not in err, err
    return err


def test_only_listed_names_connect_and_few_server_models_are_kept_with_their_connections(stub):
    stub.models = [f"m{i}" for i in range(3 * MAX_SERVER_MODELS)]
    engine = runner.build_engine("openai:m0", TASK, "cd")
    assert runner.predict(engine, [{"id": "r1", "text": TEXT}])  # m0 has an open connection pool
    kept = [engine.lm] + [openai_client.connect(f"openai:{m}") for m in stub.models[1:]]
    assert len(openai_client._SERVERS) == MAX_SERVER_MODELS
    assert all(m.closed for m in kept[:-MAX_SERVER_MODELS]) and not any(
        m.closed for m in kept[-MAX_SERVER_MODELS:]
    )
    assert runner.predict(
        engine, [{"id": "r1", "text": TEXT}]
    )  # a run still holding an evicted model finishes
    assert engine.lm.closed  # and lets its connections go again
    for i in range(50):  # names the server does not list: one clear error each, nothing kept
        with pytest.raises(ServingError, match=rf"has no model 'x{i}' \(it serves: m0, m1, .*, \.\.\.\)$"):
            models.load(f"openai:x{i}")
    assert len(openai_client._SERVERS) == MAX_SERVER_MODELS
    assert len(stub.listings()) == 1  # every name was checked against the one cached listing


def test_an_answer_dripped_a_byte_at_a_time_ends_medui_run_at_the_timeout(stub, capsys, monkeypatch):
    monkeypatch.setenv("MEDUI_OPENAI_TIMEOUT", "0.5")
    get_settings.cache_clear()
    stub.drip = {"/v1/completions": 0.02}  # each read is quick, the whole answer takes seconds
    assert main(RUN) == 2
    err = _one_line_error(capsys)
    assert err == f"medui: error: the server {stub.url} did not answer within 0.5 s (MEDUI_OPENAI_TIMEOUT)"
    assert len(stub.generations()) == 1  # a timeout is not retried


def test_a_dripping_listing_ends_at_its_timeout_and_is_not_asked_again_at_once(stub):
    stub.drip = {"/v1/models": 0.02}
    error = f"il server {stub.url} non ha risposto entro 0.3 s"
    assert openai_client.listed_models(timeout=0.3) == ([], error)
    assert openai_client.listed_models(timeout=0.3) == ([], error)  # the failure is kept a while
    assert len(stub.listings()) == 1


def test_headers_that_never_end_are_cut_at_the_deadline_not_when_the_server_hangs_up(stub):
    stub.endless_headers = {"/v1/models": 20.0}  # each read gets a byte; only the deadline ends it sooner
    error = f"il server {stub.url} non ha risposto entro 0.3 s"
    assert openai_client.listed_models(timeout=0.3) == ([], error)


def test_a_listing_is_stamped_when_it_comes_and_a_failed_one_is_kept_briefly(stub, monkeypatch):
    now = [0.0]
    monkeypatch.setattr(openai_client._LISTED, "clock", lambda: now[0])

    def slow_listing() -> None:
        now[0] += 100.0  # the listing takes longer than it is kept

    stub.on_listing = slow_listing
    assert openai_client.listed_models() == ([MODEL], None)
    now[0] += 1.0
    assert openai_client.listed_models() == ([MODEL], None)
    assert len(stub.listings()) == 1  # kept from when the answer came, not from when it was asked
    stub.on_listing, stub.listing_status = None, 500
    now[0] += LISTING_TTL_S
    names, error = openai_client.listed_models()
    assert names == [] and error.startswith("impossibile raggiungere il server") and "HTTP 500" in error
    now[0] += FAILED_LISTING_TTL_S / 2
    assert openai_client.listed_models() == ([], error)
    assert len(stub.listings()) == 2
    stub.listing_status = 200
    now[0] += FAILED_LISTING_TTL_S
    assert openai_client.listed_models() == ([MODEL], None) and len(stub.listings()) == 3


def test_lists_asked_at_the_same_time_wait_for_one_listing(stub):
    stub.on_listing = lambda: time.sleep(0.3)
    answers: list = []
    threads = [
        threading.Thread(target=lambda: answers.append(openai_client.listed_models())) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [([MODEL], None)] * 3 and len(stub.listings()) == 1


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "read-to-close"])
def test_an_answer_past_the_size_limit_ends_medui_run_with_one_line(stub, capsys, send_length):
    stub.pad, stub.send_length = {"/v1/completions": ANSWER_MAX_BYTES}, send_length
    assert main(RUN) == 2
    err = _one_line_error(capsys)
    limit = ANSWER_MAX_BYTES // 2**20
    assert err == (
        f"medui: error: the server {stub.url} answered /completions with more than {limit} MB, more than medui "
        "reads: is it an OpenAI-compatible server?"
    )


def test_a_listing_past_its_size_limit_is_a_clear_error(stub):
    stub.pad = {"/v1/models": LISTING_MAX_BYTES}
    names, error = openai_client.listed_models()
    assert names == [] and error.startswith(f"il server {stub.url} ha risposto a /models con più di")


def test_a_server_listing_many_models_shows_the_first_ones_says_so_and_lists_them_cheaply(stub, monkeypatch):
    from medui.backend import service

    stub.models = [f"m{i}" for i in range(MAX_LISTED + 100)]
    note = f"il server elenca {MAX_LISTED + 100} modelli: medui mostra solo i primi {MAX_LISTED}"
    assert openai_client.listed_models() == ([f"openai:m{i}" for i in range(MAX_LISTED)], note)
    reads = []
    listed = models.list_variants
    monkeypatch.setattr(models, "list_variants", lambda: reads.append(1) or listed())
    rows = service.model_rows()
    assert sum(r["kind"] == "server" for r in rows) == MAX_LISTED and rows[-1]["kind"] == note
    assert len(reads) == 1  # the variants are read once for the page, not once a row
    assert f"openai:m{MAX_LISTED - 1}" in service.model_choices()
    with pytest.raises(ServingError, match=rf"reads only the first {MAX_LISTED} of the {MAX_LISTED + 100}"):
        openai_client.connect(f"openai:m{MAX_LISTED + 50}")


@pytest.mark.parametrize(
    "patch, choice_patch, confident",
    [
        ({"usage": "oops"}, {}, True),
        ({"usage": {"prompt_tokens": "many", "completion_tokens": -3}}, {}, True),
        ({"usage": None}, {"logprobs": "none"}, False),
        ({}, {"logprobs": {"token_logprobs": ["x", None, 5, 10**400]}}, False),
    ],
    ids=["usage-a-string", "counts-not-counts", "logprobs-a-string", "logprobs-not-numbers"],
)
def test_malformed_optional_fields_are_taken_as_absent(stub, capsys, patch, choice_patch, confident):
    from medui.backend import service

    stub.patch, stub.choice_patch = patch, choice_patch
    assert main([*RUN, "--json"]) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert out["entities"][0]["text"] == "Paziente" and (out["confidence"] is not None) == confident
    result = service.run_task(TASK, MODEL, "few-shot+cd", TEXT)  # the app: a result, not "Errore interno"
    assert result["entities"][0]["text"] == "Paziente"


@pytest.mark.parametrize(
    "patch",
    [
        {"choices": []},
        {"choices": "none"},
        {"choices": [{"text": {"entities": []}}]},
        {"choices": [{"index": 0}]},
    ],
    ids=["no-choice", "choices-a-string", "text-an-object", "no-text"],
)
def test_an_answer_without_a_text_is_one_clear_error(stub, capsys, patch):
    stub.patch = patch
    assert main(RUN) == 2
    err = _one_line_error(capsys)
    assert err == f"medui: error: the server {stub.url} gave an answer that is not an OpenAI completion"
