"""The admin's single sign-on page: group rules and SCIM tokens, each change audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.extensions import db
from barraiser.identity.models import ClaimRule, ScimToken


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "inspector", "interviewer"])
def test_only_admins_reach_the_page(login_as, role):
    client = login_as(role)
    assert client.get("/admin/identity").status_code == 403
    assert client.post("/admin/identity/scim-tokens", data={"name": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScimToken)) == 0


def test_an_admin_adds_and_removes_a_rule(login_as):
    admin = login_as("admin")
    added = admin.post(
        "/admin/identity/rules",
        data={"value": "eng-managers", "roles": ["hiring_manager"], "level": "7"},
    )
    assert added.status_code == 302
    rule = db.session.scalars(sa.select(ClaimRule)).one()
    assert rule.roles == ["hiring_manager"] and rule.level == 7 and rule.department is None
    page = admin.get("/admin/identity").get_data(as_text=True)
    assert "eng-managers" in page and "Hiring manager" in page
    twice = admin.post("/admin/identity/rules", data={"value": "eng-managers", "level": "5"})
    assert twice.status_code == 409
    assert admin.post(f"/admin/identity/rules/{rule.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRule)) == 0
    assert _actions()[-2:] == ["identity.rule_added", "identity.rule_removed"]


@pytest.mark.parametrize(
    "data",
    [
        {"value": ""},
        {"value": "g", "level": "13"},
        {"value": "g", "roles": ["owner"]},
        {"value": "g"},
    ],
)
def test_a_bad_rule_is_refused_and_changes_nothing(login_as, data):
    response = login_as("admin").post("/admin/identity/rules", data=data)
    assert response.status_code in (400, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRule)) == 0


def test_a_token_is_shown_once_stored_hashed_and_revocable(login_as, app):
    admin = login_as("admin")
    created = admin.post("/admin/identity/scim-tokens", data={"name": "Entra ID"})
    page = created.get_data(as_text=True)
    assert "shown this once only" in page
    secret = page.split('id="scim-secret" class="user-select-all">')[1].split("<")[0]
    token = db.session.scalars(sa.select(ScimToken)).one()
    assert secret not in token.token_hash and len(token.token_hash) == 64
    assert secret not in admin.get("/admin/identity").get_data(as_text=True)
    scim = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert scim.get("/scim/v2/ServiceProviderConfig", headers=headers).status_code == 200
    assert admin.post(f"/admin/identity/scim-tokens/{token.id}/revoke").status_code == 302
    assert scim.get("/scim/v2/Users", headers=headers).status_code == 401
    assert "identity.scim_token_revoked" in _actions()


def test_the_discovery_documents_describe_users(app):
    from identity_setup import add_scim_token

    headers = {"Authorization": f"Bearer {add_scim_token()}"}
    client = app.test_client()
    config = client.get("/scim/v2/ServiceProviderConfig", headers=headers).get_json(force=True)
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    types = client.get("/scim/v2/ResourceTypes", headers=headers).get_json(force=True)
    assert types["Resources"][0]["endpoint"] == "/Users"
    schemas = client.get("/scim/v2/Schemas", headers=headers).get_json(force=True)
    assert {s["id"] for s in schemas["Resources"]} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    }
