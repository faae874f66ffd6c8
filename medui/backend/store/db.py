"""Engines and sessions from a URL (SQLite by default, any SQLAlchemy URL), and migrations to the head.

Nothing is built at import time: `make_engine(url)` builds an engine, `get_engine()` builds the configured one
once (upgrading its schema first), `session_scope(engine)` commits on success and rolls back on error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from medui.errors import MeduiError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")  # SQLite's own files next to a database file

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_alembic_lock = threading.Lock()  # Alembic keeps its context in module globals: one migration at a time


class StoreError(MeduiError, ValueError):
    """A request the store cannot fulfil (unknown id, changed record, bad value); the message says why."""


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or migrated (server down, wrong URL, folder not writable)."""


def safe_url(url: str | URL | Engine) -> str:
    """A URL to show: its password hidden."""
    parsed = url.url if isinstance(url, Engine) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def make_engine(url: str | URL, *, migrating: bool = False) -> Engine:
    """A new engine; SQLite gets WAL journaling, a busy timeout and foreign keys, and its folder is made.

    SQLite reads run outside transactions, as pysqlite does by default (a polling session sees new commits,
    as on PostgreSQL); `migrating` makes every transaction an explicit `BEGIN IMMEDIATE`, DDL included.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"{database}: cannot make its folder ({exc.strerror})") from exc
    engine = create_engine(parsed, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    if migrating:
        event.listen(engine, "connect", _sqlite_manual_transactions)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Per-connection SQLite settings."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_database_file(path: str | Path, database: str | Path) -> bool:
    """Whether `path` is a SQLite database or one of SQLite's own files next to it (-wal, -shm, -journal, a -mj
    super-journal), as written or with links resolved: what a backup or an export must never write over."""
    for target in _as_written_and_resolved(path):
        for base in _as_written_and_resolved(database):
            own = {base.name + suffix for suffix in ("", *SQLITE_SIDECARS)}
            sqlite_own = target.name in own or target.name.startswith(f"{base.name}-mj")
            if sqlite_own and target.parent == base.parent:
                return True
    return False


def _as_written_and_resolved(path: str | Path) -> set[Path]:
    """A path made absolute as written ('..' folded) and with its links resolved."""
    path = Path(path).expanduser()
    return {Path(os.path.abspath(path)), path.resolve()}


def _sqlite_manual_transactions(dbapi_connection, _record) -> None:
    """pysqlite's own transaction handling off: it would run DDL outside any transaction."""
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection) -> None:
    """Take the write lock at once, so that concurrent migrations wait for each other instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str | None = None, engine: Engine | None = None):
    """An Alembic config pointing at the package's migrations, for a URL or an engine."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the engine's database to a revision (default: the newest), all in one transaction."""
    from alembic import command

    own = _migration_engine(engine)
    try:
        with _alembic_lock:
            command.upgrade(alembic_config(engine=own), revision)
    finally:
        if own is not engine:
            own.dispose()


def _migration_engine(engine: Engine) -> Engine:
    """For a SQLite file, an engine of the same database with transactional DDL; else the engine itself."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return engine
    return make_engine(engine.url, migrating=True)


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision; None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision in migrations/versions."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def init_db(url: str) -> Engine:
    """An engine for the URL with its schema migrated to the head (an existing database upgrades in place)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    except DBAPIError as exc:
        if _at_head(engine):  # another process migrated it at the same time
            return engine
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"{safe_url(url)}: cannot open or migrate the database ({reason})") from exc
    return engine


def _at_head(engine: Engine) -> bool:
    try:
        return current_revision(engine) == head_revision()
    except DBAPIError:
        return False


def get_engine(url: str | None = None) -> Engine:
    """The shared engine of a URL (default: settings' db_url), built and migrated on first use."""
    if url is None:
        from medui.config import get_settings

        url = get_settings().db_url
    with _engines_lock:
        if url not in _engines:
            _engines[url] = init_db(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close and forget the shared engines (tests, or after a fork)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
