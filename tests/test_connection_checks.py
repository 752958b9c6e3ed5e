"""A pooled PostgreSQL connection is checked before each request uses it, without a round trip:
a request exchanges with the server its BEGIN, its statements and its COMMIT, nothing more; and a
connection the server has since closed (a restart or failover ends every connection; an idle
timeout ends the idle ones) is replaced before the request sees it, so the page still answers.

On a PostgreSQL database of its own whatever TEST_DATABASE_URL says: on SQLite the pool's check
is SQLAlchemy's own, run in the process."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from postgres import SERVER, scratch_database

from barraiser import create_app
from barraiser.auth.models import Role
from barraiser.auth.services import create_user
from barraiser.cli import upgrade_and_seed
from barraiser.extensions import db

PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[Flask, str]]:
    """An app on a PostgreSQL database of its own, with an admin who can log in; and the
    database's name."""
    with scratch_database("connection_checks") as url:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_PROFILE": "CHEAPEST",
                "RATELIMIT_STORAGE_URI": "memory://",
                "SERVER_NAME": None,
            }
        )
        with app.app_context():
            upgrade_and_seed()
            create_user(
                email="admin@example.com",
                name="Ada Admin",
                roles=(Role.ADMIN,),
                password=PASSWORD,
                actor=None,
                now=datetime.now(UTC),
            )
            db.session.commit()
        yield app, url.rsplit("/", 1)[1]
        with app.app_context():
            db.engine.dispose()


def _logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _on_the_server(database: str, sql: str) -> Any:
    """Run `sql` on a connection of the test's own (not the app's pool), in autocommit."""
    engine = sa.create_engine(
        f"{SERVER}/{database}", isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )
    with engine.connect() as connection:
        result = connection.exec_driver_sql(sql)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


def _app_connections(database: str) -> int:
    return _on_the_server(
        database,
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )[0][0]


def _end_the_apps_connections(database: str) -> None:
    _on_the_server(
        database,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    _until_the_app_has_no_connection(database)


def _until_the_app_has_no_connection(database: str) -> None:
    deadline = time.monotonic() + 10
    while _app_connections(database) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _app_connections(database) == 0


def _time_out_the_apps_idle_connections(app: Flask, database: str, client: FlaskClient) -> None:
    """An idle timeout of 0.2 s on the database, a request (its connection is made under the
    timeout and goes back to the pool idle), then a wait past it: the server closes the idle
    connection, as a server or a pooler with an idle timeout does."""
    _on_the_server(database, f'ALTER DATABASE "{database}" SET idle_session_timeout = 200')
    try:
        with app.app_context():
            db.engine.pool.dispose()  # the next connection is made under the timeout
        assert client.get("/").status_code == 200
    finally:
        _on_the_server(database, f'ALTER DATABASE "{database}" RESET idle_session_timeout')
    _until_the_app_has_no_connection(database)  # 0.2 s after the request


@pytest.mark.parametrize(
    "ended_by",
    ["terminated", "idle_timeout"],
    ids=["the server ended them (a restart, a failover)", "the server's idle timeout"],
)
def test_a_page_answers_after_the_server_closed_the_pooled_connections(postgres, ended_by):
    app, database = postgres
    client = _logged_in(app)
    assert client.get("/").status_code == 200
    if ended_by == "terminated":
        _end_the_apps_connections(database)
    else:
        _time_out_the_apps_idle_connections(app, database, client)
    response = client.get("/")
    assert response.status_code == 200
    assert "Ada Admin" in response.get_data(as_text=True)  # still logged in, the page whole


def _trace(connections: list[Any], path: Path) -> int:
    """Trace what each connection sends and receives into `path` (libpq's own trace)."""
    from psycopg import pq

    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    for connection in connections:
        connection.pgconn.trace(descriptor)
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
    return descriptor


def test_a_request_exchanges_with_the_server_only_its_own_statements(postgres, tmp_path):
    """Every exchange with the server ends with its ReadyForQuery: the request's are BEGIN, one
    per statement, and COMMIT. (SQLAlchemy's check, a round trip, would add one.)"""
    app, _database = postgres
    connections: list[Any] = []
    statements: list[str] = []

    def connected(dbapi_connection: Any, _record: Any) -> None:
        connections.append(dbapi_connection)

    def executing(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    engine.dispose()
    sa.event.listen(engine, "connect", connected)
    sa.event.listen(engine, "before_cursor_execute", executing)
    try:
        _exchanges_of_a_page(app, connections, statements, tmp_path / "trace.txt")
    finally:
        sa.event.remove(engine, "connect", connected)
        sa.event.remove(engine, "before_cursor_execute", executing)


def _exchanges_of_a_page(
    app: Flask, connections: list[Any], statements: list[str], trace: Path
) -> None:
    client = _logged_in(app)
    assert client.get("/").status_code == 200
    assert connections  # the request's connection is back in the pool
    descriptor = _trace(connections, trace)
    statements.clear()
    try:
        assert client.get("/").status_code == 200
    finally:
        for connection in connections:
            connection.pgconn.untrace()  # flushes the trace
        os.close(descriptor)
    sent = trace.read_text()
    exchanges = sent.count("\tReadyForQuery\t")
    assert statements, "the page read nothing"
    assert sent.splitlines()[0].endswith('Query\t "BEGIN"')
    assert exchanges == 1 + len(statements) + 1, sent
