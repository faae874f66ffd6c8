"""The identifier gate in the app: its warning (medui.backend.service.identifiers), kinds found, in Italian; and
the runs and the queue (service/running.py) on a served model, remote or local."""

from __future__ import annotations

import json

import pytest

from medui.backend import service
from medui.backend.data.inputs import InputError
from medui.backend.inference import destination
from medui.backend.inference.destination import IdentifiersRefused
from medui.backend.service import identifiers
from medui.backend.service.identifiers import identifier_kinds, identifier_warning


def test_warning_lists_each_kind_once_in_order():
    text = "CF RSS MRA 80A01 H501U, cell. 339/1234567, tel. +39 (06) 12345678."
    assert identifier_kinds([text]) == ["codice_fiscale", "telefono"]
    assert identifier_warning(text) == "Possibili identificativi: codice fiscale, numero di telefono"


def test_no_warning_on_clinical_text():
    assert identifier_warning("Terapia per via orale 3 volte al giorno; PA 130/80.") == ""
    assert identifier_warning([]) == ""


def test_records_of_an_upload_and_the_scan_limit(monkeypatch):
    records = ["Febbre da tre giorni.", "nosologico 2023/000123", "mario.rossi[at]gmail.com"]
    assert identifier_warning(records) == (
        "Possibili identificativi: numero di cartella o ricovero, indirizzo e-mail"
    )
    monkeypatch.setattr(identifiers, "MAX_SCANNED_CHARS", 50)
    assert identifier_kinds(records) == ["cartella"]  # the e-mail lies past the limit


# the gate in the app's runs (service/running.py), on the stub server ---------------------------------------
TASK = "e3c_clinical_entities"
SERVED = "openai:stub-model"
NOTE = "Paziente Mario Rossi, CF RSSMRA80A01H501U, tel. 339/1234567: dolore toracico da tre giorni."
SECRETS = ("Mario Rossi", "RSSMRA80A01H501U", "339/1234567")


def _remote(monkeypatch) -> None:
    """The stub listens on 127.0.0.1: classify its URL as remote, as a server elsewhere would be."""
    monkeypatch.setattr(destination, "is_local_url", lambda url: False)


def _stored() -> tuple[list, list]:
    from sqlmodel import select

    from medui.backend.store.db import session_scope
    from medui.backend.store.tables import Document, Prediction

    with session_scope() as session:
        return list(session.exec(select(Document))), list(session.exec(select(Prediction)))


def test_a_remote_server_gets_no_identifiers_unless_masked_or_confirmed(stub, monkeypatch):
    _remote(monkeypatch)
    with pytest.raises(IdentifiersRefused, match="127.0.0.1"):
        service.run_task(TASK, SERVED, "few-shot+cd", NOTE)
    assert stub.generations() == []  # nothing was sent
    clean = service.run_task(TASK, SERVED, "few-shot+cd", "Paziente con febbre alta da tre giorni.")
    assert clean["identifiers"] == [] and clean["entities"]

    sent = service.run_task(TASK, SERVED, "few-shot+cd", NOTE, send_identifiers=True)
    assert sent["text"] == NOTE and sent["identifiers"] == ["nome", "codice_fiscale", "telefono"]
    assert all(s in stub.generations()[-1]["body"]["prompt"] for s in SECRETS)  # confirmed: sent as it is


def test_masked_runs_send_and_store_placeholders_whose_offsets_hold(stub, monkeypatch):
    _remote(monkeypatch)
    result = service.run_task(TASK, SERVED, "few-shot+cd", NOTE, mask_identifiers=True)
    prompt = stub.generations()[-1]["body"]["prompt"]
    assert not any(s in prompt for s in SECRETS) and "dolore toracico" in prompt
    assert result["identifiers_masked"] and len(result["text"]) == len(NOTE)
    assert not any(s in result["text"] for s in SECRETS)

    service.send_to_queue(result["result_id"])
    (document,), (prediction,) = _stored()
    assert document.text == result["text"] and not any(s in document.text for s in SECRETS)
    assert not any(s in prediction.raw_output + json.dumps(prediction.record) for s in SECRETS)
    for mention in prediction.record["entities"]:
        assert document.text[mention["start"] : mention["end"]] == mention["text"]


def test_the_queue_refuses_unmasked_identifiers_and_stores_nothing(stub):
    result = service.run_task(TASK, SERVED, "few-shot+cd", NOTE)  # the stub is on this machine: it runs
    assert result["text"] == NOTE and result["identifiers"] == ["nome", "codice_fiscale", "telefono"]
    with pytest.raises(InputError, match="Maschera gli identificativi") as refused:
        service.send_to_queue(result["result_id"])
    assert "codice fiscale" in refused.value.italian and "RSSMRA80A01H501U" not in refused.value.italian
    assert _stored() == ([], [])
    clean = service.run_task(TASK, SERVED, "few-shot+cd", "Paziente con febbre alta da tre giorni.")
    assert service.send_to_queue(clean["result_id"])["prediction_id"]


def test_medui_run_masks_or_sends_to_a_remote_server_only_when_told(stub, monkeypatch, capsys):
    from medui.cli import main

    _remote(monkeypatch)
    run = ["run", "--task", TASK, "--model", SERVED, "--strategy", "cd", "--text", NOTE, "--json"]
    assert main(run) == 2 and stub.generations() == []
    assert "--mask-identifiers" in capsys.readouterr().err
    assert main([*run, "--mask-identifiers"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["text"] != NOTE and "masked before the run" in err
    assert not any(s in stub.generations()[-1]["body"]["prompt"] for s in SECRETS)
    assert main([*run, "--send-identifiers"]) == 0
    assert "sent to 127.0.0.1" in capsys.readouterr().err
    assert all(s in stub.generations()[-1]["body"]["prompt"] for s in SECRETS)
