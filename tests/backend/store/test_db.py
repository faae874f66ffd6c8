"""Engines, sessions and the schema: SQLite settings, JSON columns, constraints, the shared engine."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from medui.backend.store import db
from medui.backend.store.tables import ModelVariant, TrainingJob, User

TABLES = {"users", "documents", "runs", "predictions", "corrections", "training_jobs", "model_variants"}


def test_init_db_creates_every_table_at_head(engine):
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert db.current_revision(engine) == db.head_revision()


def test_init_db_twice_is_harmless(db_url, engine):
    again = db.init_db(db_url)
    assert db.current_revision(again) == db.head_revision()
    again.dispose()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "sub" / "x.sqlite").exists()
    engine.dispose()


def test_json_columns_round_trip_and_track_changes(engine):
    curve = [{"step": 1, "loss": 2.5}]
    with db.session_scope(engine) as session:
        job = TrainingJob(name="j", tasks=["e3c_events"], params={"lora_r": 8, "lr": 1e-4}, loss_curve=curve)
        session.add(job)
    with db.session_scope(engine) as session:
        job = session.get(TrainingJob, job.id)
        job.loss_curve.append({"step": 2, "loss": 1.5})
        job.params["epochs"] = 1
    with db.session_scope(engine) as session:
        job = session.get(TrainingJob, job.id)
        assert job.loss_curve == [{"step": 1, "loss": 2.5}, {"step": 2, "loss": 1.5}]
        assert job.params == {"lora_r": 8, "lr": 1e-4, "epochs": 1}
        assert job.status == "queued" and job.progress == 0.0 and job.created_at is not None


def test_unique_names(engine):
    with pytest.raises(IntegrityError), db.session_scope(engine) as session:
        session.add(ModelVariant(name="lora-a", base="gemma-3-270m"))
        session.flush()
        session.add(ModelVariant(name="lora-a", base="gemma-3-270m"))
    with db.session_scope(engine) as session:
        assert session.exec(select(ModelVariant)).all() == []


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), db.session_scope(engine) as session:
        session.add(TrainingJob(name="j", adapter_variant_id=12345))


def test_session_scope_rolls_back_on_error(engine):
    with pytest.raises(RuntimeError), db.session_scope(engine) as session:
        session.add(User(name="anna"))
        raise RuntimeError("boom")
    with db.session_scope(engine) as session:
        assert session.exec(select(User)).all() == []


def test_get_engine_builds_once_per_url_and_migrates(db_url):
    first = db.get_engine(db_url)
    assert db.get_engine(db_url) is first
    assert db.current_revision(first) == db.head_revision()


def test_default_url_comes_from_settings(medui_home):
    engine = db.get_engine()
    try:
        assert engine.url.database == str(medui_home / "medui.sqlite")
        assert (medui_home / "medui.sqlite").exists()
    finally:
        db.dispose_engines()


def test_an_unreachable_database_is_a_one_line_user_error(tmp_path):
    with pytest.raises(db.DatabaseUnavailable, match=r"127\.0\.0\.1:1/nodb: cannot open or migrate") as info:
        db.init_db("postgresql+psycopg://someone:secret@127.0.0.1:1/nodb")
    assert "secret" not in str(info.value) and "\n" not in str(info.value)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(db.DatabaseUnavailable, match="cannot make its folder"):
        db.make_engine(f"sqlite:///{blocker / 'sub' / 'x.sqlite'}")
    assert issubclass(db.DatabaseUnavailable, ValueError)


def test_processes_starting_together_all_get_a_migrated_database(db_url):
    code = "import sys; from medui.backend.store.db import init_db; init_db(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    engine = db.make_engine(db_url)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_a_failed_migration_leaves_nothing_half_done(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'half.sqlite'}"
    engine = db.make_engine(url)
    with engine.begin() as conn:  # a table the first revision creates later on: the revision fails midway
        conn.exec_driver_sql("CREATE TABLE corrections (id INTEGER PRIMARY KEY)")
    with pytest.raises(db.DatabaseUnavailable, match="already exists"):
        db.init_db(url)
    assert set(inspect(engine).get_table_names()) == {"corrections"}
    engine.dispose()


def test_a_polling_session_sees_what_another_process_committed(db_url, engine):
    with db.session_scope(engine) as session:
        session.add(TrainingJob(name="poll"))
    with Session(engine) as watcher:
        job = watcher.exec(select(TrainingJob)).one()
        other = db.make_engine(db_url)
        with other.begin() as conn:
            conn.exec_driver_sql("UPDATE training_jobs SET status = 'running'")
        other.dispose()
        watcher.refresh(job)
        assert job.status == "running"
