"""Tokens: stored as a hash, shown once, revocable, expiring, last use noted at most once a
minute, rate-limited per token; a refused token is a JSON 401, a missing scope a JSON 403, and
the API never sets or reads a cookie."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import login

from barraiser.api.models import ApiToken
from barraiser.api.services import revoke_token, token_digest
from barraiser.audit.models import AuditEvent
from barraiser.extensions import db


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_a_token_is_kept_only_as_its_hash(app, user_in_role, make_token, api_as):
    user = user_in_role("recruiter")
    secret = make_token(user)
    assert secret.startswith("brt_") and len(secret) > 40
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == token_digest(secret)
    assert secret not in {stored.token_hash, stored.prefix, stored.name}
    assert api_as(None, token=secret).get("/me").get_json()["email"] == user.email
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "api_token.created" in actions


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer brt_unknown0000000000000000000000000",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer brt_\u00e9\u00e9",
        "Token brt_x",
    ],
)
def test_a_missing_unknown_or_malformed_token_is_a_json_401(app, header, api_as):
    headers = {"Authorization": header} if header else {}
    response = api_as(None).get("/loops", headers=headers)
    _error(response, 401, "unauthorized")
    assert "Set-Cookie" not in response.headers


def test_a_revoked_or_expired_token_is_refused(app, clock, user_in_role, make_token, api_as):
    user = user_in_role("recruiter")
    revoked, expiring = make_token(user), make_token(user, expires_days=1)
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(revoked))
    )
    assert api_as(None, token=revoked).get("/loops").status_code == 200
    revoke_token(token, actor=user, is_admin=False, now=clock())
    db.session.commit()
    _error(api_as(None, token=revoked).get("/loops"), 401, "unauthorized")
    assert api_as(None, token=expiring).get("/loops").status_code == 200
    clock.advance(days=1)
    _error(api_as(None, token=expiring).get("/loops"), 401, "unauthorized")
    assert "api_token.revoked" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_last_use_is_noted_at_most_once_a_minute(app, clock, user_in_role, make_token, api_as):
    secret = make_token(user_in_role("recruiter"))
    api = api_as(None, token=secret)

    def last_used():
        db.session.expire_all()
        return db.session.scalar(sa.select(ApiToken.last_used_at))

    assert last_used() is None
    api.get("/me")
    first = last_used()
    assert first == clock()
    clock.advance(seconds=30)
    api.get("/me")
    assert last_used() == first
    clock.advance(seconds=31)
    api.get("/me")
    assert last_used() == clock()


def test_a_service_token_needs_the_scope(app, user_in_role, api_as):
    admin = user_in_role("admin")
    api = api_as(admin, scopes=("report:read",))
    error = _error(api.get("/loops"), 403, "forbidden")
    assert "loops:read" in error["message"]
    assert api.get("/report").status_code == 200
    _error(api.get("/me"), 403, "forbidden")


def test_the_api_ignores_the_session_cookie_and_sets_none(app, user_in_role, make_token):
    """A browser logged in to the pages is nobody to the API; and the API answers without a
    cookie, whoever calls."""
    user = user_in_role("recruiter")
    client = app.test_client()
    assert login(client, user).status_code == 302
    _error(client.get("/api/v1/loops"), 401, "unauthorized")
    secret = make_token(user)
    response = client.get("/api/v1/loops", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    fresh = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert fresh.status_code == 200 and "Set-Cookie" not in fresh.headers


def test_writes_need_no_csrf_token(app, make_loop, make_token, monkeypatch):
    """CSRF guards cookies; the API takes none, so a bearer token alone is enough to write."""
    built = make_loop()
    own = built.loop.interviews[1]
    secret = make_token(own.interviewer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = app.test_client().put(
        f"/api/v1/interviews/{own.id}/feedback",
        json={"summary": "draft"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": '"0"'},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_each_token_has_its_own_rate_limit(app, user_in_role, make_token, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    user = user_in_role("recruiter")
    first, second = make_token(user), make_token(user)
    client = app.test_client()
    statuses = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    limited = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    _error(limited, 429, "too_many_requests")
    other = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200


def test_create_token_command_prints_the_token_once(app, user_in_role, api_as):
    admin = user_in_role("admin")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-token", "--user", admin.email, "--scope", "loops:read", "--expires-days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("brt_")
    api = api_as(None, token=secret)
    assert api.get("/loops").status_code == 200
    _error(api.get("/users"), 403, "forbidden")
    bad = runner.invoke(args=["create-token", "--user", "nobody@example.com"])
    assert bad.exit_code != 0 and "no user" in bad.output


def test_the_token_page_shows_a_new_token_once(app, login_as):
    client = login_as("interviewer")
    response = client.post("/account/api-tokens", data={"name": "laptop", "expires_days": "30"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    secret = page.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("brt_")
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in again and "laptop" in again and "never" in again
    token = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/api-tokens/{token.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_only_admins_make_service_tokens(app, login_as):
    assert login_as("recruiter").get("/admin/api-tokens").status_code == 403
    admin = login_as("admin")
    response = admin.post("/admin/api-tokens", data={"name": "ats", "scopes": ["loops:read"]})
    assert response.status_code == 201
    refused = admin.post("/admin/api-tokens", data={"name": "none"})
    assert refused.status_code == 422


def test_someone_elses_token_cannot_be_revoked(app, clock, user_in_role, make_token, login_as):
    owner = user_in_role("recruiter")
    make_token(owner)
    token = db.session.scalar(sa.select(ApiToken))
    assert login_as("interviewer").post(f"/api-tokens/{token.id}/revoke").status_code == 404
    clock.advance(minutes=1)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
