"""The second review's findings beyond documents and the web: model copies, a stale editor, accept, staging
folders, a reused pid, and an hf export over existing folders. Each test fails on the code before the fix."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from medui.backend import processes, service
from medui.backend.data.record_files import ExportError
from medui.backend.evaluation.info import RunInfo
from medui.backend.finetune import jobs, train
from medui.backend.inference import models
from medui.backend.service import auth
from medui.backend.store import repo
from medui.backend.store.corrections import (
    CorrectionError,
    add_correction,
    correction_history,
)
from medui.backend.store.db import session_scope
from medui.backend.store.export import export
from medui.config import get_settings
from medui.tasks.registry import get_spec
from tests.backend.store.conftest import db_url, engine, session  # noqa: F401 - the store fixtures
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

BOTH = ((13, 24), (27, 38))


# model copies ----------------------------------------------------------------------------------------------
@pytest.fixture
def fresh_cache():
    models.unload()
    yield
    models.unload()


def test_one_folder_under_many_spellings_is_loaded_once(tiny_model_dir, tmp_path, medui_home, fresh_cache):
    link = tmp_path / "collegamento"
    link.symlink_to(tiny_model_dir)
    d = tiny_model_dir
    names = [str(d), f"{d}/", f"{d.parent}/./{d.name}", f"{d.parent}/../{d.parent.name}/{d.name}", str(link)]
    loaded = {id(models.load(name, "cpu", "float32")) for name in names}
    assert len(loaded) == 1 and len(models.loaded()) == 1
    assert models.loaded()[0].name == str(d.resolve())


def test_loaded_models_are_bounded_least_recently_used_first(
    tiny_model_dir, tmp_path, medui_home, fresh_cache, monkeypatch
):
    monkeypatch.setenv("MEDUI_MAX_LOADED_MODELS", "2")
    get_settings.cache_clear()
    copies = [shutil.copytree(tiny_model_dir, tmp_path / f"m{i}") for i in range(3)]
    evicted: list[str] = []
    monkeypatch.setattr(models, "ON_EVICT", [*models.ON_EVICT, evicted.append])
    for folder in (copies[0], copies[1], copies[0], copies[2]):
        models.load(str(folder), "cpu", "float32")
    assert sorted(lm.name for lm in models.loaded()) == sorted(str(copies[i].resolve()) for i in (0, 2))
    assert evicted == [str(copies[1].resolve())]


def test_only_researchers_load_a_folder_the_app_does_not_know(
    tiny_model_dir, tmp_path, medui_home, fresh_cache
):
    new_folder = shutil.copytree(tiny_model_dir, medui_home / "nuovo-modello")
    clara, ricerca = auth.Identity("clara", "clinician"), auth.Identity("ricerca", "researcher")
    with pytest.raises(auth.AuthError, match="ruolo ricercatore"):
        service.core.checked_model(str(new_folder), clara)
    assert service.core.checked_model(str(new_folder), ricerca) == str(new_folder)
    models.load(str(new_folder))  # a researcher loaded it (Modelli): now anyone may run it
    assert service.core.checked_model(f"{new_folder}/", clara) == f"{new_folder}/"


# a stale editor --------------------------------------------------------------------------------------------
def stale():
    """The refusal of a save over a newer version (imported here: the other tests run on code without it)."""
    from medui.backend.store.corrections import StaleCorrection

    return StaleCorrection


def _stored_prediction() -> int:
    with session_scope() as s:
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=s)
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        return row.id


def test_a_save_over_a_newer_version_is_refused_and_names_who(medui_home):
    service.add_user("anna", "annotator", "password-anna")
    service.add_user("bruno", "annotator", "password-bruno")
    prediction = _stored_prediction()
    opened = service.correction_item(prediction, "anna")  # anna opens the queue head in two tabs
    assert opened["version"] == 0 and service.correction_item(prediction, "anna")["version"] == 0
    first = service.save_correction(prediction, ner_record("a", spans=BOTH), "anna", version=0)
    with pytest.raises(stale()) as refused:
        service.save_correction(prediction, ner_record("a", spans=((27, 38),)), "anna", version=0)
    assert "anna" in refused.value.italian and "Salvataggio rifiutato" in refused.value.italian
    reloaded = service.correction_item(prediction, "anna")  # the editor reloads: her version in the other tab
    assert reloaded["version"] == first["id"] and reloaded["in_force"] == first["record"]
    second = service.save_correction(prediction, ner_record("a"), "anna", version=reloaded["version"])
    theirs = service.save_correction(prediction, ner_record("a"), "bruno", version=0)  # his own version
    assert service.correction_item(prediction, "bruno")["others"] == ["anna"]
    with session_scope() as s:
        history = correction_history(first["document_id"], session=s)
    assert [c.id for c in history] == [first["id"], second["id"], theirs["id"]]
    assert [c.supersedes_id for c in history] == [None, first["id"], None]


def test_of_two_concurrent_saves_of_one_version_exactly_one_wins(medui_home):
    service.add_user("anna", "annotator", "password-anna")
    prediction, barrier, outcomes = _stored_prediction(), threading.Barrier(2), []

    def save(tab: str) -> None:
        barrier.wait()
        try:
            service.save_correction(prediction, ner_record("a"), "anna", version=0)
            outcomes.append(tab)
        except stale():
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(n,)) for n in ("tab-1", "tab-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "refused" and outcomes.count("refused") == 1


def test_accept_stores_exactly_the_predictions_record(session):  # noqa: F811
    run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
    (pred,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=session)
    with pytest.raises(CorrectionError, match="own record"):
        add_correction(
            ner_record("a", spans=BOTH), "anna", prediction_id=pred.id, kind="accept", session=session
        )
    same = add_correction(dict(pred.record), "anna", prediction_id=pred.id, kind="accept", session=session)
    assert same.record["entities"] == pred.record["entities"]


# staging folders and pids ----------------------------------------------------------------------------------
def test_remove_staging_keeps_another_names_folders(medui_home):
    training = medui_home / "training"
    for name in ("ner.123", "ner.v2.456", "ner.v2.789", "nerx.5", "ner.note"):
        (training / name).mkdir(parents=True)
    train.remove_staging("ner")
    assert sorted(p.name for p in training.iterdir()) == ["ner.note", "ner.v2.456", "ner.v2.789", "nerx.5"]
    train.remove_staging("ner.v2")
    assert sorted(p.name for p in training.iterdir()) == ["ner.note", "nerx.5"]


STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ok', flush=True); time.sleep(60)"


def _stubborn() -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ok"  # its SIGTERM handler is in place
    return proc


def test_kill_leaves_alone_a_process_that_reused_the_pid(monkeypatch):
    other = _stubborn()  # holds the pid by the time SIGKILL would go
    starts = iter(["100", "200"])  # the job's start time, then the newcomer's
    monkeypatch.setattr(processes, "start_time", lambda _pid: next(starts), raising=False)
    try:
        jobs._kill(other.pid, wait_s=0.3)
        time.sleep(0.2)
        assert other.poll() is None, "SIGKILL reached a process that was not the job"
    finally:
        other.kill()
        other.wait()


def test_kill_still_ends_the_job_that_ignores_sigterm():
    job = _stubborn()
    jobs._kill(job.pid, wait_s=0.3)
    assert job.wait(timeout=5) == -signal.SIGKILL


# export --format hf ----------------------------------------------------------------------------------------
def test_an_hf_export_never_deletes_existing_folders_unasked(session, tmp_path):  # noqa: F811
    run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
    (pred,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=session)
    add_correction(ner_record("a", spans=BOTH), "anna", prediction_id=pred.id, session=session)
    tmp_path = tmp_path / "esportazioni"
    tmp_path.mkdir()
    out, stray = tmp_path / "OUT", tmp_path / "OUT.tmp"
    out.mkdir()
    (out / "dataset_info.json").write_text("{}")
    (out / "mio.txt").write_text("non toccare")
    stray.mkdir()
    (stray / "dati.txt").write_text("non toccare")
    with pytest.raises(ExportError, match="--force"):
        export(NER_TASK, "hf", out, session=session)
    assert (out / "mio.txt").exists() and (stray / "dati.txt").exists()
    fresh = tmp_path / "NUOVO"
    assert export(NER_TASK, "hf", fresh, session=session)["records"] == 1
    export(NER_TASK, "hf", fresh, session=session, force=True)  # an earlier export, replaced when asked
    assert (fresh / "dataset_info.json").exists() and (stray / "dati.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NUOVO", "OUT", "OUT.tmp"]


def test_the_correction_page_reloads_a_newer_version_and_keeps_the_draft(medui_home):
    """Correggi's save over a newer version: the editors show the version in force, the draft stays beside it."""
    from types import SimpleNamespace

    from medui.cli.serve import load_app_module

    service.add_user("anna", "annotator", "password-anna")
    prediction = _stored_prediction()
    opened = service.correction_item(prediction, "anna")
    theirs = service.save_correction(prediction, ner_record("a", spans=BOTH), "anna", version=0)  # other tab
    demo = load_app_module().build_demo()
    save = next(fn.fn for fn in demo.fns.values() if fn.api_name == "correggi_salva")
    mine = ner_record("a", spans=((27, 38),))["entities"]
    out = save(
        NER_TASK, 20, [], opened, mine, None, None, None, None, "nota", SimpleNamespace(username="anna")
    )
    item, draft = out[3], out[-1]
    assert item["version"] == theirs["id"] and item["in_force"] == theirs["record"]
    assert draft["visible"] is True and '"start": 27' in draft["value"]
    with session_scope() as s:
        assert [c.annotator for c in correction_history(theirs["document_id"], session=s)] == ["anna"]


def test_concurrent_saves_of_one_version_on_each_database(engine):  # noqa: F811 - SQLite and PostgreSQL
    from sqlmodel import Session

    with Session(engine) as s:
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=s)
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        repo.get_or_create_user("anna", session=s)  # her account exists before she opens four tabs
        s.commit()
        prediction = row.id
    barrier, outcomes = threading.Barrier(4), []

    def save(name: str) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                add_correction(ner_record("a"), name, prediction_id=prediction, edited=None, session=s)
                s.commit()
                outcomes.append(name)
            except stale():
                s.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=save, args=("anna",)) for _ in range(4)]  # four tabs of one annotator
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("refused") == 3, outcomes
    with Session(engine) as s:
        assert len(correction_history(row.document_id, session=s)) == 1
