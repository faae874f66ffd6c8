"""Faults: kill -9 of the app during saves and of a training job, damaged model folders, a full disk.

What must hold after each: the database passes an integrity check, every acknowledged correction is there as it
was acknowledged, a killed job shows as failed (interrupted), no adapter is half-registered or half-installed,
and a bad model folder or a full disk gives one clear line and registers nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from medui.backend.evaluation.info import RunInfo
from medui.config import get_settings
from tests.app.conftest import launched_app

NER_TASK = "e3c_clinical_entities"
QA_TASK = "medqa_it"
TEXT = "Il paziente {i} presenta febbre, tosse e dispnea."
WORDS = ("febbre", "tosse", "dispnea")
USERS = [("anna", "annotator", "pw-anna-1"), ("bruno", "annotator", "pw-bruno-1"),
         ("ricerca", "researcher", "pw-ricerca-1")]  # fmt: skip
ACKS_BEFORE_KILL = 40


# fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture
def fault_home(tmp_path, monkeypatch):
    """A fresh MEDUI_HOME for one test; loaded models, engines and started workers forgotten after it."""
    from medui.backend.inference import models
    from medui.backend.store.db import dispose_engines

    folder = tmp_path / "home"
    monkeypatch.setenv("MEDUI_HOME", str(folder))
    monkeypatch.setenv("MEDUI_MODELS_CACHE", str(get_settings().models_dir))
    monkeypatch.delenv("MEDUI_DATABASE_URL", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    get_settings.cache_clear()
    sigterm = signal.getsignal(signal.SIGTERM)  # worker.main, run in process, installs its own
    yield folder
    signal.signal(signal.SIGTERM, sigterm)
    _kill_started_workers()
    models.unload()
    dispose_engines()
    get_settings.cache_clear()


def _kill_started_workers() -> None:
    jobs = sys.modules.get("medui.backend.finetune.jobs")
    for child in list(getattr(jobs, "_CHILDREN", {}).values()):
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


@pytest.fixture
def session(fault_home):
    from medui.backend.store.db import session_scope

    with session_scope() as s:
        yield s


def damage(folder: Path, how: str) -> Path:
    """Cut a model folder's weights file in half, or replace it with garbage."""
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] if how == "truncated" else b"\x00garbage" * 500)
    return folder


def damaged_copy(model_dir: Path, target: Path, how: str) -> Path:
    return damage(shutil.copytree(model_dir, target), how)


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def nothing_installed(name: str) -> bool:
    """No adapter folder for the name, neither installed nor staged."""
    settings = get_settings()
    staged = list((settings.home / "training").glob(f"{name}.*"))
    return not (settings.adapters_dir / name).exists() and not staged


def registered_names(session) -> list[str]:
    from sqlmodel import select

    from medui.backend.store.tables import ModelVariant

    session.commit()
    return list(session.exec(select(ModelVariant.name)))


# 1. kill -9 of the app while annotators save ----------------------------------------------------------------
def seed_predictions(database: Path, n: int) -> list[tuple[int, str]]:
    """A stored run with n predictions (no entity found) to correct: (prediction id, text)."""
    from medui.backend.inference.engine import Prediction, doc_hash
    from medui.backend.store import repo
    from medui.backend.store.db import init_db, session_scope
    from medui.tasks.registry import get_spec

    spec = get_spec(NER_TASK)
    records = [{"id": f"fault-{i}", "text": TEXT.format(i=i), "entities": []} for i in range(n)]
    preds = [Prediction(r, '{"entities": []}', "seed", doc_hash(r), 0.0, 0, 0, 0.5) for r in records]
    engine = init_db(f"sqlite:///{database}")
    try:
        with session_scope(engine) as session:
            run = repo.save_run(RunInfo(spec, "seed", "cd", split="fault"), session=session)
            rows = repo.save_predictions(run, preds, [None] * n, session=session, source="fault-seed")
            return [(row.id, r["text"]) for row, r in zip(rows, records, strict=True)]
    finally:
        engine.dispose()


def entities_for(text: str, k: int) -> list[dict]:
    """The k-th non-empty subset of the three symptoms as CLINENTITY spans: saves differ from each other."""
    chosen = [w for bit, w in enumerate(WORDS) if (k % 7 + 1) >> bit & 1]
    return [{"start": text.index(w), "end": text.index(w) + len(w), "label": "CLINENTITY"} for w in chosen]


class Saver(threading.Thread):
    """One annotator saving corrections through the API without pause until the app stops answering."""

    def __init__(self, url: str, user: tuple[str, str, str], predictions, acks: list, lock: threading.Lock):
        super().__init__(daemon=True)
        self.url, self.user, self.predictions, self.acks, self.lock = url, user, predictions, acks, lock
        self.error: BaseException | None = None
        self.saved = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from gradio_client import Client

        name, _role, password = self.user
        client = Client(self.url, auth=(name, password), verbose=False)
        k = 0
        while not self.stop.is_set():
            pred_id, text = self.predictions[k % len(self.predictions)]
            sent = {"entities": entities_for(text, k)}
            note = f"{name}#{k}"
            try:
                ack = client.predict(pred_id, json.dumps(sent), note, api_name="/save_correction")
            except Exception as exc:  # the app was killed: this save is not acknowledged
                self.error = exc
                return
            with self.lock:
                self.acks.append((ack, sent, note, name, pred_id))
            self.saved = k = k + 1


