"""Flags become action items: created from the report, moved along, shown until closed, every
change an audit event; refused inputs change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from calibration.report_data import build_history_with_a_lenient_panelist

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role
from barraiser.calibration.actions import create_action, update_action
from barraiser.calibration.models import ACTION_TRANSITIONS, ActionItem, ActionStatus
from barraiser.errors import Conflict, RuleViolation
from barraiser.extensions import db

TODAY = date(2026, 3, 2)


@pytest.fixture
def history(make_loop, clock):
    # Enough decided loops for the model, which finds panel1 lenient.
    return build_history_with_a_lenient_panelist(make_loop, clock())


def events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def count_actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ActionItem))


def create_form(owner_id: int, **changes) -> dict:
    return {
        "subject": "panel1@example.com",
        "reason": "Panel1 flagged as lenient.",
        "owner": str(owner_id),
        "due_on": (TODAY + timedelta(days=14)).isoformat(),
        "notes": "",
        **changes,
    }


def test_an_action_from_a_flag_lives_until_it_is_closed(history, login_as):
    inspector = login_as("inspector")
    owner = inspector.user
    # The report's button opens the form prefilled with who and why.
    report = inspector.get("/calibration/report.json").get_json()
    summary = next(r for r in report["interviewers"] if r["flagged"])["flag_summary"]
    form = inspector.get(
        "/calibration/actions/new",
        query_string={
            "subject": "panel1@example.com",
            "reason": summary,
        },
    ).get_data(as_text=True)
    assert 'value="panel1@example.com"' in form
    assert "adjusted leniency +1.02 vote points (95% CI +0.59 to +1.45" in form

    created = inspector.post("/calibration/actions/new", data=create_form(owner.id, reason=summary))
    assert created.status_code == 302
    action = db.session.scalars(sa.select(ActionItem)).one()
    assert (action.status, action.subject.email, action.owner_id) == (
        ActionStatus.OPEN,
        "panel1@example.com",
        owner.id,
    )
    [event] = events("action.created")
    assert (event.actor_id, event.subject_id) == (owner.id, action.id)
    assert event.details["interviewer"] == "panel1@example.com"

    page = inspector.get("/calibration").get_data(as_text=True)
    assert f'href="/calibration/actions/{action.id}"' in page
    assert [
        a["id"] for a in inspector.get("/calibration/report.json").get_json()["open_actions"]
    ] == [action.id]

    edit = {
        "status": "in_progress",
        "owner": str(owner.id),
        "due_on": "2026-03-20",
        "notes": "Paired with a Bar Raiser for two loops.",
        "version": "1",
    }
    assert inspector.post(f"/calibration/actions/{action.id}", data=edit).status_code == 302
    [updated] = events("action.updated")
    assert updated.details["changes"] == {
        "status": ["open", "in_progress"],
        "due_on": ["2026-03-16", "2026-03-20"],
        "notes": ["", "Paired with a Bar Raiser for two loops."],
    }
    # Open and in progress both show, whatever period the report covers.
    old_period = inspector.get("/calibration/report.json?since=2020-01-01&until=2020-01-31")
    assert [a["status"] for a in old_period.get_json()["open_actions"]] == ["in_progress"]

    closing = {**edit, "status": "closed", "version": "2"}
    assert inspector.post(f"/calibration/actions/{action.id}", data=closing).status_code == 302
    db.session.refresh(action)
    assert action.status is ActionStatus.CLOSED and action.closed_at is not None
    assert len(events("action.closed")) == 1
    assert inspector.get("/calibration/report.json").get_json()["open_actions"] == []
    assert f'href="/calibration/actions/{action.id}"' not in inspector.get("/calibration").get_data(
        as_text=True
    )
    # The list of all actions keeps it, and its page shows its history.
    assert "Panel1 flagged as lenient" in inspector.get("/calibration/actions").get_data(
        as_text=True
    )
    history_page = inspector.get(f"/calibration/actions/{action.id}").get_data(as_text=True)
    assert "created" in history_page and "closed" in history_page


def test_reopening_a_closed_action_is_recorded(app, login_as, clock):
    inspector = login_as("inspector").user
    action = create_action(
        subject_email=inspector.email,
        reason="Check",
        owner_id=inspector.id,
        due_on=TODAY,
        actor=inspector,
        now=clock(),
    )
    update_action(
        action,
        status=ActionStatus.CLOSED,
        owner_id=inspector.id,
        due_on=TODAY,
        notes="",
        version=1,
        actor=inspector,
        now=clock(),
    )
    update_action(
        action,
        status=ActionStatus.OPEN,
        owner_id=inspector.id,
        due_on=TODAY,
        notes="",
        version=2,
        actor=inspector,
        now=clock(),
    )
    assert (action.status, action.closed_at) == (ActionStatus.OPEN, None)
    assert len(events("action.reopened")) == 1


@pytest.mark.parametrize("start", list(ActionStatus))
@pytest.mark.parametrize("target", list(ActionStatus))
def test_status_moves_follow_the_table(app, login_as, clock, start, target):
    inspector = login_as("inspector").user
    action = create_action(
        subject_email=inspector.email,
        reason="Check",
        owner_id=inspector.id,
        due_on=TODAY,
        actor=inspector,
        now=clock(),
    )
    action.status = start
    action.closed_at = clock() if start is ActionStatus.CLOSED else None
    db.session.flush()

    def move() -> bool:
        return update_action(
            action,
            status=target,
            owner_id=inspector.id,
            due_on=TODAY,
            notes="",
            version=action.version,
            actor=inspector,
            now=clock(),
        )

    if target is start:
        assert move() is False  # nothing changed, nothing recorded
    elif target in ACTION_TRANSITIONS[start]:
        assert move() is True
        assert action.status is target
        assert (action.closed_at is not None) == (target is ActionStatus.CLOSED)
    else:
        with pytest.raises(Conflict):
            move()
        assert action.status is start


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subject": "nobody@example.com"}, "subject", "There is no user with that email."),
        ({"due_on": "2026-03-01"}, "due_on", "The due date is in the past."),
        ({"reason": "   "}, "reason", "Say why this action is needed."),
    ],
)
def test_refused_actions_say_why_and_change_nothing(history, login_as, changes, field, message):
    inspector = login_as("inspector")
    response = inspector.post(
        "/calibration/actions/new", data=create_form(inspector.user.id, **changes)
    )
    assert response.status_code in (400, 422)
    # Shown next to the field it is about.
    assert f'id="{field}-errors" class="invalid-feedback d-block">{message}' in response.get_data(
        as_text=True
    )
    assert count_actions() == 0
    assert events("action.created") == []


def test_an_owner_must_be_an_active_user(app, login_as, make_user, clock):
    inspector = login_as("inspector")
    gone = make_user("gone@example.com")
    gone.active = False
    db.session.commit()
    # Not offered in the form, and refused by the service when posted anyway.
    page = inspector.get("/calibration/actions/new").get_data(as_text=True)
    assert "gone@example.com" not in page
    response = inspector.post(
        "/calibration/actions/new", data=create_form(gone.id, subject=inspector.user.email)
    )
    assert response.status_code == 400
    with pytest.raises(RuleViolation, match="The owner must be an active user"):
        create_action(
            subject_email=gone.email,
            reason="x",
            owner_id=gone.id,
            due_on=TODAY,
            actor=inspector.user,
            now=clock(),
        )
    assert count_actions() == 0


def test_a_stale_form_is_a_conflict_and_changes_nothing(app, login_as, make_user, clock):
    inspector = login_as("inspector")
    action = create_action(
        subject_email=inspector.user.email,
        reason="Check",
        owner_id=inspector.user.id,
        due_on=TODAY,
        actor=inspector.user,
        now=clock(),
    )
    db.session.commit()
    first = {
        "status": "in_progress",
        "owner": str(inspector.user.id),
        "due_on": "2026-03-02",
        "notes": "first",
        "version": "1",
    }
    assert inspector.post(f"/calibration/actions/{action.id}", data=first).status_code == 302
    second = {**first, "status": "closed", "notes": "second"}  # opened before the first save
    response = inspector.post(f"/calibration/actions/{action.id}", data=second)
    assert response.status_code == 409
    assert "Someone changed this action" in response.get_data(as_text=True)
    db.session.refresh(action)
    assert (action.status, action.notes) == (ActionStatus.IN_PROGRESS, "first")


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "bar_raiser", "interviewer"])
def test_only_inspectors_and_admins_act_on_flags(app, login_as, make_user, clock, role):
    admin = make_user("boss@example.com", roles=(Role.ADMIN,))
    action = create_action(
        subject_email=admin.email,
        reason="Check",
        owner_id=admin.id,
        due_on=TODAY,
        actor=admin,
        now=clock(),
    )
    db.session.commit()
    client = login_as(role)
    created = client.post("/calibration/actions/new", data=create_form(admin.id))
    edited = client.post(
        f"/calibration/actions/{action.id}",
        data={
            "status": "closed",
            "owner": str(admin.id),
            "due_on": "2026-03-02",
            "notes": "",
            "version": "1",
        },
    )
    # Someone else's action item is not theirs to know of: 404, not 403.
    assert (created.status_code, edited.status_code) == (403, 404)
    assert count_actions() == 1
    db.session.refresh(action)
    assert action.status is ActionStatus.OPEN


def test_admins_may_act_too(app, login_as):
    admin = login_as("admin")
    response = admin.post(
        "/calibration/actions/new", data=create_form(admin.user.id, subject=admin.user.email)
    )
    assert response.status_code == 302
    assert count_actions() == 1


def test_an_unknown_action_is_not_found(login_as):
    assert login_as("inspector").get("/calibration/actions/987654").status_code == 404
