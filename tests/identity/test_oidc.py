"""Signing in through a real (local) OpenID Connect provider: accounts made and matched, group
rules applied at every login, and every answer that cannot be trusted refused with a page."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from conftest import login
from identity_setup import add_rule
from oidc_provider import CLIENT_ID, pick_at_provider, query_of, sso_login, start_sign_in

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import LoginSession, Role, User
from barraiser.extensions import db
from barraiser.identity.models import IdentityLink


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_the_login_page_offers_the_provider_only_when_configured(client, app, provider):
    assert "Sign in with Acme ID" in client.get("/login").get_data(as_text=True)
    app.config["OIDC_DISCOVERY_URL"] = ""
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404


def test_the_authorization_request_uses_pkce_state_and_nonce(client, provider):
    query = query_of(start_sign_in(client))
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and query["state"] and query["nonce"]
    assert query["client_id"] == CLIENT_ID


def test_first_login_makes_the_account_with_the_roles_of_its_groups(client, provider, app, clock):
    add_rule("bar-raiser-recruiters", roles=[Role.RECRUITER], department="Talent", level=5)
    provider.add_user(
        "s-1",
        email="Ada@Example.com",
        email_verified=True,
        name="Ada Lovelace",
        groups=["bar-raiser-recruiters", "unrelated"],
    )
    response = sso_login(client, "s-1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    ada = _user("ada@example.com")
    assert ada is not None and ada.name == "Ada Lovelace"
    assert ada.roles == {Role.RECRUITER} and ada.department == "Talent" and ada.level == 5
    assert client.get("/").status_code == 200  # signed in
    [applied] = _events("identity.claims_applied")
    assert applied.details["changes"]["roles"] == [[], ["recruiter"]]


def test_the_next_login_applies_changed_groups_and_records_it(client, provider, app):
    add_rule("recruiters", roles=[Role.RECRUITER])
    add_rule("committee", roles=[Role.INSPECTOR])
    provider.add_user("s-1", email="ada@example.com", email_verified=True, groups=["recruiters"])
    sso_login(client, "s-1")
    client.post("/logout/sso")
    provider.users["s-1"]["groups"] = ["committee"]
    second = app.test_client()
    assert sso_login(second, "s-1").status_code == 302
    assert _user("ada@example.com").roles == {Role.INSPECTOR}
    last = _events("identity.claims_applied")[-1]
    assert last.details["changes"]["roles"] == [["recruiter"], ["inspector"]]
    assert last.details["groups"] == ["committee"]


def test_roles_no_rule_names_stay_as_an_admin_set_them(client, provider, make_user):
    add_rule("recruiters", roles=[Role.RECRUITER])
    make_user("ada@example.com", roles=(Role.HIRING_MANAGER, Role.RECRUITER))
    provider.add_user("s-1", email="ada@example.com", email_verified=True, groups=[])
    sso_login(client, "s-1")
    assert _user("ada@example.com").roles == {Role.HIRING_MANAGER}


def test_an_existing_account_is_matched_by_email_then_bound_to_the_subject(
    client, provider, make_user, app
):
    existing = make_user("ada@example.com", name="Ada")
    provider.add_user("s-1", email="ada@example.com", email_verified=True, name="Ada L")
    sso_login(client, "s-1")
    [link] = db.session.scalars(sa.select(IdentityLink)).all()
    assert link.user_id == existing.id and link.subject == "s-1" and link.issuer == provider.url
    # The provider changes the address: the same account, now with the new one.
    provider.users["s-1"]["email"] = "ada.lovelace@example.com"
    assert sso_login(app.test_client(), "s-1").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert _user("ada.lovelace@example.com").id == existing.id


def test_an_unverified_email_is_refused(client, provider):
    provider.add_user("s-1", email="ada@example.com", email_verified=False)
    response = sso_login(client, "s-1")
    assert response.status_code == 403
    assert "has not verified the address" in response.get_data(as_text=True)
    assert _user("ada@example.com") is None


def test_a_deactivated_account_is_refused(client, provider, make_user, app, clock):
    ada = make_user("ada@example.com")
    ada.active = False
    db.session.commit()
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    response = sso_login(client, "s-1")
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0


def _refused(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "Sign-in could not be completed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_wrong_state_is_refused(client, provider):
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    callback = pick_at_provider(start_sign_in(client), "s-1")
    state = query_of(callback)["state"]
    _refused(client.get(callback.replace(state, "forged-state")))


def test_an_answer_for_another_browser_is_refused(client, provider, app):
    """The callback replayed in a browser that did not start the sign-in has no state for it."""
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    callback = pick_at_provider(start_sign_in(client), "s-1")
    _refused(app.test_client().get(callback))


@pytest.mark.parametrize(
    "misbehave",
    [
        pytest.param(lambda p: setattr(p, "nonce_override", "another-nonce"), id="wrong nonce"),
        pytest.param(lambda p: setattr(p, "audience", "another-app"), id="wrong audience"),
        pytest.param(lambda p: setattr(p, "lifetime", -600), id="expired"),
        pytest.param(lambda p: setattr(p, "sign_with_rogue_key", True), id="bad signature"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_is_refused(client, provider, misbehave):
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    misbehave(provider)
    _refused(sso_login(client, "s-1"))


def test_an_error_from_the_provider_is_a_page(client, provider):
    start_sign_in(client)
    _refused(client.get("/login/sso/callback?error=access_denied&state=x"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_provider_is_a_503_page(client, app, provider):
    app.config["OIDC_DISCOVERY_URL"] = f"http://127.0.0.1:{_closed_port()}/.well-known/x"
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)
    assert "Sign in with Acme ID" in client.get("/login").get_data(as_text=True)


def test_nothing_is_fetched_from_the_provider_before_the_first_sign_in(client, provider):
    assert "Sign in with Acme ID" in client.get("/login").get_data(as_text=True)
    assert provider.requests_served == 0
    start_sign_in(client)
    assert provider.requests_served == 1  # the discovery document, once


def test_an_email_change_onto_another_account_is_refused(client, provider, make_user, app):
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    sso_login(client, "s-1")
    make_user("taken@example.com")
    provider.users["s-1"]["email"] = "taken@example.com"
    response = sso_login(app.test_client(), "s-1")
    assert response.status_code == 409
    assert "another Bar Raiser account already has it" in response.get_data(as_text=True)
    assert _user("ada@example.com") is not None


def test_logout_ends_the_session_here_and_at_the_provider(client, provider):
    provider.add_user("s-1", email="ada@example.com", email_verified=True)
    sso_login(client, "s-1")
    response = client.post("/logout/sso")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{provider.url}/logout?")
    sent = query_of(response.headers["Location"])
    assert sent["id_token_hint"] and sent["post_logout_redirect_uri"].endswith("/login")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    assert client.get("/").status_code == 302  # back to the login page


def test_with_password_login_off_only_break_glass_accounts_use_a_password(
    client, app, provider, make_user
):
    make_user("ada@example.com")
    make_user("root@example.com", roles=(Role.ADMIN,))
    app.config.update(PASSWORD_LOGIN=False, PASSWORD_LOGIN_BREAK_GLASS={"root@example.com"})
    try:
        page = client.get("/login").get_data(as_text=True)
        assert "Administrator sign-in with a password" in page
        refused = login(client, "ada@example.com")
        assert refused.status_code == 401
        assert "Passwords are not used here" in refused.get_data(as_text=True)
        assert login(app.test_client(), "root@example.com").status_code == 302
    finally:
        app.config.update(PASSWORD_LOGIN=True, PASSWORD_LOGIN_BREAK_GLASS=frozenset())
