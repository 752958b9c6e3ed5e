"""The password policy (NIST SP 800-63B) wherever a password is chosen; changing your own
password; argon2id hashes move to the current parameters at the next login."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from conftest import PASSWORD, login

from barraiser.audit.models import AuditEvent
from barraiser.auth import services
from barraiser.auth.models import LoginSession, User
from barraiser.auth.passwords import MAX_LENGTH, MIN_LENGTH, problems
from barraiser.extensions import db

ADA = {"email": "ada.lovelace@example.com", "name": "Ada Lovelace"}


@pytest.mark.parametrize(
    ("password", "refused_for"),
    [
        (PASSWORD, None),  # the test suite's password
        ("raise-the-bar", None),  # the demo's (13 characters)
        ("tulip kettle orbit", None),
        ("tk9mv2lq8wzr", None),  # 12 characters; no capital or symbol is asked for
        ("Zq7!", "at least 12"),
        ("eleven-char", "at least 12"),
        ("w" * (MAX_LENGTH + 1), "at most 256"),
        ("password1234", "too easy to guess"),
        ("Password123!", "too easy to guess"),  # a capital and a symbol do not help
        ("qwertyuiopasdfgh", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("abcdefghijklmnop", "too easy to guess"),
        ("iloveyou2024", "too easy to guess"),
        ("ada.lovelace@example.com", "name or email"),
        ("ada.lovelace-2026", "name or email"),
        ("AdaLovelace#rocks", "name or email"),
        ("lovelace tulip kettle", "name or email"),
    ],
)
def test_the_policy(password, refused_for):
    found = problems(password, **ADA)
    if refused_for is None:
        assert found == []
    else:
        assert len(found) == 1 and refused_for in found[0], found


def test_the_limits_are_the_standard_s():
    assert (MIN_LENGTH, MAX_LENGTH) == (12, 256)
    longest = "".join(hashlib.sha256(str(n).encode()).hexdigest() for n in range(4))
    assert len(longest) == MAX_LENGTH
    assert problems(longest, **ADA) == []


def test_the_admin_s_new_user_form_applies_the_policy_next_to_the_field(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new",
        data={
            "name": "Nora New",
            "email": "nora@example.com",
            "level": "6",
            "bar_raiser_status": "none",
            "active": "y",
            "password": "password1234",
        },
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "nora@example.com")) is None


@pytest.mark.parametrize(
    ("password", "accepted"), [("short pw", False), ("a strong password", True)]
)
def test_the_cli_s_create_user_applies_the_policy(app, password, accepted):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "root@example.com",
            "--name",
            "Root",
            "--password",
            password,
        ]
    )
    assert (result.exit_code == 0) is accepted, result.output
    if not accepted:
        assert "at least 12" in result.output and "Traceback" not in result.output


def _sessions(user: User) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


NEW = "tulip kettle orbit"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": confirm or new},
    )


def test_changing_your_password_ends_your_other_sessions_and_keeps_this_one(app, make_user):
    ada = make_user("ada@example.com")
    laptop, phone, tablet = (app.test_client() for _ in range(3))
    for client in (laptop, phone, tablet):
        assert login(client, ada).status_code == 302
    bob = make_user("bob@example.com")
    bobs = app.test_client()
    login(bobs, bob)

    response = _change(laptop)
    assert response.status_code == 302
    assert "2 other session" in laptop.get(response.headers["Location"]).get_data(as_text=True)
    assert laptop.get("/").status_code == 200
    for client in (phone, tablet):
        assert client.get("/").status_code == 302  # to the login page
    assert bobs.get("/").status_code == 200  # someone else's session is left alone
    assert _sessions(ada) == 1
    assert login(app.test_client(), ada).status_code == 401
    assert login(app.test_client(), ada, NEW).status_code == 302
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.password_changed")
    )
    assert event.actor_id == ada.id and event.details == {"sessions_ended": 2}
    assert NEW not in str(event.details) and PASSWORD not in str(event.details)


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"current": "not my password"}, 422, "not your current password"),
        ({"new": "password1234"}, 422, "too easy to guess"),
        ({"new": "short"}, 422, "at least 12"),
        ({"new": "ada@example.com!!"}, 422, "name or email"),
        ({"new": PASSWORD}, 422, "not using now"),
        ({"confirm": "tulip kettle orbiT"}, 400, "The two passwords differ"),
        ({"current": ""}, 400, "This field is required"),
        ({"new": "x" * 5000}, 400, "Field cannot be longer"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(app, make_user, form, status, message):
    ada = make_user("ada@example.com")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, ada)
    login(phone, ada)
    response = _change(laptop, **form)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _sessions(ada) == 2
    assert login(app.test_client(), ada).status_code == 302


def test_the_account_menu_leads_to_the_password_page(login_as):
    client = login_as("interviewer")
    assert 'href="/account/profile"' in client.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in client.get("/account/profile").get_data(as_text=True)
    assert "Change your password" in client.get("/account/password").get_data(as_text=True)


def test_a_hash_made_with_other_parameters_is_rehashed_at_the_next_login(app, make_user):
    ada = make_user("ada@example.com")
    old = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash(PASSWORD)
    ada.password_hash = old
    db.session.commit()
    current = services._hasher
    assert current.check_needs_rehash(old)

    assert login(app.test_client(), ada, "wrong password!!").status_code == 401
    db.session.expire_all()
    assert ada.password_hash == old  # only a successful login rehashes

    assert login(app.test_client(), ada).status_code == 302
    db.session.expire_all()
    assert ada.password_hash != old
    assert not current.check_needs_rehash(ada.password_hash)
    assert current.verify(ada.password_hash, PASSWORD)
    assert login(app.test_client(), ada).status_code == 302


def test_guessing_the_current_password_through_the_change_form_is_limited(app, make_user):
    ada = make_user("ada@example.com")
    client = app.test_client()
    login(client, ada)
    answers = [_change(client, current=f"guess number {n}").status_code for n in range(6)]
    assert answers == [422] * 5 + [429]
    assert _change(client).status_code == 429  # even the right one, for a while
    other = app.test_client()
    login(other, make_user("bob@example.com"))
    assert _change(other).status_code == 302  # another account is not affected
