"""A PostgreSQL schema of its own for a test or a benchmark run, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def postgres_schema(base_url: str, prefix: str = "test") -> Iterator[str]:
    """A URL on a new schema of `base_url`'s database (its search_path), dropped with its tables afterwards.

    Close every engine on the URL before leaving: an open connection would keep the schema from being dropped.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
