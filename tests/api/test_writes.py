"""Loops and action items written through the API: the same services and rules as the pages,
the API's error shape, ETags and If-Match, scopes for service tokens and roles for personal
ones, and what the pages' policy hides stays hidden (404)."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role, UserRole
from barraiser.calibration.models import ActionItem, ActionStatus
from barraiser.candidates.models import Candidate
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.outbox.models import OutboxMessage


def _panel_of(loop: Loop, *, days: int) -> dict:
    """The loop's panel, `days` later, as the API takes it."""
    return {
        "bar_raiser_id": loop.bar_raiser_id,
        "hiring_manager_id": loop.hiring_manager_id,
        "interviews": [
            {
                "interviewer_id": interview.interviewer_id,
                "starts_at": (interview.starts_at + timedelta(days=days)).isoformat(),
                "duration_minutes": interview.duration_minutes,
                "principle_ids": [a.principle_id for a in interview.assignments],
            }
            for interview in loop.interviews
            if not interview.is_shadow
        ],
    }


@pytest.fixture
def plan(app, make_loop, clock, make_user):
    """A decided-free setting: one built loop to copy a valid panel from, a second candidate,
    a recruiter."""
    built = make_loop(state=LoopState.DRAFT)
    candidate = Candidate(name="Robin Second", email=None, source="referral", created_at=clock())
    db.session.add(candidate)
    recruiter = make_user(roles=(Role.RECRUITER,))
    db.session.commit()
    body = {
        "candidate_id": candidate.id,
        "requisition_id": built.loop.requisition_id,
        **_panel_of(built.loop, days=3),
    }
    return built, body, recruiter


def test_a_recruiter_creates_schedules_and_cancels_a_loop_as_on_the_pages(api_as, plan):
    _, body, recruiter = plan
    api = api_as(recruiter)

    created = api.post("/loops", json=body)

    assert created.status_code == 201, created.get_json()
    loop = created.get_json()
    assert loop["state"] == "draft" and loop["candidate_id"] == body["candidate_id"]
    assert created.headers["ETag"] == f'"{loop["version"]}"'
    assert [sorted(p["id"] for p in i["principles"]) for i in loop["panel"]] == [
        sorted(i["principle_ids"]) for i in body["interviews"]
    ]
    stale = created.headers["ETag"]

    scheduled = api.post(f"/loops/{loop['id']}/schedule", headers={"If-Match": stale})
    assert scheduled.status_code == 200 and scheduled.get_json()["state"] == "scheduled"
    invited = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.loop_id == loop["id"], OutboxMessage.kind == "interview_invitation"
        )
    )
    assert invited == len(body["interviews"])

    refused = api.post(
        f"/loops/{loop['id']}/cancel", json={"reason": "x"}, headers={"If-Match": stale}
    )
    assert refused.status_code == 412
    assert refused.get_json()["error"]["code"] == "precondition_failed"
    no_reason = api.post(f"/loops/{loop['id']}/cancel", json={"reason": "   "})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["fields"]

    cancelled = api.post(
        f"/loops/{loop['id']}/cancel",
        json={"reason": "The candidate withdrew."},
        headers={"If-Match": scheduled.headers["ETag"]},
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_id == loop["id"], AuditEvent.actor_id == recruiter.id)
            .order_by(AuditEvent.id)
        )
    )
    assert actions[0] == "loop.created" and len(actions) == 3
    again = api.post(f"/loops/{loop['id']}/schedule")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_every_broken_rule_is_named_by_its_input_and_nothing_is_made(api_as, plan, clock):
    _, body, recruiter = plan
    body["interviews"][1]["interviewer_id"] = body["interviews"][0]["interviewer_id"]
    body["interviews"][2]["principle_ids"] = []
    body["interviews"][0]["starts_at"] = (clock() - timedelta(days=1)).isoformat()

    refused = api_as(recruiter).post("/loops", json=body)

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "unprocessable_entity"
    assert any(name.startswith("interviews.") for name in error["fields"]), error
    assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1


def test_malformed_input_is_a_422_in_the_api_shape(api_as, plan):
    _, body, recruiter = plan
    for bad in (
        {**body, "interviews": "many"},
        {**body, "candidate_id": "x"},
        {**body, "interviews": [{**body["interviews"][0], "starts_at": "yesterday"}]},
        {},
    ):
        answer = api_as(recruiter).post("/loops", json=bad)
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["fields"], bad
    assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1


def test_the_panel_is_replaced_with_if_match(api_as, plan):
    built, _, recruiter = plan
    api = api_as(recruiter)
    path = f"/loops/{built.loop.id}/panel"
    moved = _panel_of(built.loop, days=1)
    version = built.loop.version

    assert api.put(path, json=moved).status_code == 428
    assert api.put(path, json=moved, headers={"If-Match": '"999"'}).status_code == 412
    done = api.put(path, json=moved, headers={"If-Match": f'"{version}"'})

    assert done.status_code == 200, done.get_json()
    assert done.get_json()["version"] == version + 1
    assert done.headers["ETag"] == f'"{version + 1}"'
    assert done.get_json()["panel"][0]["starts_at"] == moved["interviews"][0]["starts_at"]


@pytest.mark.parametrize("role", ["hiring_manager", "inspector", "interviewer", "bar_raiser"])
def test_only_recruiters_and_admins_write_loops(api_as, plan, user_in_role, role):
    built, body, _ = plan
    api = api_as(user_in_role(role))

    assert api.post("/loops", json=body).status_code == 403
    # A loop they may not see: 404, as on the pages.
    assert api.post(f"/loops/{built.loop.id}/schedule").status_code == 404


