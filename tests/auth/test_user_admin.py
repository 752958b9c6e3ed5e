"""Admins create users, change their roles, certify Bar Raisers and deactivate accounts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import login

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.extensions import db


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _form(**overrides):
    data = {
        "name": "Nora New",
        "email": "nora@example.com",
        "department": "Search",
        "level": "6",
        "roles": ["recruiter"],
        "bar_raiser_status": "none",
        "active": "y",
        "password": "a long enough password",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_log_in(login_as, app):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data=_form())
    assert response.status_code == 302
    nora = _user("nora@example.com")
    assert nora.roles == {Role.RECRUITER}
    assert (nora.department, nora.level) == ("Search", 6)
    assert login(app.test_client(), nora, "a long enough password").status_code == 302
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.created", AuditEvent.subject_id == nora.id
        )
    )
    assert event.actor_id == admin.user.id


def test_user_created_without_password_cannot_log_in_yet(login_as, app):
    login_as("admin").post("/admin/users/new", data=_form(password=""))
    nora = _user("nora@example.com")
    assert nora.password_hash is None
    assert login(app.test_client(), nora, "anything-at-all").status_code == 401


def test_duplicate_email_is_refused_next_to_the_field(login_as):
    admin = login_as("admin")
    admin.post("/admin/users/new", data=_form())
    response = admin.post("/admin/users/new", data=_form(email="NORA@example.com", name="Other"))
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("level", "0"),
        ("level", "thirteen"),
        ("email", "not-an-email"),
        ("name", ""),
        ("roles", "emperor"),
        ("bar_raiser_status", "grand_master"),
    ],
)
def test_bad_user_form_input_is_refused_and_changes_nothing(login_as, field, value):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data=_form(**{field: value}))
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.get_data(as_text=True)
    assert _user("nora@example.com") is None


def test_certifying_a_bar_raiser_records_who_and_when(login_as, make_user, clock):
    admin = login_as("admin")
    bea = make_user("bea@example.com", department="Logistics")
    response = admin.post(
        f"/admin/users/{bea.id}",
        data=_form(name="Bea", department="Logistics", roles=[], bar_raiser_status="certified"),
    )
    assert response.status_code == 302
    bea = _user("bea@example.com")
    assert bea.bar_raiser_status is BarRaiserStatus.CERTIFIED
    assert bea.certified_by_id == admin.user.id
    assert bea.certified_at == clock()
    assert "since 2026-03-02" in admin.get("/admin/users").get_data(as_text=True)


def test_admin_cannot_certify_themselves(login_as):
    admin = login_as("admin")
    response = admin.post(
        f"/admin/users/{admin.user.id}",
        data=_form(name="Admin", roles=["admin"], bar_raiser_status="certified"),
    )
    assert response.status_code == 422
    assert "Nobody certifies themselves" in response.get_data(as_text=True)
    assert _user(admin.user.email).bar_raiser_status is BarRaiserStatus.NONE


def test_deactivating_a_user_ends_their_sessions(login_as, make_user, app):
    admin = login_as("admin")
    ben = make_user("ben@example.com")
    ben_browser = login_as(ben)
    assert ben_browser.get("/").status_code == 200
    admin.post(f"/admin/users/{ben.id}", data=_form(name="Ben", roles=[], active=""))
    assert ben_browser.get("/").status_code == 302
    assert login(app.test_client(), ben).status_code == 401


def test_roles_can_be_changed(login_as, make_user):
    admin = login_as("admin")
    ben = make_user("ben@example.com")
    admin.post(f"/admin/users/{ben.id}", data=_form(name="Ben", roles=["inspector", "recruiter"]))
    assert _user("ben@example.com").roles == {Role.INSPECTOR, Role.RECRUITER}
    admin.post(f"/admin/users/{ben.id}", data=_form(name="Ben", roles=["inspector"]))
    assert _user("ben@example.com").roles == {Role.INSPECTOR}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"roles": ["recruiter"]}, "cannot remove your own admin role"),
        ({"roles": ["admin"], "active": ""}, "cannot deactivate your own account"),
    ],
)
def test_admin_cannot_lock_themselves_out(login_as, change, message):
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{admin.user.id}", data=_form(name="Admin", **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Role.ADMIN in _user(admin.user.email).roles


def test_edit_page_shows_current_values(login_as, make_user):
    admin = login_as("admin")
    ben = make_user("ben@example.com", roles=(Role.RECRUITER,), department="Search", level=5)
    page = admin.get(f"/admin/users/{ben.id}").get_data(as_text=True)
    assert 'value="Search"' in page
    assert (
        'value="recruiter" checked' in page
        or 'checked id="roles-1"' in page
        or (
            "checked" in page.split('value="recruiter"')[1].split(">")[0]
            or "checked" in page.split('value="recruiter"')[0].rsplit("<", 1)[1]
        )
    )
