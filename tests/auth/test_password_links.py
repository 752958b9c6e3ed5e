"""Set-password links: sent by an admin (invitation or reset), by the CLI, or from Forgot
password; single use, for 72 hours, the newest only; kept as a hash; the page they open sets the
password, ends the account's sessions and sends the person to log in."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from concurrency import race
from conftest import PASSWORD, login
from flask.testing import FlaskClient

from barraiser.audit.models import AuditEvent
from barraiser.auth.links import issue_password_link, set_password_with_link
from barraiser.auth.models import LoginSession, PasswordLink, PasswordLinkPurpose, User
from barraiser.auth.password_views import RedactLinkTokens
from barraiser.auth.sessions import token_hash
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage

BASE_URL = "https://hiring.example.com"
NEW = "tulip kettle orbit"
LINK = re.compile(r"https?://\S+/set-password/(\S+)")


@pytest.fixture(autouse=True)
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)


def _messages(user: User) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user.id, OutboxMessage.kind == "password_link")
            .order_by(OutboxMessage.id)
        )
    )


def _token(user: User) -> str:
    """The token in the newest set-password message to `user`."""
    match = LINK.search(_messages(user)[-1].body)
    assert match, "the message holds a set-password link"
    return match.group(1)


def _issue(user: User, clock, purpose=PasswordLinkPurpose.RESET) -> str:
    issue_password_link(
        user, purpose=purpose, actor=None, now=clock(), valid_for=timedelta(hours=72)
    )
    db.session.commit()
    return _token(user)


def _set(client: FlaskClient, password: str = NEW, confirm: str | None = None):
    return client.post("/set-password", data={"password": password, "confirm": confirm or password})


def test_the_emailed_link_sets_the_password_ends_every_session_and_sends_to_login(
    app, make_user, clock
):
    ada = make_user("ada@example.com")
    elsewhere = app.test_client()
    login(elsewhere, ada)
    token = _issue(ada, clock)
    body = _messages(ada)[-1].body
    link = LINK.search(body).group(0)
    assert link.startswith(f"{BASE_URL}/set-password/")
    assert "until 2026-03-05 09:00 UTC" in body and ada.email in body

    browser = app.test_client()
    opened = browser.get(urlsplit(link).path)
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/set-password"  # the token leaves the address bar
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form = browser.get("/set-password")
    assert form.status_code == 200 and ada.email in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"

    done = _set(browser)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password is set" in browser.get("/login").get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302  # every session of the account ended
    assert login(app.test_client(), ada).status_code == 401
    assert login(browser, ada, NEW).status_code == 302

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.password_set_by_link")
    )
    assert event.details == {"purpose": "reset", "sessions_ended": 1}
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert not any(token in str(e.details) or NEW in str(e.details) for e in events)
    stored = db.session.scalar(sa.select(PasswordLink))
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    assert stored.used_at == clock()


STATES = ["valid", "used", "expired", "superseded", "unknown", "malformed"]
# (opening the link, submitting the form with it) for each state of the token.
EXPECTED = {
    "valid": (303, 302),
    "used": (410, 410),
    "expired": (410, 410),
    "superseded": (404, 404),
    "unknown": (404, 404),
    "malformed": (404, 404),
}
SAYS = {
    "used": "already used",
    "expired": "expired",
    "superseded": "only the newest one works",
    "unknown": "only the newest one works",
    "malformed": "only the newest one works",
}


def _token_in_state(state: str, user: User, clock) -> str:
    if state == "unknown":
        return secrets.token_urlsafe(32)
    if state == "malformed":
        return "not-a-token"
    token = _issue(user, clock)
    if state == "used":
        set_password_with_link(token, "an earlier new password", now=clock())
        db.session.commit()
    elif state == "expired":
        clock.advance(hours=72)
    elif state == "superseded":
        _issue(user, clock)
    return token


@pytest.mark.parametrize("action", ["open", "submit"])
@pytest.mark.parametrize("state", STATES)
def test_token_states(app, make_user, clock, state, action):
    ada = make_user("ada@example.com")
    token = _token_in_state(state, ada, clock)
    db.session.expire_all()
    before = ada.password_hash
    client = app.test_client()
    if action == "open":
        response = client.get(f"/set-password/{token}")
    else:
        with client.session_transaction() as cookie:
            cookie["password_link_token"] = token
        response = _set(client)
    assert response.status_code == EXPECTED[state][action == "submit"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    db.session.expire_all()
    if state in SAYS:
        assert SAYS[state] in response.get_data(as_text=True)
        assert ada.password_hash == before
    elif action == "submit":
        assert login(app.test_client(), ada, NEW).status_code == 302


def test_a_link_works_until_its_72nd_hour(app, make_user, clock):
    ada = make_user("ada@example.com")
    token = _issue(ada, clock)
    clock.advance(hours=71, minutes=59)
    assert app.test_client().get(f"/set-password/{token}").status_code == 303


def test_the_form_without_an_opened_link_is_a_404(client):
    assert client.get("/set-password").status_code == 404
    assert _set(client).status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"password": "short", "confirm": "short"}, 422, "at least 12"),
        ({"password": "password1234", "confirm": "password1234"}, 422, "too easy to guess"),
        ({"password": "ada@example.com1", "confirm": "ada@example.com1"}, 422, "name or email"),
        ({"password": NEW, "confirm": NEW + "!"}, 400, "The two passwords differ"),
        ({"password": NEW}, 400, "This field is required"),
        ({}, 400, "This field is required"),
        ({"password": "x" * 100_000, "confirm": "x" * 100_000}, 400, "longer than"),
        ({"password": ["one", "two"], "confirm": "one"}, 422, "at least 12"),  # the first counts
    ],
)
def test_a_refused_password_leaves_the_link_usable(app, make_user, clock, data, status, says):
    ada = make_user("ada@example.com")
    token = _issue(ada, clock)
    client = app.test_client()
    client.get(f"/set-password/{token}")
    response = client.post("/set-password", data=data)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert _set(client).status_code == 302


def test_a_deactivated_account_s_link_no_longer_works(app, make_user, login_as, clock):
    ada = make_user("ada@example.com")
    token = _issue(ada, clock)
    ada.active = False
    db.session.commit()
    response = app.test_client().get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "deactivated" in response.get_data(as_text=True)


def test_two_uses_of_one_link_at_once_leave_one_password(app, make_user, clock):
    """The link is marked used by an UPDATE that only an unused link matches: of two browsers
    submitting at the same moment, one sets the password and the other gets 410."""
    ada = make_user("ada@example.com")
    token = _issue(ada, clock)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert client.get(f"/set-password/{token}").status_code == 303
    results = race(
        app, lambda: _set(first, "first new password"), lambda: _set(second, "second new password")
    )
    assert sorted(response.status_code for response in results) == [302, 410]
    winner = "first new password" if results[0].status_code == 302 else "second new password"
    loser = ({"first new password", "second new password"} - {winner}).pop()
    assert login(app.test_client(), ada, winner).status_code == 302
    assert login(app.test_client(), ada, loser).status_code == 401
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "user.password_set_by_link")
        )
        == 1
    )


def test_the_token_does_not_reach_the_request_log():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", "GET /set-password/SeCrEtToKeN_-123 HTTP/1.1", "303", "-"),
        None,
    )
    assert RedactLinkTokens().filter(record)
    assert "SeCrEtToKeN" not in record.getMessage()
    assert "GET /set-password/[token] HTTP/1.1" in record.getMessage()
    assert any(isinstance(f, RedactLinkTokens) for f in logging.getLogger("werkzeug").filters)


# --- Admins send links; new and imported users are invited by one --------------------------


def test_an_admin_invites_a_user_without_a_password_from_the_list(app, login_as, make_user):
    imported = make_user("ivy@example.com", password=None)  # as the history importer makes them
    admin = login_as("admin")
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "no password" in listing and "Send invitation" in listing
    response = admin.post(f"/admin/users/{imported.id}/password-link")
    assert response.status_code == 302
    (message,) = _messages(imported)
    assert message.subject == "Set your Bar Raiser password"
    assert "invited you" in message.body
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "invited" in listing and "link until" in listing
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.password_link_sent")
    )
    assert event.actor_id == admin.user.id and event.details["purpose"] == "invite"
    assert _token(imported) not in str(event.details)

    browser = app.test_client()
    browser.get(urlsplit(LINK.search(message.body).group(0)).path)
    assert _set(browser).status_code == 302
    assert login(browser, imported, NEW).status_code == 302


def test_an_admin_sends_a_reset_link_to_rotate_a_password(app, login_as, make_user, clock):
    ada = make_user("ada@example.com")
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{ada.id}").get_data(as_text=True)
    assert "Send reset link" in page
    old = _issue(ada, clock)
    admin.post(f"/admin/users/{ada.id}/password-link", data={"next": f"/admin/users/{ada.id}"})
    assert _messages(ada)[-1].subject == "Reset your Bar Raiser password"
    # The older link stops working; the password keeps working until the new link is used.
    assert app.test_client().get(f"/set-password/{old}").status_code == 404
    assert login(app.test_client(), ada).status_code == 302


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "inspector", "interviewer"])
def test_only_admins_send_links(login_as, make_user, role):
    ada = make_user("ada@example.com")
    assert login_as(role).post(f"/admin/users/{ada.id}/password-link").status_code == 403
    assert _messages(ada) == []


def test_sending_a_link_to_a_deactivated_or_missing_user_is_refused(login_as, make_user):
    ada = make_user("ada@example.com")
    ada.active = False
    db.session.commit()
    admin = login_as("admin")
    assert admin.post(f"/admin/users/{ada.id}/password-link").status_code == 422
    assert admin.post("/admin/users/987654/password-link").status_code == 404
    assert _messages(ada) == []


def _new_user(**overrides):
    data = {
        "name": "Nora New",
        "email": "nora@example.com",
        "level": "6",
        "bar_raiser_status": "none",
        "active": "y",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("form", "invited", "can_log_in"),
    [
        ({"invite": "y"}, True, False),
        ({"invite": "y", "password": "a long enough password"}, False, True),
        ({}, False, False),
    ],
    ids=["invited", "typed-password", "neither"],
)
def test_the_new_user_form_invites_or_takes_a_password(app, login_as, form, invited, can_log_in):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data=_new_user(**form))
    assert response.status_code == 302
    nora = db.session.scalar(sa.select(User).where(User.email == "nora@example.com"))
    assert len(_messages(nora)) == (1 if invited else 0)
    assert (nora.password_hash is not None) is can_log_in
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert ("emailed a link" in shown) is invited


def test_the_cli_invites_by_email_or_every_user_without_a_password(app, make_user):
    ada = make_user("ada@example.com")
    ivy = make_user("ivy@example.com", password=None)
    ian = make_user("ian@example.com", password=None)
    gone = make_user("gus@example.com", password=None)
    gone.active = False
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invite", "--email", "ADA@example.com"])
    assert result.exit_code == 0, result.output
    assert _messages(ada)[-1].subject.startswith("Reset")
    result = runner.invoke(args=["invite", "--all-without-password"])
    assert result.exit_code == 0 and "2 user(s)" in result.output
    assert [len(_messages(u)) for u in (ivy, ian, gone)] == [1, 1, 0]
    result = runner.invoke(args=["invite", "--email", "nobody@example.com"])
    assert result.exit_code == 1 and "No user" in result.output
    assert runner.invoke(args=["invite"]).exit_code == 2


# --- Forgot password ------------------------------------------------------------------------


def _forgot(client: FlaskClient, email: str, address: str = "203.0.113.7"):
    return client.post(
        "/forgot-password", data={"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def test_the_login_page_offers_forgot_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    assert client.get("/forgot-password").status_code == 200


def test_forgot_password_answers_alike_and_sends_only_to_an_active_account(app, make_user, clock):
    ada = make_user("ada@example.com")
    ivy = make_user("ivy@example.com", password=None)  # imported: may set a first password
    gus = make_user("gus@example.com")
    gus.active = False
    db.session.commit()
    answers = {
        email: _forgot(app.test_client(), email, f"192.0.2.{n}")
        for n, email in enumerate(
            ["ada@example.com", "nobody@example.com", "gus@example.com", "IVY@example.com "]
        )
    }
    bodies = {response.get_data(as_text=True) for response in answers.values()}
    assert {response.status_code for response in answers.values()} == {200}
    assert len(bodies) == 1
    assert "If an account exists for that address, we've sent a link" in bodies.pop()
    assert [len(_messages(user)) for user in (ada, ivy, gus)] == [1, 1, 0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
    browser = app.test_client()
    browser.get(f"/set-password/{_token(ada)}")
    assert _set(browser).status_code == 302
    assert login(browser, ada, NEW).status_code == 302


def test_forgot_password_cannot_flood_one_person_s_inbox(app, make_user):
    ada = make_user("ada@example.com")
    answers = [_forgot(app.test_client(), ada.email, f"192.0.2.{n}").status_code for n in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert len(_messages(ada)) == 3
    # Someone else still gets theirs.
    bob = make_user("bob@example.com")
    assert _forgot(app.test_client(), bob.email, "192.0.2.99").status_code == 200


def test_forgot_password_is_limited_per_address(app):
    answers = [_forgot(app.test_client(), f"p{n}@example.com").status_code for n in range(11)]
    assert answers == [200] * 10 + [429]


def test_an_unknown_address_is_limited_like_a_known_one(app, make_user):
    make_user("ada@example.com")
    known = [_forgot(app.test_client(), "ada@example.com", f"198.51.100.{n}") for n in range(4)]
    unknown = [_forgot(app.test_client(), "nobody@example.com", f"192.0.2.{n}") for n in range(4)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 3 + [429]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({}, 400),
        ({"email": ""}, 400),
        ({"email": "x" * 5000 + "@example.com"}, 400),
        ({"email": "a\u202e@example.com"}, 200),  # odd, harmless: answered like any other
        ({"email": ["a@example.com", "b@example.com"]}, 200),  # a repeated field: the first
    ],
    ids=["missing", "empty", "huge", "odd", "twice"],
)
def test_forgot_password_refuses_bad_input_with_a_400(client, data, status):
    response = client.post("/forgot-password", data=data)
    assert response.status_code == status


def test_a_session_survives_the_link_only_when_it_is_someone_else_s(app, make_user, clock):
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    token = _issue(ada, clock)
    bobs = app.test_client()
    login(bobs, bob)
    bobs.get(f"/set-password/{token}")
    assert _set(bobs).status_code == 302
    # Bob, who opened Ada's link in his browser, is signed out of it; his other sessions stay.
    assert bobs.get("/").status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == bob.id)
        )
        == 0
    )
    assert login(app.test_client(), ada, NEW).status_code == 302
    assert login(app.test_client(), bob, PASSWORD).status_code == 302
