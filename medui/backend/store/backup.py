"""Backup and restore of the SQLite database while the app keeps writing: consistent copies, nothing lost.

`backup(url, path)` copies the live database with SQLite's online backup API in one step: one consistent
snapshot (in WAL mode writers go on meanwhile), written to a temporary file next to `path`, checked
(integrity_check, the Alembic revision, the row counts of the main tables) and only then renamed into place.

`restore(url, path)` checks the backup the same way, stages a copy of it migrated to the head, then swaps it
in. Into a live database the swap is one write transaction: it takes the write lock, copies the current
database to a timestamped `.bak` next to it, replaces every table's rows with the staged ones and commits, so
readers see the old or the new database and every write committed before the swap is in the `.bak`. A target
that is not a readable medui database is renamed to the `.bak` instead. While an evaluation or a training job
of the target runs, restore refuses: the job would go on writing into rows the restore removes.
PostgreSQL has its own tools (pg_dump, pg_restore); both functions say so.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from medui.backend.processes import pid_alive
from medui.backend.store.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    StoreError,
    head_revision,
    is_database_file,
    upgrade,
)

MAIN_TABLES = (
    "users", "documents", "runs", "predictions", "corrections", "assignments", "adjudications", "training_jobs",
    "model_variants",
)  # fmt: skip
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000


class BackupError(StoreError):
    """A backup or restore that cannot be done; the message says why in one line."""


# paths and checks --------------------------------------------------------------------------------------
def sqlite_file(url: str) -> Path:
    """The database file of a SQLite URL; other databases get a pointer to their own tools."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"the database is {parsed.get_backend_name()} ({parsed.render_as_string(hide_password=True)}): "
            "back it up with pg_dump (pg_dump -Fc) and restore it with pg_restore; medui backup is for SQLite"
        )
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url}: not a SQLite database file")
    return Path(database).expanduser()


