"""The audit log is append-only and browsable by admins."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AppendOnlyError, AuditEvent
from barraiser.audit.services import record
from barraiser.extensions import db


def test_audit_events_cannot_be_changed_or_deleted(app, clock):
    event = record("thing.done", actor=None, subject_type="thing", subject_id=1, now=clock())
    db.session.commit()
    event.action = "thing.undone"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "thing.done"


def test_admin_browses_and_filters_the_log(login_as, make_user):
    admin = login_as("admin")
    make_user("ben@example.com")
    page = admin.get("/admin/audit/?action=user.created").get_data(as_text=True)
    assert "user.created" in page
    assert "user.logged_in" not in page
    everything = admin.get("/admin/audit/").get_data(as_text=True)
    assert "user.logged_in" in everything


def test_every_login_and_logout_is_recorded(login_as):
    admin = login_as("admin")
    admin.post("/logout")
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == admin.user.id)
    ).all()
    assert actions == ["user.logged_in", "user.logged_out"]


def test_filter_input_is_treated_as_text_not_a_pattern(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/audit/?action=%25").get_data(as_text=True)
    assert "No events match." in page
