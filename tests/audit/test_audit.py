"""The audit log is append-only and browsable by admins."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AppendOnlyError, AuditEvent
from barraiser.audit.services import events_for, record
from barraiser.auth.models import User
from barraiser.extensions import db


def test_audit_events_cannot_be_changed_or_deleted(app, clock):
    event = record("thing.done", actor=None, subject="thing", now=clock())
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


def test_an_event_names_its_subject_by_table_and_key(app, make_user, clock):
    """The subject's type and id come from the row itself; a row not yet flushed is refused,
    rather than recorded as being about nothing."""
    ben = make_user("ben@example.com")
    event = record("user.looked_at", actor=None, subject=ben, now=clock())
    assert (event.subject_type, event.subject_id) == ("user", ben.id)
    assert events_for(ben)[-1] == event
    with pytest.raises(ValueError, match="flush it first"):
        record("user.looked_at", actor=None, subject=User(email="x@example.com"), now=clock())


def test_admin_browses_and_filters_the_log(login_as, make_user):
    admin = login_as("admin")
    make_user("ben@example.com")
    page = admin.get("/admin/audit/?action=user.created").get_data(as_text=True)
    events = page[page.index('data-testid="audit-events"') :]
    assert "created the account of" in events
    assert "logged in" not in events
    everything = admin.get("/admin/audit/").get_data(as_text=True)
    assert "logged in" in everything[everything.index('data-testid="audit-events"') :]


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