def test_a_panelist_who_also_recruits_may_write_the_loop_they_see(api_as, plan):
    built, _, _ = plan
    panelist = built.interviewers[1]
    panelist.role_rows.append(UserRole(role=Role.RECRUITER))
    db.session.commit()

    done = api_as(panelist).post(f"/loops/{built.loop.id}/schedule")

    assert done.status_code == 200 and done.get_json()["state"] == "scheduled"


def test_service_tokens_need_loops_write_and_act_as_nobody(api_as, plan, make_user):
    built, body, _ = plan
    admin = make_user(roles=(Role.ADMIN,))
    reader = api_as(admin, scopes=("loops:read",))
    writer = api_as(admin, scopes=("loops:write",))

    assert reader.post("/loops", json=body).status_code == 403
    assert reader.post(f"/loops/{built.loop.id}/schedule").status_code == 403
    created = writer.post("/loops", json=body)
    assert created.status_code == 201
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "loop.created", AuditEvent.subject_id == created.get_json()["id"]
        )
    )
    assert event.actor_id is None
    assert writer.post(f"/loops/{created.get_json()['id']}/schedule").status_code == 200
    assert writer.post("/loops/987654/schedule").status_code == 404


# --- action items --------------------------------------------------------------------------------


@pytest.fixture
def people(app, make_user):
    inspector = make_user(roles=(Role.INSPECTOR,))
    interviewer = make_user()
    return inspector, interviewer


def test_an_inspector_creates_and_updates_an_action_item_with_if_match(api_as, people, clock):
    inspector, interviewer = people
    api = api_as(inspector)
    due = (clock().date() + timedelta(days=7)).isoformat()

    created = api.post(
        "/action-items",
        json={
            "interviewer_id": interviewer.id,
            "reason": "Calibrate: lenient.",
            "owner_id": inspector.id,
            "due_on": due,
        },
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["status"], item["reason"], item["subject_id"]) == (
        "open",
        "Calibrate: lenient.",
        interviewer.id,
    )
    path = f"/action-items/{item['id']}"

    assert api.patch(path, json={"status": "in_progress"}).status_code == 428
    stale = {"If-Match": '"0"'}
    assert api.patch(path, json={"status": "in_progress"}, headers=stale).status_code == 412
    etag = {"If-Match": created.headers["ETag"]}
    moved = api.patch(path, json={"status": "in_progress", "notes": "Talked."}, headers=etag)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["status"], moved.get_json()["notes"]) == ("in_progress", "Talked.")
    assert moved.headers["ETag"] != created.headers["ETag"]

    past = api.patch(
        path, json={"due_on": "2000-01-01"}, headers={"If-Match": moved.headers["ETag"]}
    )
    assert past.status_code == 422 and "due_on" in past.get_json()["error"]["fields"]
    closed = api.patch(path, json={"status": "closed"}, headers={"If-Match": moved.headers["ETag"]})
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closed_at"]
    assert db.session.get(ActionItem, item["id"]).status is ActionStatus.CLOSED


def test_an_action_item_from_a_flag_needs_the_report_to_flag_them(api_as, people, clock):
    inspector, interviewer = people

    refused = api_as(inspector).post(
        "/action-items",
        json={
            "interviewer_id": interviewer.id,
            "from_flag": True,
            "owner_id": inspector.id,
            "due_on": (clock().date() + timedelta(days=7)).isoformat(),
        },
    )

    assert refused.status_code == 422
    assert "does not flag" in refused.get_json()["error"]["fields"]["from_flag"][0]
    assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 0


def test_who_may_write_action_items(api_as, people, user_in_role, make_user, clock):
    inspector, interviewer = people
    body = {
        "interviewer_id": interviewer.id,
        "reason": "Calibrate.",
        "owner_id": inspector.id,
        "due_on": (clock().date() + timedelta(days=7)).isoformat(),
    }
    for role in ("recruiter", "hiring_manager", "interviewer", "bar_raiser"):
        assert api_as(user_in_role(role)).post("/action-items", json=body).status_code == 403
    admin = make_user(roles=(Role.ADMIN,))
    assert (
        api_as(admin, scopes=("actions:read",)).post("/action-items", json=body).status_code == 403
    )
    service = api_as(admin, scopes=("actions:write",)).post("/action-items", json=body)
    assert service.status_code == 201
    assert api_as(admin).post("/action-items", json=body).status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 2


def test_an_action_item_from_a_flag_takes_the_reports_sentence(api_as, people, clock, monkeypatch):
    """The report is stood in for here (a flag needs a season of loops, built in
    tests/calibration); what is checked is that its sentence becomes the reason, with any
    words of the caller's after it."""
    inspector, interviewer = people
    sentence = "Lenient: hire votes well above their panels' (+0.8)."
    report = {"interviewers": [{"email": interviewer.email, "flag_summary": sentence}]}
    writes = sys.modules["barraiser.api.writes"]
    monkeypatch.setattr(writes, "calibration_report", lambda *a, **k: report)

    created = api_as(inspector).post(
        "/action-items",
        json={
            "interviewer_id": interviewer.id,
            "from_flag": True,
            "reason": "Pair with a Bar Raiser.",
            "owner_id": inspector.id,
            "due_on": (clock().date() + timedelta(days=7)).isoformat(),
        },
    )

    assert created.status_code == 201
    assert created.get_json()["reason"] == f"{sentence} Pair with a Bar Raiser."
