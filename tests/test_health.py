"""`GET /healthz`, for load balancers: 200 while the database answers, 503 once it does not.
No login, no session cookie, never rate-limited, one cheap statement, never cached."""

from __future__ import annotations

import pytest
from flask import Flask
from postgres import drop_database, scratch_database

from barraiser import create_app
from barraiser.extensions import db


def _app(database_url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )


def test_ok_without_login_session_or_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_one_statement_and_no_object_loaded(client, count_queries):
    with count_queries() as counted:
        assert client.get("/healthz").status_code == 200
    assert [statement.strip() for statement in counted.statements] == ["SELECT 1"]


def test_never_rate_limited(app, client):
    # Far past the failed-login limits of one address: a balancer asks every few seconds.
    statuses = {client.get("/healthz").status_code for _ in range(150)}
    assert statuses == {200}
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


@pytest.mark.parametrize(
    "database_url",
    [
        # Nothing listens on port 9 of localhost: the connection is refused.
        "postgresql+psycopg://postgres@127.0.0.1:9/nothing",
        "sqlite:////nonexistent-folder/for-sure/barraiser.db",
    ],
)
def test_503_when_the_database_cannot_be_reached(database_url):
    response = _app(database_url).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_server_whose_database_goes_away_answers_503(tmp_path):
    """A real PostgreSQL database, answering, then gone (every connection ended, as when its
    server stops): the same app, with its pooled connection, turns to 503."""
    with scratch_database("br_health") as url:
        app = _app(url)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        drop_database(url.rsplit("/", 1)[1])
        assert client.get("/healthz").status_code == 503
        with app.app_context():
            db.engine.dispose()