def _is_sqlite_file(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _existing_database(path: Path, what: str) -> None:
    """Refuse a path that is missing, a folder or not a SQLite file."""
    if not path.exists():
        raise BackupError(f"{path}: no such file ({what})")
    if path.is_dir():
        raise BackupError(f"{path}: is a folder, not a database file ({what})")
    if path.stat().st_size and not _is_sqlite_file(path):
        raise BackupError(f"{path}: not a SQLite database ({what})")


@contextlib.contextmanager
def _connect(path: Path, mode: str = "rw") -> Iterator[sqlite3.Connection]:
    """A connection to an existing file (mode ro or rw: never creates one), closed afterwards."""
    conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def check(path: Path) -> dict:
    """What a medui database file holds, checked: integrity_check, its Alembic revision, main table counts."""
    _existing_database(path, "expected a medui database")
    try:
        with _connect(path, "ro") as conn:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = _revision(conn) if "alembic_version" in tables else None
            counts = {
                t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in MAIN_TABLES
                if t in tables
            }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: damaged, integrity_check failed ({exc})") from None
    if integrity != ["ok"]:
        raise BackupError(f"{path}: damaged, integrity_check failed ({'; '.join(integrity[:3])})")
    if revision is None:
        raise BackupError(f"{path}: not a medui database (no alembic_version table)")
    return {"integrity": "ok", "revision": revision, "counts": counts}


def _revision(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _known_revision(revision: str, path: Path) -> None:
    """Refuse a backup whose schema this medui does not know (made by a newer version)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from medui.backend.store.db import alembic_config

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise BackupError(
            f"{path}: schema revision {revision} is unknown to this medui (newest {head_revision()}): "
            "restore it with the medui version that made it"
        ) from None


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """The online backup API in one step (one consistent snapshot), into a self-contained file (no WAL)."""
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as out:
        source.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")


def _unlink_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# backup -------------------------------------------------------------------------------------------------
def backup(url: str, target: Path, *, force: bool = False) -> dict:
    """Copy the live database at `url` to `target` (refusing to overwrite a file unless `force`), checked."""
    source, target = sqlite_file(url), Path(target).expanduser()
    _existing_database(source, "the configured database")
    if target.is_dir():
        raise BackupError(f"{target}: is a folder; give the backup file's path")
    if is_database_file(target, source):  # the live database, or its WAL: committed rows would be lost
        raise BackupError(
            f"{target}: is the live database ({source}) or one of SQLite's own files next to it "
            "(-wal, -shm, -journal); write the backup elsewhere"
        )
    if target.exists() and not force:
        raise BackupError(f"{target}: already exists (--force replaces it)")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    start = time.perf_counter()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _connect(source) as conn:
            _copy(conn, partial)
        checked = check(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"{target}: cannot write the backup ({exc.strerror})") from None
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: the backup failed ({exc})") from None
    finally:
        _unlink_quietly(partial)
    return {"database": str(source), "backup": str(target), "bytes": target.stat().st_size,
            "seconds": round(time.perf_counter() - start, 3), **checked}  # fmt: skip


# restore ------------------------------------------------------------------------------------------------
def restore(url: str, backup_file: Path, *, force: bool = False) -> dict:
    """Replace the database at `url` with a backup (checked, migrated to the head); the replaced one kept."""
    target, backup_file = sqlite_file(url), Path(backup_file).expanduser()
    checked = check(backup_file)
    _known_revision(checked["revision"], backup_file)
    if is_database_file(backup_file, target):
        raise BackupError(f"{backup_file}: is the database itself")
    if target.is_dir():
        raise BackupError(f"{target}: the configured database is a folder")
    replaces = target.exists() and target.stat().st_size > 0
    if replaces and not force:
        raise BackupError(
            f"{target}: a database is there; --force replaces it (it is kept as a timestamped .bak next to it)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.restoring")
    try:
        _stage(backup_file, staged)
        kept = _swap_in(target, staged) if replaces else _place(staged, target)
        restored = check(target)
    except OSError as exc:
        raise BackupError(f"{target}: cannot restore ({exc.strerror})") from None
    except sqlite3.Error as exc:
        raise BackupError(f"{target}: the restore failed and changed nothing ({exc})") from None
    finally:
        _unlink_quietly(staged, Path(f"{staged}-journal"), Path(f"{staged}-wal"), Path(f"{staged}-shm"))
    return {"database": str(target), "backup": str(backup_file), "kept": kept and str(kept),
            "backup_revision": checked["revision"], **restored}  # fmt: skip


def _stage(backup_file: Path, staged: Path) -> None:
    """A copy of the backup next to the target, migrated to the head revision."""
    from medui.backend.store.db import make_engine

    with _connect(backup_file, "ro") as conn:
        _copy(conn, staged)
    engine = make_engine(f"sqlite:///{staged}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _place(staged: Path, target: Path) -> None:
    """No database to replace: the staged copy becomes the database (a rename, atomic)."""
    _unlink_quietly(target, Path(f"{target}-wal"), Path(f"{target}-shm"))  # an empty file and its leftovers
    os.replace(staged, target)


def _bak_path(target: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path, n = target.with_name(f"{target.name}.{stamp}.bak"), 1
    while path.exists():
        path, n = target.with_name(f"{target.name}.{stamp}-{n}.bak"), n + 1
    return path


def _swap_in(target: Path, staged: Path) -> Path:
    """Replace the target's contents with the staged copy's; returns the .bak holding what it replaced."""
    bak = _bak_path(target)
    try:
        check(target)
    except BackupError:  # not a medui database, or damaged: nothing to merge into; set it aside whole
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{target}{suffix}").exists():
                os.replace(f"{target}{suffix}", f"{bak}{suffix}")
        os.replace(staged, target)
        return bak
    from medui.backend.store.db import make_engine

    engine = make_engine(f"sqlite:///{target}")  # an older target schema first goes to the head, as staged
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    with _connect(target) as conn:
        _replace_rows(conn, target, staged, bak)
    return bak


def _refuse_while_jobs_run(conn: sqlite3.Connection, target: Path) -> None:
    """Refuse while an evaluation or a training job of the target runs: it would write into removed rows."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    pid = "pid" if "pid" in columns else "json_extract(parameters, '$.pid')"  # before migration 0003
    runs = conn.execute(f"SELECT id, {pid} FROM runs WHERE status = 'running'").fetchall()
    jobs = conn.execute("SELECT id, pid FROM training_jobs WHERE status IN ('queued', 'running')").fetchall()
    for what, rows in (("evaluation run", runs), ("training job", jobs)):
        for row_id, pid in rows:
            if pid_alive(pid):
                raise BackupError(
                    f"{target}: {what} {row_id} is running (process {pid}); wait for it or stop the app first"
                )


def _replace_rows(conn: sqlite3.Connection, target: Path, staged: Path, bak: Path) -> None:
    """In one write transaction: copy the target to `bak`, then replace every table's rows with the staged ones."""
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("ATTACH DATABASE ? AS staged", (str(staged),))
    try:
        # No other writer commits from here to COMMIT: the .bak holds every earlier write, and no job starts.
        conn.execute("BEGIN IMMEDIATE")
        try:
            _refuse_while_jobs_run(conn, target)
            conn.execute("PRAGMA defer_foreign_keys=ON")  # checked at COMMIT, once every table is in
            with _connect(target) as reader:  # sees every commit: none can come after our lock is taken
                _copy(reader, bak)
            for table in _tables(conn, "main"):
                columns = _columns(conn, "main", table)
                if columns != _columns(conn, "staged", table):
                    raise BackupError(f"{staged}: table {table} differs from the database's after migrating")
                names = ", ".join(f'"{c}"' for c in sorted(columns))
                conn.execute(f'DELETE FROM main."{table}"')
                conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM staged."{table}"')
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            _unlink_quietly(bak)
            raise
    finally:
        conn.execute("DETACH DATABASE staged")


def _tables(conn: sqlite3.Connection, schema: str) -> list[str]:
    query = f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return [row[0] for row in conn.execute(query)]


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'PRAGMA {schema}.table_info("{table}")')}
