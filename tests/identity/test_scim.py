"""SCIM 2.0 provisioning as Entra ID and Okta drive it: create, replace, patch, filter, page,
deactivate (sessions end at once), delete; errors are SCIM JSON, never HTML."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from concurrency import race
from identity_setup import add_scim_token

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import LoginSession, Role, User
from barraiser.extensions import db
from barraiser.identity.models import ScimToken
from barraiser.loops.queries import people_choices
from barraiser.loops.suggest import eligible_bar_raisers

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
def scim(app):
    """A client that sends SCIM requests with a live token."""
    token = add_scim_token()
    client = app.test_client()

    def send(method: str, path: str, body=None, *, secret: str | None = None, raw=None):
        headers = {"Authorization": f"Bearer {secret or token}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            headers["Content-Type"] = "application/scim+json"
        return client.open(f"/scim/v2{path}", method=method, data=data, headers=headers)

    return send


def _new_user(email="ada@example.com", **extra):
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": email,
        "externalId": "ext-" + email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"department": "Payments"},
        **extra,
    }


def _error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/scim+json"
    body = response.get_json(force=True)
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_then_get_and_filter(scim):
    created = scim("POST", "/Users", _new_user())
    assert created.status_code == 201 and created.mimetype == "application/scim+json"
    body = created.get_json(force=True)
    assert body["userName"] == "ada@example.com" and body["externalId"] == "ext-ada@example.com"
    assert body["displayName"] == "Ada Lovelace" and body["active"] is True
    assert body[ENTERPRISE]["department"] == "Payments"
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    assert scim("GET", f"/Users/{body['id']}").get_json(force=True)["id"] == body["id"]
    found = scim("GET", '/Users?filter=userName eq "ADA@example.com"').get_json(force=True)
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"]
    assert (
        scim("GET", '/Users?filter=userName eq "bob@example.com"').get_json(force=True)[
            "totalResults"
        ]
        == 0
    )
    by_external = scim("GET", '/Users?filter=externalId eq "ext-ada@example.com"')
    assert by_external.get_json(force=True)["totalResults"] == 1


def test_a_second_create_of_the_same_user_is_a_uniqueness_error(scim):
    scim("POST", "/Users", _new_user())
    _error(scim("POST", "/Users", _new_user()), 409, "uniqueness")


def test_list_pages_with_start_index_and_count(scim, make_user):
    for n in range(5):
        make_user(f"person{n}@example.com")
    page = scim("GET", "/Users?startIndex=2&count=2").get_json(force=True)
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == [
        "person1@example.com",
        "person2@example.com",
    ]
    assert scim("GET", "/Users?count=0").get_json(force=True)["Resources"] == []


def test_put_replaces_the_user(scim):
    user_id = scim("POST", "/Users", _new_user()).get_json(force=True)["id"]
    replaced = scim(
        "PUT",
        f"/Users/{user_id}",
        _new_user(
            "ada.l@example.com", displayName="Ada King", **{ENTERPRISE: {"department": "Risk"}}
        ),
    )
    assert replaced.status_code == 200
    ada = _user("ada.l@example.com")
    assert ada.name == "Ada King" and ada.department == "Risk"


@pytest.mark.parametrize(
    ("operations", "check"),
    [
        pytest.param(
            [{"op": "Replace", "path": "active", "value": "False"}],
            lambda u: not u.active,
            id="entra-active-string",
        ),
        pytest.param(
            [{"op": "replace", "value": {"active": False}}],
            lambda u: not u.active,
            id="okta-active-object",
        ),
        pytest.param(
            [
                {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "Replace", "path": "name.familyName", "value": "King"},
            ],
            lambda u: u.name == "Augusta King",
            id="name-parts",
        ),
        pytest.param(
            [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ak@example.com"}],
            lambda u: u.email == "ak@example.com",
            id="work-email",
        ),
        pytest.param(
            [{"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Risk"}],
            lambda u: u.department == "Risk",
            id="enterprise-department",
        ),
        pytest.param(
            [{"op": "Add", "path": "title", "value": "Engineer"}],
            lambda u: u.name == "Ada Lovelace",
            id="kept-nowhere-ignored",
        ),
    ],
)
def test_patch_operations_entra_and_okta_send(scim, operations, check):
    user_id = scim("POST", "/Users", _new_user()).get_json(force=True)["id"]
    response = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": operations})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert check(db.session.get(User, int(user_id)))


def test_deactivation_ends_sessions_at_once_and_keeps_the_user(scim, login_as, app):
    interviewer = login_as("interviewer")
    assert interviewer.get("/").status_code == 200
    found = scim("GET", '/Users?filter=userName eq "interviewer@example.com"').get_json(force=True)
    user_id = found["Resources"][0]["id"]
    patch = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert scim("PATCH", f"/Users/{user_id}", patch).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    following = interviewer.get("/")
    assert following.status_code == 302 and "/login" in following.headers["Location"]
    assert _user("interviewer@example.com").active is False
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "identity.scim_user_updated")
    ).one()
    assert event.details["changes"]["active"] == [True, False]


def test_delete_deactivates_keeps_history_and_hides_the_resource(scim, login_as):
    client = login_as("interviewer")
    user_id = scim("GET", '/Users?filter=userName eq "interviewer@example.com"').get_json(
        force=True
    )["Resources"][0]["id"]
    assert scim("DELETE", f"/Users/{user_id}").status_code == 204
    assert client.get("/").status_code == 302
    assert _user("interviewer@example.com").active is False  # kept, with all it wrote
    _error(scim("GET", f"/Users/{user_id}"), 404)
    # Provisioned again later: the same account comes back.
    again = scim("POST", "/Users", _new_user("interviewer@example.com"))
    assert again.status_code == 201 and again.get_json(force=True)["id"] == user_id
    assert _user("interviewer@example.com").active is True


def test_a_deactivated_bar_raiser_is_no_longer_suggested(scim, make_loop, clock):
    built = make_loop()
    requisition = built.loop.requisition
    bar_raiser_id = built.bar_raiser.id

    def suggested() -> list[int]:
        db.session.expire_all()
        return [
            load.user.id
            for load in eligible_bar_raisers(requisition, hiring_manager_id=None, now=clock())
        ]

    assert bar_raiser_id in suggested()
    patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    assert scim("PATCH", f"/Users/{bar_raiser_id}", patch).status_code == 200
    assert bar_raiser_id not in suggested()
    assert bar_raiser_id not in [user_id for user_id, _ in people_choices()]


def test_the_last_active_admin_is_not_deactivated(scim, make_user):
    admin = make_user("root@example.com", roles=(Role.ADMIN,))
    patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    _error(scim("PATCH", f"/Users/{admin.id}", patch), 400, "mutability")
    assert _user("root@example.com").active is True


@pytest.mark.parametrize(
    ("method", "path", "body", "scim_type"),
    [
        ("POST", "/Users", {"userName": "a@example.com"}, "invalidSyntax"),  # no schemas
        ("POST", "/Users", {"schemas": [USER]}, "invalidValue"),  # no userName
        ("POST", "/Users", {"schemas": [USER], "userName": "not an email"}, "invalidValue"),
        (
            "POST",
            "/Users",
            {"schemas": [USER], "userName": "a@b.c", "active": "maybe"},
            "invalidValue",
        ),
        ("POST", "/Users", {"schemas": [USER], "userName": "a\u0000@b.c"}, "invalidValue"),
        (
            "POST",
            "/Users",
            {"schemas": [USER], "userName": "a@b.c", "displayName": "x" * 121},
            "invalidValue",
        ),
        ("POST", "/Users", [], "invalidSyntax"),
        ("PATCH", "/Users/{id}", {"schemas": [PATCH], "Operations": []}, "invalidSyntax"),
        (
            "PATCH",
            "/Users/{id}",
            {"schemas": [PATCH], "Operations": [{"op": "move"}]},
            "invalidSyntax",
        ),
        (
            "PATCH",
            "/Users/{id}",
            {"schemas": [PATCH], "Operations": [{"op": "add", "path": "shoeSize", "value": 9}]},
            "invalidPath",
        ),
        (
            "PATCH",
            "/Users/{id}",
            {"schemas": [PATCH], "Operations": [{"op": "remove", "path": "userName"}]},
            "mutability",
        ),
        ("GET", '/Users?filter=name co "x"', None, "invalidFilter"),
        ("GET", "/Users?startIndex=one", None, "invalidValue"),
    ],
)
def test_bad_input_is_a_scim_error_and_changes_nothing(scim, method, path, body, scim_type):
    user_id = scim("POST", "/Users", _new_user()).get_json(force=True)["id"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    _error(scim(method, path.replace("{id}", user_id), body), 400, scim_type)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_body_that_is_not_json_is_a_scim_error(scim):
    _error(scim("POST", "/Users", raw="{not json"), 400, "invalidSyntax")


@pytest.mark.parametrize("path", ["/Users/999999", "/Users/abc", "/Groups", "/Users/99999999999"])
def test_unknown_resources_are_scim_404s(scim, path):
    _error(scim("GET", path), 404)


def test_a_wrong_or_revoked_token_is_a_401(scim, app, clock):
    assert scim("GET", "/Users").status_code == 200
    token = db.session.scalars(sa.select(ScimToken)).one()
    assert token.last_used_at == clock()
    _error(scim("GET", "/Users", secret="brscim_wrong"), 401)
    response = app.test_client().get("/scim/v2/Users")
    _error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token.revoked_at = clock()
    db.session.commit()
    _error(scim("GET", "/Users"), 401)


def test_two_creates_of_one_user_at_once_leave_one_user_and_a_409(app):
    """The directory retrying a create while the first is in flight: one 201, one 409."""
    token = add_scim_token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    body = json.dumps(_new_user())

    def create():
        return app.test_client().post("/scim/v2/Users", data=body, headers=headers).status_code

    assert sorted(race(app, create, create)) == [201, 409]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_pages_far_past_the_end_are_empty(scim):
    scim("POST", "/Users", _new_user())
    far = scim("GET", f"/Users?startIndex={10**30}&count={10**30}")
    assert far.status_code == 200 and far.get_json(force=True)["Resources"] == []
    assert (
        scim("GET", '/Users?filter=id eq "99999999999999"').get_json(force=True)["totalResults"]
        == 0
    )


def test_single_discovery_documents(scim):
    assert scim("GET", "/ResourceTypes/User").get_json(force=True)["endpoint"] == "/Users"
    assert scim("GET", f"/Schemas/{USER}").get_json(force=True)["id"] == USER
    _error(scim("GET", "/Schemas/urn:nothing"), 404)


def test_scim_needs_no_csrf_token_where_forms_do(app, scim):
    """Production checks CSRF on every form; SCIM's bearer token stands in for it."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert scim("POST", "/Users", _new_user()).status_code == 201
        assert app.test_client().post("/login", data={"email": "a@b.c"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
