"""Store fixtures: every test runs on a temporary SQLite file and, when MEDUI_TEST_POSTGRES_URL is set, on a
fresh PostgreSQL schema dropped afterwards (`eval "$(bash scripts/ci/postgres.sh)"` sets it)."""

from __future__ import annotations

import os

import pytest
from sqlmodel import Session

from medui.backend.store.db import dispose_engines, init_db
from tests.postgres import postgres_schema

POSTGRES_ENV = "MEDUI_TEST_POSTGRES_URL"
NO_POSTGRES = f'{POSTGRES_ENV} is not set: run `eval "$(bash scripts/ci/postgres.sh)"` to run the store tests on PostgreSQL'


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A database URL nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'medui.sqlite'}"
        dispose_engines()
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(NO_POSTGRES)
    with postgres_schema(base) as url:
        try:
            yield url
        finally:
            dispose_engines()


@pytest.fixture
def engine(db_url):
    """An engine on the test database, migrated to the head."""
    eng = init_db(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s