def stored_correction(database: Path, correction_id: int) -> tuple | None:
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "select prediction_id, annotator, note, kind, supersedes_id, record from corrections where id = ?",
            (correction_id,),
        ).fetchone()
    return None if row is None else (*row[:5], json.loads(row[5]))


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def save_until_killed(server, predictions) -> tuple[list, list[Saver]]:
    """Three annotators save at once; the app is SIGKILLed once ACKS_BEFORE_KILL saves were acknowledged."""
    acks: list = []
    lock = threading.Lock()
    savers = [Saver(server.url, user, predictions, acks, lock) for user in USERS]
    for saver in savers:
        saver.start()
    deadline = time.monotonic() + 120
    while len(acks) < ACKS_BEFORE_KILL or not all(s.saved for s in savers):
        if time.monotonic() > deadline or not all(s.is_alive() for s in savers):
            raise AssertionError(f"a saver stopped before the kill: {[repr(s.error) for s in savers]}")
        time.sleep(0.05)
    server.kill()
    for saver in savers:
        saver.join(timeout=60)
        saver.stop.set()
    return list(acks), savers


def test_killing_the_app_mid_saves_loses_no_acknowledged_correction(tiny_model_dir, tmp_path):
    home = tmp_path / "app-home"
    predictions = seed_predictions(home / "medui.sqlite", 5)
    with launched_app(home, tiny_model_dir, USERS) as server:
        acks, savers = save_until_killed(server, predictions)
    assert len(acks) >= ACKS_BEFORE_KILL
    assert all(s.error is not None for s in savers), "each annotator was saving when the app died"
    database = home / "medui.sqlite"
    assert integrity(database) == "ok"
    for ack, sent, note, name, pred_id in acks:
        stored = stored_correction(database, ack["id"])
        assert stored == (pred_id, name, note, "edit", ack["supersedes_id"], ack["record"])
        assert [(e["start"], e["end"], e["label"]) for e in stored[-1]["entities"]] == [
            (e["start"], e["end"], e["label"]) for e in sent["entities"]
        ]
    with launched_app(home, tiny_model_dir, USERS) as server:
        from gradio_client import Client

        client = Client(server.url, auth=("anna", USERS[0][2]), verbose=False)
        pred_id, text = predictions[0]
        record = {"entities": entities_for(text, 0)}
        after = client.predict(pred_id, json.dumps(record), "dopo il riavvio", api_name="/save_correction")
    assert after["id"] > max(ack["id"] for ack, *_ in acks)
    assert stored_correction(database, after["id"])[2] == "dopo il riavvio"
    assert integrity(database) == "ok"


# 2. kill -9 of a training worker ------------------------------------------------------------------------------
KILL_AT_REGISTRATION = """
import os, signal, sys
from medui.backend.finetune import store_access, worker
store_access.register_adapter = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
sys.exit(worker.main([sys.argv[2]]))
"""


def submit_job(session, model: Path, name: str, **kw):
    from medui.backend.finetune import jobs

    values = {"max_steps": 2, "batch_size": 2, "eval_limit": 0, "base_fewshot": False, **kw}
    return jobs.submit(session=session, tasks=[QA_TASK], name=name, model=str(model), data="gold", **values)


def wait_for_progress(session, job_id: int, timeout_s: float = 300):
    from medui.backend.finetune import jobs

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = jobs.get(job_id, session=session)
        if (job.progress or 0) > 0 or job.status not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} made no progress in {timeout_s}s")


