"""End to end through gradio_client against the launched app: run, queue, correct, adjudicate, train; roles on the
server."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from gradio_client import Client

from tests.app.conftest import add_account, versions_of

TASK = "e3c_clinical_entities"
OTHER_TASK = "e3c_measurements"
TEXT = "Il paziente presenta febbre, tosse e dispnea."
ACCORDO_TEXT = "Dolore addominale e nausea da due giorni."  # Dolore 0-6, Dolore addominale 0-17, nausea 20-26


@pytest.fixture(scope="module")
def clients(app_server):
    """One logged-in client per user."""
    return {
        name: Client(app_server.url, auth=app_server.auth(name), verbose=False)
        for name in ("ricerca", "anna", "clara")
    }


def test_a_task_runs_then_its_prediction_is_queued_and_corrected(app_server, clients):
    client = clients["anna"]
    record = client.predict(TASK, "", "cd", TEXT, api_name="/run_task")
    assert record["text"] == TEXT and record["valid"] and record["entities"], record
    assert record["model"] == str(app_server.model) and record["seconds"] > 0 and record["result_id"]

    stored = client.predict(record["result_id"], api_name="/send_to_queue")
    queue = client.predict(TASK, 10, api_name="/correction_queue")
    assert stored["prediction_id"] in [row["prediction_id"] for row in queue]
    again = client.predict(record["result_id"], api_name="/send_to_queue")
    assert again == stored  # a result goes to the queue once: no second run, document or prediction
    assert len(client.predict(TASK, 10, api_name="/correction_queue")) == len(queue)

    wrong = {"entities": [{"start": 21, "end": 27, "label": "<b>NON_ESISTE</b>"}]}
    with pytest.raises(Exception, match="is not one of CLINENTITY"):
        client.predict(stored["prediction_id"], json.dumps(wrong), "", api_name="/save_correction")

    fixed = {"entities": [{"start": 21, "end": 27, "label": "CLINENTITY"}]}
    saved = client.predict(stored["prediction_id"], json.dumps(fixed), "febbre", api_name="/save_correction")
    assert saved["annotator"] == "anna" and saved["record"]["entities"][0]["text"] == "febbre"
    queue = client.predict(TASK, 10, api_name="/correction_queue")
    assert stored["prediction_id"] not in [row["prediction_id"] for row in queue]
    with sqlite3.connect(app_server.database) as conn:
        rows = conn.execute(
            "select annotator, record from corrections where prediction_id = ?", (stored["prediction_id"],)
        )
        ((annotator, stored_record),) = rows.fetchall()
    assert annotator == "anna" and json.loads(stored_record)["entities"][0]["label"] == "CLINENTITY"


def test_roles_are_checked_on_the_server(clients):
    clinician, annotator = clients["clara"], clients["anna"]
    record = clinician.predict(TASK, "", "cd", "Dolore toracico.", api_name="/run_task")
    stored = clinician.predict(record["result_id"], api_name="/send_to_queue")
    with pytest.raises(Exception, match="permesso negato"):
        clinician.predict(
            stored["prediction_id"], json.dumps({"entities": []}), "", api_name="/save_correction"
        )
    with pytest.raises(Exception, match="permesso negato"):
        annotator.predict([TASK], "gold", "non-mio", api_name="/start_training")
    with pytest.raises(Exception, match="un altro utente"):
        annotator.predict(record["result_id"], api_name="/send_to_queue")


def test_without_a_login_nothing_is_served(app_server):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a bare Exception on 401
        Client(app_server.url, verbose=False).predict(TASK, "", "cd", TEXT, api_name="/run_task")


def test_bad_input_gets_one_clear_message(clients):
    client = clients["anna"]
    with pytest.raises(Exception, match="il testo è vuoto"):
        client.predict(TASK, "", "cd", "   ", api_name="/run_task")
    with pytest.raises(Exception, match="strategia sconosciuta"):
        client.predict(TASK, "", "magia", TEXT, api_name="/run_task")
    with pytest.raises(Exception, match="compito sconosciuto"):
        client.predict("nessuno", "", "cd", TEXT, api_name="/run_task")


def test_a_tiny_training_job_runs_to_the_end_and_its_adapter_is_listed(clients):
    client = clients["ricerca"]
    job = client.predict(
        [TASK], "gold", "tiny-app", "", 2, 0, 1, 2, api_name="/start_training"
    )  # model (default), max_steps, epochs, eval_limit, batch_size
    assert job["status"] in ("queued", "running")
    deadline = time.monotonic() + 300
    while True:
        status = client.predict(job["id"], api_name="/job_status")
        if status["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert status["status"] == "succeeded", status["error"] or status["log"]
    assert status["loss_curve"] and status["progress"] == 1.0 and status["adapter_variant_id"]
    assert TASK in status["scores"]["tasks"]
    table, *_ = client.predict(api_name="/modelli_elenco")
    assert "tiny-app" in [row[0] for row in table["data"]]


def test_an_evaluation_runs_in_the_background_and_fills_the_study(clients):
    client = clients["clara"]
    client.predict(TASK, "test", "", "", "cd", 2, api_name="/confronta_avvia")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs, _bars = client.predict(TASK, api_name="/confronta_avanzamento")
        if runs["data"] and runs["data"][0][4] != "in corso":
            break
        time.sleep(1)
    assert runs["data"][0][4] == "completato", runs["data"][0]
    source, table, _plot, csv_file, _note = client.predict("", api_name="/studio_carica")
    assert source == "Valutazioni salvate"  # the database has a run: the shipped study is not shown
    assert TASK in table["headers"]
    assert TASK in Path(csv_file).read_text(encoding="utf-8")


def test_two_annotators_disagree_and_the_curator_merges_their_versions(app_server, clients):
    bruno = Client(app_server.url, auth=add_account(app_server, "bruno", "annotator"), verbose=False)
    cura = Client(app_server.url, auth=add_account(app_server, "cura", "curator"), verbose=False)
    doc_id = versions_of(clients["anna"], bruno, ACCORDO_TEXT, ([(0, 17)], [(0, 6), (20, 26)]))
    report = cura.predict(TASK, api_name="/agreement")
    pair = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("anna", "bruno"))
    assert (pair["documents"], pair["strict_f1"], pair["lenient_f1"]) == (1, 0.0, pytest.approx(2 / 3))

    *_, role, pending = clients["anna"].predict(TASK, api_name="/accordo_carica")
    assert "sola lettura" in role and "annotatore" in role and not pending["data"]
    with pytest.raises(Exception, match="permesso negato: anna è annotatore"):
        clients["anna"].predict(doc_id, api_name="/document_versions")
    *_, role, pending = cura.predict(TASK, api_name="/accordo_carica")
    assert role == "" and doc_id in [row[0] for row in pending["data"]]

    shown = cura.predict(doc_id, api_name="/document_versions")
    keys = {p["shown"]: p["key"] for p in shown["pieces"]}
    assert sorted(keys) == ["Dolore", "Dolore addominale", "nausea"] and not shown["agree"]
    with pytest.raises(Exception, match="pezzo sconosciuto"):
        cura.predict(doc_id, "", ["0:3:CLINENTITY"], "", api_name="/adjudicate")
    merged = [keys["Dolore addominale"], keys["nausea"]]
    made = cura.predict(doc_id, "", merged, "unione", api_name="/adjudicate")
    assert (made["curator"], made["taken_from"], made["note"]) == ("cura", None, "unione")
    with sqlite3.connect(app_server.database) as conn:
        rows = conn.execute("select curator, record from adjudications where document_id = ?", (doc_id,))
        ((curator, record),) = rows.fetchall()
    assert curator == "cura" and [e["text"] for e in json.loads(record)["entities"]] == [
        "Dolore addominale",
        "nausea",
    ]
    assert doc_id not in [r["document_id"] for r in cura.predict(TASK, api_name="/pending_adjudications")]


def test_every_page_that_picks_a_task_opens_on_the_one_the_user_chose_last(app_server):
    lucia = Client(app_server.url, auth=add_account(app_server, "lucia", "curator"), verbose=False)
    nuovo = Client(app_server.url, auth=add_account(app_server, "nuovo", "clinician"), verbose=False)

    def opened(client: Client) -> list[str]:
        return [
            client.predict(TASK, api_name="/prova_carica"),
            client.predict(TASK, api_name="/confronta_carica")[0],
            client.predict(TASK, 20, api_name="/correggi_carica")[3],
            client.predict(TASK, api_name="/accordo_carica")[0],
        ]

    assert opened(lucia) == [TASK] * 4
    lucia.predict(OTHER_TASK, api_name="/prova_scegli_compito")
    assert opened(lucia) == [OTHER_TASK] * 4 and opened(nuovo) == [TASK] * 4
    lucia.predict(TASK, api_name="/correggi_scegli_compito")
    assert opened(lucia) == [TASK] * 4
    with pytest.raises(Exception, match="nessun_compito"):
        nuovo.predict("nessun_compito", api_name="/confronta_scegli_compito")


def test_prova_warns_of_identifiers_before_a_run(clients):
    client = clients["clara"]
    warning = client.predict("Sig. rossi, CF RSS MRA 80A01 H501U", api_name="/prova_identificativi")
    assert "Possibili identificativi: nome di persona, codice fiscale" in warning.replace(
        "\\", ""
    )  # as shown
    assert client.predict("Febbre per via orale 3 volte al giorno.", api_name="/prova_identificativi") == ""
    job = client.submit(TASK, "cd", "", "", "Il sig. rossi ha febbre.", None, api_name="/prova_esegui")
    final = job.result()  # the run went on
    assert any(isinstance(o, dict) and o.get("task") == TASK for o in final)
    assert any(
        "Possibili identificativi: nome di persona" in str(step).replace("\\", "") for step in job.outputs()
    )


def test_identifiers_reach_the_queue_only_masked(app_server, clients):
    client = clients["clara"]
    note = "Il sig. Mario Rossi, tel. 339/1234567, ha febbre alta."
    local = client.predict(TASK, "", "cd", note, api_name="/run_task")  # a local model: it runs, warned
    assert local["text"] == note and local["identifiers"] == ["nome", "telefono"]
    assert not local["identifiers_masked"]
    with pytest.raises(Exception, match="Maschera gli identificativi"):
        client.predict(local["result_id"], api_name="/send_to_queue")

    masked = client.predict(TASK, "", "cd", note, mask_identifiers=True, api_name="/run_task")
    assert masked["identifiers_masked"] and len(masked["text"]) == len(note)
    assert "Rossi" not in masked["text"] and "339" not in masked["text"] and "febbre alta" in masked["text"]
    stored = client.predict(masked["result_id"], api_name="/send_to_queue")
    with sqlite3.connect(app_server.database) as conn:
        texts = [text for (text,) in conn.execute("select text from documents")]
        (record,) = conn.execute(
            "select record from predictions where id = ?", (stored["prediction_id"],)
        ).fetchone()
    assert masked["text"] in texts and not any("Rossi" in t or "339/1234567" in t for t in texts)
    for mention in json.loads(record)["entities"]:
        assert masked["text"][mention["start"] : mention["end"]] == mention["text"]

    job = client.submit(TASK, "cd", "", "", note, None, True, False, api_name="/prova_esegui")
    final = job.result()
    assert any(isinstance(o, dict) and o.get("identifiers_masked") for o in final)
    assert any("Identificativi mascherati" in str(step).replace("\\", "") for step in job.outputs())


def test_a_run_with_similar_demonstrations_names_them_and_prova_shows_them(clients):
    client = clients["clara"]
    record = client.predict(TASK, "", "few-shot", TEXT, False, False, "similar", api_name="/run_task")
    assert len(record["demonstrations"]) == len(record["examples"]) > 0
    assert [e["id"] for e in record["examples"]] == record["demonstrations"]
    assert all(e["text"] for e in record["examples"])
    random = client.predict(TASK, "", "few-shot", TEXT, api_name="/run_task")  # the default: random
    assert len(random["demonstrations"]) == len(record["demonstrations"])
    job = client.submit(
        TASK, "few-shot", "", "", TEXT, None, False, False, "simili", api_name="/prova_esegui"
    )
    shown = next(v for v in job.result() if isinstance(v, str) and v.startswith("**Esempi usati**"))
    assert shown.count("\n") == len(record["examples"])
