"""Login sessions end after an idle spell and after a maximum age, whatever the activity; the
expired browser lands on the login page, told why, and comes back where it was going."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, login

from barraiser.auth.models import LoginSession, Role
from barraiser.config import from_environment
from barraiser.extensions import db

EXPIRED = "Your session expired; sign in again."


def _rows() -> list[LoginSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LoginSession)))


@pytest.mark.parametrize(
    ("visits", "signed_in"),
    [
        # Hours after login at which the browser makes a request; the last one is the test.
        ([11.9], True),
        ([12], False),  # idle for the default 12 hours
        ([11, 22.9], True),  # each request restarts the idle clock
        ([11, 23.1], False),
        ([*range(6, 24 * 7, 6), 24 * 7 - 0.1], True),  # busy all week, just under 7 days
        ([*range(6, 24 * 7, 6), 24 * 7], False),  # busy all week: 7 days is the most
    ],
    ids=["idle-just-under", "idle", "active", "idle-after-activity", "busy-week", "week-is-up"],
)
def test_sessions_expire_idle_or_at_their_maximum_age(client, make_user, clock, visits, signed_in):
    ada = make_user("ada@example.com")
    start = clock()
    assert login(client, ada).status_code == 302
    for hours in visits[:-1]:
        clock.set(start + timedelta(hours=hours))
        assert client.get("/").status_code == 200
    clock.set(start + timedelta(hours=visits[-1]))
    response = client.get("/")
    assert response.status_code == (200 if signed_in else 302)
    assert len(_rows()) == (1 if signed_in else 0)  # an expired session's row is deleted


def test_the_limits_are_settings(app, client, make_user, clock):
    app.config.update(SESSION_IDLE_HOURS=1, SESSION_MAX_DAYS=1)
    try:
        ada = make_user("ada@example.com")
        login(client, ada)
        clock.advance(minutes=59)
        assert client.get("/").status_code == 200
        clock.advance(minutes=60)
        assert client.get("/").status_code == 302
    finally:
        app.config.update(SESSION_IDLE_HOURS=12, SESSION_MAX_DAYS=7)


def test_an_expired_session_goes_to_login_says_why_and_comes_back(client, make_user, clock):
    ada = make_user("ada@example.com")
    login(client, ada)
    clock.advance(hours=13)
    response = client.get("/loops/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Floops%2F%3Fpage%3D2"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert EXPIRED in page
    assert "Please log in" not in page
    # The copied cookie is worth nothing now: the row is gone.
    assert _rows() == []
    # Signing in again goes back where the person was going.
    again = login_next(client, ada, "/loops/?page=2")
    assert again.headers["Location"] == "/loops/?page=2"
    assert client.get("/loops/?page=2").status_code == 200


def login_next(client, user, target):
    return client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )


def test_the_message_waits_for_the_page_when_a_background_request_found_the_expiry(
    client, make_user, clock
):
    ada = make_user("ada@example.com")
    login(client, ada)
    clock.advance(hours=13)
    background = client.get("/", headers={"Accept": "application/json"})
    assert background.status_code == 302
    response = client.get("/", follow_redirects=True)
    assert EXPIRED in response.get_data(as_text=True)
    # Said once: the next time it is the ordinary request to log in.
    again = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert EXPIRED not in again and "Please log in" in again


def test_the_signed_in_user_comes_with_their_roles_in_one_statement(
    client, make_user, count_queries
):
    """Every page asks what the user may do: their roles are read with them, not after."""
    ada = make_user("ada@example.com", roles=(Role.ADMIN, Role.RECRUITER))
    login(client, ada)
    with count_queries() as counted:
        page = client.get("/notifications/").get_data(as_text=True)
    reading_the_user = [s for s in counted.statements if "login_session" in s]
    assert len(reading_the_user) == 1 and "user_role" in reading_the_user[0]
    assert not [s for s in counted.statements if "FROM user_role" in " ".join(s.split())]
    assert "/admin/users" in page and "/candidates/" in page  # both roles in force


def test_a_session_is_marked_seen_at_most_once_a_minute(client, make_user, clock, count_queries):
    ada = make_user("ada@example.com")
    login(client, ada)
    opened = _rows()[0].last_seen_at
    with count_queries() as counted:
        for _ in range(5):
            clock.advance(seconds=10)
            assert client.get("/").status_code == 200
    assert not [s for s in counted.statements if s.lstrip().upper().startswith("UPDATE")]
    assert _rows()[0].last_seen_at == opened
    clock.advance(seconds=15)  # 65 s since login
    client.get("/")
    assert _rows()[0].last_seen_at == clock()


def _environment(monkeypatch, tmp_path: Path, **variables: str) -> dict[str, object]:
    for name in ("BARRAISER_ENV", "FLASK_ENV", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "configured")
    return from_environment(tmp_path)


def test_in_production_the_session_cookie_is_a_host_cookie(monkeypatch, tmp_path):
    config = _environment(monkeypatch, tmp_path, BARRAISER_ENV="production")
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_PATH"] == "/"
    assert config["SESSION_COOKIE_DOMAIN"] is None
    assert (config["SESSION_IDLE_HOURS"], config["SESSION_MAX_DAYS"]) == (12, 7)


@pytest.mark.parametrize(
    "variables",
    [{}, {"BARRAISER_ENV": "production", "SESSION_COOKIE_SECURE": "0"}],
    ids=["development", "production-over-plain-http"],
)
def test_elsewhere_the_cookie_keeps_its_plain_name(monkeypatch, tmp_path, variables):
    """A __Host- cookie without Secure is dropped by browsers: no prefix where it can't be."""
    config = _environment(monkeypatch, tmp_path, **variables)
    assert config["SESSION_COOKIE_NAME"] == "session"


def test_the_limits_come_from_the_environment(monkeypatch, tmp_path):
    config = _environment(monkeypatch, tmp_path, SESSION_IDLE_HOURS="2", SESSION_MAX_DAYS="30")
    assert (config["SESSION_IDLE_HOURS"], config["SESSION_MAX_DAYS"]) == (2, 30)


def test_the_host_cookie_is_what_a_production_login_sets(app, make_user, monkeypatch, tmp_path):
    config = _environment(monkeypatch, tmp_path, BARRAISER_ENV="production")
    cookie_settings = {key: value for key, value in config.items() if key.startswith("SESSION_")}
    saved = {key: app.config[key] for key in cookie_settings}
    app.config.update(cookie_settings)
    try:
        ada = make_user("ada@example.com")
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": ada.email, "password": PASSWORD},
            base_url="https://bar-raiser.example.com",
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
        assert not any(part.startswith("domain=") for part in attributes)
        assert client.get("/", base_url="https://bar-raiser.example.com").status_code == 200
    finally:
        app.config.update(saved)


def test_an_expired_session_that_opens_the_login_page_itself_is_told_why(client, make_user, clock):
    ada = make_user("ada@example.com")
    login(client, ada)
    clock.advance(days=8)
    page = client.get("/login")
    assert page.status_code == 200
    assert EXPIRED in page.get_data(as_text=True)
    assert _rows() == []
