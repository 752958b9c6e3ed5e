"""Scratch PostgreSQL databases at 127.0.0.1:5432 (user postgres), whatever TEST_DATABASE_URL
says: some tests need a database of their own to create fresh or to take away."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _admin() -> sa.Engine:
    return sa.create_engine(
        f"{SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )


def drop_database(name: str) -> None:
    """Drop `name`, ending every connection to it (as stopping its server would)."""
    engine = _admin()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def create_database(name: str) -> None:
    engine = _admin()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty database for the block; yields its URL and drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database(name)
    try:
        yield f"{SERVER}/{name}"
    finally:
        drop_database(name)


def analyze(engine: sa.Engine) -> None:
    """On PostgreSQL, ANALYZE the database `engine` reaches, so that its statistics describe the
    rows it now holds, as autovacuum keeps them on a live database (elsewhere, nothing). Those an
    earlier test left may describe rows it has since removed."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
