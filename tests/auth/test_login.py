"""Logging in and out as a person would, and the ways it must refuse."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, login

from barraiser.auth.models import Role


def test_login_with_the_right_password_lands_on_home(client, make_user):
    user = make_user("ada@example.com", roles=(Role.ADMIN,))
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Ada" in home.get_data(as_text=True)


def test_wrong_password_does_not_log_in(client, make_user):
    user = make_user("ada@example.com")
    response = login(client, user, password="wrong password")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still sent to the login page


def test_unknown_email_and_inactive_user_are_refused_alike(client, make_user, app):
    user = make_user("gone@example.com")
    user.active = False
    from barraiser.extensions import db

    db.session.commit()
    assert login(client, user).status_code == 401
    assert login(client, "nobody@example.com").status_code == 401


def test_user_without_password_cannot_log_in(client, make_user):
    user = make_user("invited@example.com", password=None)
    assert login(client, user, password="").status_code == 400
    assert login(client, user, password="anything at all").status_code == 401


def test_sixth_failed_login_within_fifteen_minutes_is_refused_with_429(client, make_user):
    user = make_user("ada@example.com")
    for _ in range(5):
        assert login(client, user, password="wrong password").status_code == 401
    refused = login(client, user, password="wrong password")
    assert refused.status_code == 429
    # Even the right password waits here: the limit is on this account from this address.
    assert login(client, user).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(client, make_user):
    user = make_user("ada@example.com")
    for _ in range(8):
        assert login(client, user).status_code == 302
        client.post("/logout")


def test_session_is_rotated_at_login(client, make_user):
    user = make_user("ada@example.com")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_makes_a_copied_cookie_useless(app, make_user):
    user = make_user("ada@example.com")
    browser = app.test_client()
    login(browser, user)
    stolen = browser.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_requires_post(client, make_user):
    login(client, make_user("ada@example.com"))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/principles/", "/principles/"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_redirects_within_the_app(client, make_user, target, expected):
    user = make_user("ada@example.com")
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_failed_login_is_logged_without_the_password(client, make_user, caplog):
    user = make_user("ada@example.com")
    with caplog.at_level("WARNING"):
        login(client, user, password="hunter2-secret")
    assert "ada@example.com" in caplog.text
    assert "hunter2-secret" not in caplog.text


def test_login_page_requires_csrf_token_when_csrf_is_on(app, client, make_user):
    user = make_user("ada@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = login(client, user)
        assert response.status_code == 400
        assert client.get("/").status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
