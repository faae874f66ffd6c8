"""`medui backup` and `medui restore` on SQLite while a writer keeps saving corrections: nothing lost.

A writer thread commits corrections through the store (as the app's saves do) while the commands run; every
correction whose commit returned before the backup started must be in the backup, and across a restore every
acknowledged correction must be in the restored database or in the `.bak` the restore keeps.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from medui.backend.evaluation.info import RunInfo
from medui.backend.store import backup as store_backup
from medui.backend.store.db import head_revision, init_db, session_scope
from medui.cli import main
from medui.config import get_settings
from tests.hardening import load_scenario as scenario


@pytest.fixture
def backup_home(medui_home, monkeypatch):
    """A fresh home whose SQLite database has two predictions to correct; yields (engine, prediction ids)."""
    monkeypatch.delenv("MEDUI_DATABASE_URL", raising=False)
    engine = init_db(get_settings().db_url)
    predictions = scenario.seed(engine, scenario.Plan(clients=1, saves=2, shared=1))
    yield engine, [pred_id for pred_id, _ in predictions]
    engine.dispose()


class Writer(threading.Thread):
    """Commits corrections one after the other until stopped; `acked` holds (id, note) of each committed one."""

    def __init__(self, engine, prediction_id: int, prefix: str = "w") -> None:
        super().__init__(daemon=True)
        self.engine, self.prediction_id, self.prefix = engine, prediction_id, prefix
        self.acked: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from medui.backend.store.corrections import add_correction

        i = 0
        while not self.stop.is_set():
            note = f"{self.prefix}{i}"
            try:
                with session_scope(self.engine) as session:
                    row = add_correction({"entities": []}, "annotatore01", session=session,
                                         prediction_id=self.prediction_id, note=note)  # fmt: skip
                    row_id = row.id
                self.acked.append((row_id, note))
            except Exception as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(f"{type(exc).__name__}: {exc}")
            i += 1

    def wait_for(self, n: int, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.acked) < n and time.monotonic() < deadline and not self.errors:
            time.sleep(0.01)
        assert len(self.acked) >= n, self.errors

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        assert self.errors == []


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def bad(capsys, *argv: str) -> str:
    code, _, err = cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("medui: error:"), (code, err)
    return lines[0]


def corrections(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        query = (
            "select id, document_id, prediction_id, note, record, supersedes_id from corrections order by id"
        )
        return conn.execute(query).fetchall()


def notes(path: Path) -> set[str]:
    return {row[3] for row in corrections(path)}


def database() -> Path:
    return store_backup.sqlite_file(get_settings().db_url)


def test_a_backup_taken_while_corrections_are_saved_holds_every_earlier_one(backup_home, capsys, tmp_path):
    engine, (pred_id, _) = backup_home
    writer = Writer(engine, pred_id)
    writer.start()
    writer.wait_for(30)
    committed_before = list(writer.acked)
    code, out, err = cli(capsys, "backup", str(tmp_path / "b" / "medui-backup.sqlite"), "--json")
    after_backup = len(writer.acked)
    writer.wait_for(after_backup + 10)  # the writer was never stopped by the backup
    writer.finish()

    assert code == 0, err
    summary = json.loads(out)
    assert summary["integrity"] == "ok" and summary["revision"] == head_revision()
    path = Path(summary["backup"])
    rows = corrections(path)
    assert set(committed_before) <= {(r[0], r[3]) for r in rows}
    assert {(r[0], r[3]) for r in rows} <= set(writer.acked)  # no half-written or unacknowledged row
    assert summary["counts"]["corrections"] == len(rows) and summary["counts"]["predictions"] == 2
    assert [r[5] for r in rows] == [None] + [r[0] for r in rows[:-1]]  # one chain, as committed
    assert len(writer.acked) > len(rows)  # writes went on after the snapshot
    with sqlite3.connect(path) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("pragma journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert not list(path.parent.glob(".*partial"))


def test_restore_brings_back_exactly_the_backed_up_rows_and_keeps_the_replaced_database(
    backup_home, capsys, tmp_path
):
    engine, (pred_id, other_id) = backup_home
    writer = Writer(engine, pred_id, "before-")
    writer.start()
    writer.wait_for(5)
    writer.finish()
    saved = tmp_path / "saved.sqlite"
    assert cli(capsys, "backup", str(saved))[0] == 0
    backed_up = corrections(saved)
    later = Writer(engine, other_id, "after-")
    later.start()
    later.wait_for(3)
    later.finish()
    everything = corrections(database())

    assert "--force replaces it" in bad(capsys, "restore", str(saved))
    assert corrections(database()) == everything  # refused: nothing changed
    code, out, err = cli(capsys, "restore", str(saved), "--force", "--json")

    assert code == 0, err
    summary = json.loads(out)
    assert corrections(database()) == backed_up
    kept = Path(summary["kept"])
    assert kept.parent == database().parent and kept.name.endswith(".bak")
    assert corrections(kept) == everything
    assert summary["counts"]["corrections"] == len(backed_up) and summary["integrity"] == "ok"
    with session_scope(engine) as session:  # a connection opened before the restore sees the restored rows
        from sqlmodel import func, select

        from medui.backend.store.tables import Correction

        assert session.exec(select(func.count(Correction.id))).one() == len(backed_up)


def test_a_restore_while_corrections_are_saved_loses_none_of_them(backup_home, capsys, tmp_path):
    engine, (pred_id, _) = backup_home
    saved = tmp_path / "saved.sqlite"
    assert cli(capsys, "backup", str(saved))[0] == 0
    writer = Writer(engine, pred_id)
    writer.start()
    writer.wait_for(30)
    code, out, err = cli(capsys, "restore", str(saved), "--force", "--json")
    at_restore = len(writer.acked)
    writer.wait_for(at_restore + 10)
    writer.finish()

    assert code == 0, err
    kept = Path(json.loads(out)["kept"])
    acked = {note for _, note in writer.acked}
    assert acked <= notes(kept) | notes(database())  # each acknowledged save is kept somewhere
    assert notes(kept) & notes(database()) == set()  # and the restore cut the stream in one place
    assert notes(database())  # the writer went on into the restored database


def test_restore_refuses_while_an_evaluation_of_the_database_runs(backup_home, capsys, tmp_path):
    engine, _ = backup_home
    saved = tmp_path / "saved.sqlite"
    assert cli(capsys, "backup", str(saved))[0] == 0
    from medui.backend.store import repo
    from medui.tasks.registry import get_spec

    with session_scope(engine) as session:
        run = repo.save_run(RunInfo(get_spec(scenario.TASK), "m", "cd"), session=session, status="running")
        run.pid = os.getpid()
    runs_before = _count(database(), "runs")
    assert "is running" in bad(capsys, "restore", str(saved), "--force")
    assert _count(database(), "runs") == runs_before == _count(saved, "runs") + 1  # nothing replaced
    assert not list(database().parent.glob("*.bak"))


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def test_a_damaged_database_is_set_aside_whole_and_the_backup_put_in_its_place(backup_home, capsys, tmp_path):
    engine, _ = backup_home
    saved = tmp_path / "saved.sqlite"
    assert cli(capsys, "backup", str(saved))[0] == 0
    engine.dispose()
    for leftover in database().parent.glob("medui.sqlite-*"):
        leftover.unlink()
    database().write_bytes(b"not a database any more")

    code, out, err = cli(capsys, "restore", str(saved), "--force", "--json")

    assert code == 0, err
    assert Path(json.loads(out)["kept"]).read_bytes() == b"not a database any more"
    assert corrections(database()) == corrections(saved)


def _damage(path: Path) -> None:
    """Break the b-tree page of the users table (its page type byte), as a bad disk would."""
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute("select rootpage from sqlite_master where name = 'users'").fetchone()
        (page_size,) = conn.execute("pragma page_size").fetchone()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x07" * 8)


def test_bad_input_gets_one_line_and_exit_2(backup_home, capsys, tmp_path, monkeypatch):
    saved = tmp_path / "saved.sqlite"
    assert cli(capsys, "backup", str(saved))[0] == 0
    before = saved.read_bytes()
    assert "already exists" in bad(capsys, "backup", str(saved))
    assert saved.read_bytes() == before
    assert "is a folder" in bad(capsys, "backup", str(tmp_path))
    assert cli(capsys, "backup", str(saved), "--force")[0] == 0

    text = tmp_path / "notes.txt"
    text.write_text("appunti, non un database\n", encoding="utf-8")
    plain = tmp_path / "plain.sqlite"
    with sqlite3.connect(plain) as conn:
        conn.execute("create table t (x)")
    future = tmp_path / "future.sqlite"
    future.write_bytes(saved.read_bytes())
    with sqlite3.connect(future) as conn:
        conn.execute("update alembic_version set version_num = '9999_future'")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(saved.read_bytes())
    _damage(damaged)
    current = corrections(database())
    assert "no such file" in bad(capsys, "restore", str(tmp_path / "missing.sqlite"), "--force")
    assert "is a folder" in bad(capsys, "restore", str(tmp_path), "--force")
    assert "not a SQLite database" in bad(capsys, "restore", str(text), "--force")
    assert "not a medui database" in bad(capsys, "restore", str(plain), "--force")
    assert "unknown to this medui" in bad(capsys, "restore", str(future), "--force")
    assert "integrity_check failed" in bad(capsys, "restore", str(damaged), "--force")
    assert corrections(database()) == current and not list(database().parent.glob("*.bak"))

    monkeypatch.setenv("MEDUI_DATABASE_URL", "postgresql+psycopg://medui:segreta@127.0.0.1/medui")
    get_settings.cache_clear()
    message = bad(capsys, "backup", str(tmp_path / "pg.sqlite"))
    assert "pg_dump" in message and "segreta" not in message
    assert "pg_restore" in bad(capsys, "restore", str(saved), "--force")


def test_a_backup_never_writes_over_the_live_database_or_its_sqlite_files(
    backup_home, capsys, tmp_path, monkeypatch
):
    engine, (pred_id, _) = backup_home
    writer = Writer(engine, pred_id)
    writer.start()
    writer.wait_for(5)
    writer.finish()
    db = database()
    (tmp_path / "via").symlink_to(db.parent, target_is_directory=True)
    monkeypatch.chdir(db.parent)
    with engine.connect():  # the app's connection stays open: the commits sit in the WAL, not yet in the file
        committed, wal = corrections(db), Path(f"{db}-wal").read_bytes()
        assert wal and committed, "the WAL holds the committed rows"
        for target in (f"{db}-wal", f"{db}-shm", f"{db}-journal", str(db), f"{db.name}-wal",
                       f"../{db.parent.name}/{db.name}-shm", str(tmp_path / "via" / f"{db.name}-wal")):  # fmt: skip
            message = bad(capsys, "backup", target, "--force")
            assert "live database" in message and "write the backup elsewhere" in message, message
        assert Path(f"{db}-wal").read_bytes() == wal and not Path(f"{db}-journal").exists()
        assert corrections(db) == committed
    assert cli(capsys, "backup", f"{db}-copia.sqlite")[0] == 0  # a name that only starts like it is fine


def test_backup_without_a_database_says_so(medui_home, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("MEDUI_DATABASE_URL", raising=False)
    assert "no such file" in bad(capsys, "backup", str(tmp_path / "b.sqlite"))
    assert not (tmp_path / "b.sqlite").exists() and not database().exists()  # nothing made on the way