def jobs_show(job_id: int, capsys) -> dict:
    """The job as `medui jobs show ID --json` prints it."""
    from medui import cli

    capsys.readouterr()
    assert cli.main(["jobs", "show", str(job_id), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def assert_interrupted(job_id: int, name: str, session, capsys) -> None:
    """Failed as `medui jobs` and the app see it, nothing registered, nothing left in the adapters folder."""
    from medui.backend import service
    from medui.backend.inference import models

    shown = jobs_show(job_id, capsys)
    assert shown["status"] == "failed" and shown["error"].startswith("interrupted:"), shown["error"]
    status = service.job_status(job_id)
    assert status["status"] == "failed" and "interrupted" in status["error"]
    assert name not in registered_names(session) and shown["adapter_variant_id"] is None
    assert nothing_installed(name)
    with pytest.raises(models.ModelError):
        models.resolve(name)


def test_a_worker_killed_mid_run_shows_as_interrupted(tiny_model_dir, session, capsys):
    job = submit_job(session, tiny_model_dir, "killed-mid-run", max_steps=5_000)
    job = wait_for_progress(session, job.id)
    assert job.status == "running" and 0 < job.progress < 0.01
    os.kill(job.pid, signal.SIGKILL)
    assert_interrupted(job.id, "killed-mid-run", session, capsys)


def test_a_worker_killed_between_installing_and_registering_leaves_no_adapter(
    tiny_model_dir, session, capsys
):
    from medui.backend import service
    from medui.backend.finetune.jobs import WORKER_MODULE

    job = submit_job(session, tiny_model_dir, "killed-at-registration", start=False)
    worker = subprocess.run(
        [sys.executable, "-c", KILL_AT_REGISTRATION, WORKER_MODULE, str(job.id)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert worker.returncode == -signal.SIGKILL, worker.stderr[-2000:]
    installed = get_settings().adapters_dir / "killed-at-registration"
    assert (installed / "adapter_config.json").exists()  # the window: renamed into place, not registered
    assert "killed-at-registration" not in service.model_choices()  # listing the models sweeps it away
    assert not installed.exists()
    assert_interrupted(job.id, "killed-at-registration", session, capsys)


# 3. missing and damaged model folders -------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["missing", "truncated", "garbage"])
def test_a_bad_model_folder_is_one_clear_line_and_stores_nothing(how, tiny_model_dir, fault_home, capsys):
    from medui import cli

    folder = fault_home.parent / "model"
    expected = "does not exist" if how == "missing" else "weights are missing or damaged"
    if how != "missing":
        damaged_copy(tiny_model_dir, folder, how)
    commands = [
        ["run", "--task", NER_TASK, "--model", str(folder), "--text", TEXT.format(i=1)],
        ["eval", "--task", NER_TASK, "--model", str(folder), "--limit", "2", "--save"],
        ["train", "--tasks", QA_TASK, "--data", "gold", "--model", str(folder), "--name", "from-bad"],
    ]
    for argv in commands:
        capsys.readouterr()
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("medui: error: ") and expected in err and err.count("\n") == 1, err
    database = fault_home / "medui.sqlite"
    with sqlite3.connect(database) as conn:
        counts = [conn.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("runs", "predictions", "training_jobs", "model_variants")]  # fmt: skip
    assert counts == [0, 0, 0, 0] and nothing_installed("from-bad")


def test_the_app_says_in_italian_that_a_model_folder_is_missing_or_damaged(tiny_model_dir, tmp_path):
    from gradio_client import Client

    home = tmp_path / "app-home"
    damaged = damaged_copy(tiny_model_dir, home / "models" / "damaged", "truncated")  # a folder it may load
    with launched_app(home, tiny_model_dir, USERS) as server:
        # a researcher: only researchers load a folder the app does not know yet (test_findings.py)
        client = Client(server.url, auth=("ricerca", USERS[2][2]), verbose=False)
        cases = [(home / "missing", "non esiste"), (damaged, "i pesi sono mancanti o danneggiati")]
        for folder, expected in cases:
            with pytest.raises(Exception) as raised:
                client.predict(NER_TASK, str(folder), "cd", TEXT.format(i=1), api_name="/run_task")
            message = str(raised.value)
            assert expected in message and str(folder) in message and "Errore interno" not in message
    assert "Traceback" not in (home / "app.log").read_text(encoding="utf-8", errors="replace")


def test_a_base_damaged_after_submission_fails_the_job_clearly(tiny_model_dir, fault_home, session):
    from medui.backend.finetune import worker

    base = shutil.copytree(tiny_model_dir, fault_home.parent / "base")
    job = submit_job(session, base, "from-damaged", start=False)
    damage(base, "truncated")
    assert worker.main([str(job.id)]) == 1
    session.refresh(job)
    assert job.status == "failed" and job.error.startswith(f"cannot load the model in {base.resolve()}")
    assert "weights are missing or damaged" in job.error and "\n" not in job.error
    assert "from-damaged" not in registered_names(session) and nothing_installed("from-damaged")


# 4. a full disk when the adapter is saved ---------------------------------------------------------------------
def full_disk(error: str):
    """A stand-in for safetensors' save_file on a full disk: part of the file is written, then the error."""
    from safetensors import SafetensorError

    def save_file(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\0" * 1024)
        if error == "oserror":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(filename))
        # what safetensors 0.8 raises on a full tmpfs (checked by hand once)
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    return save_file


@pytest.mark.parametrize("error", ["oserror", "safetensors"])
def test_a_full_disk_fails_the_job_and_keeps_the_previous_adapters(
    error, tiny_model_dir, session, monkeypatch
):
    import peft.peft_model

    from medui.backend.finetune import worker
    from medui.backend.inference import models

    first = submit_job(session, tiny_model_dir, "previous", max_steps=1, start=False)
    assert worker.main([str(first.id)]) == 0
    previous = get_settings().adapters_dir / "previous"
    before = folder_digest(previous)

    job = submit_job(session, tiny_model_dir, "on-full-disk", start=False)
    monkeypatch.setattr(peft.peft_model, "safe_save_file", full_disk(error))
    assert worker.main([str(job.id)]) == 1
    session.refresh(job)
    assert job.status == "failed"
    assert job.error.startswith("the disk is full: adapter 'on-full-disk' not saved"), job.error
    assert registered_names(session) == ["previous"] and nothing_installed("on-full-disk")
    assert folder_digest(previous) == before and models.resolve("previous").kind == "adapter"
