"""Opening the debrief: when all panel feedback is in, or earlier with a written reason; by the
loop's Bar Raiser only; and the panel is told."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from debrief.panel_feedback import submit_panel_feedback

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import BarRaiserStatus
from barraiser.debrief import services
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.errors import Conflict, Forbidden, RuleViolation
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage


def _url(built, action: str = "") -> str:
    return f"/loops/{built.loop.id}/debrief{action}"


def test_bar_raiser_opens_when_all_feedback_is_in_and_the_panel_is_told(
    ready_loop, login_as, clock
):
    browser = login_as(ready_loop.bar_raiser)
    page = browser.get(_url(ready_loop)).get_data(as_text=True)
    assert "Open the debrief" in page
    assert "Reason to open before" not in page  # nothing is missing: no reason asked

    response = browser.post(_url(ready_loop, "/open"))
    assert response.status_code == 302
    db.session.expire_all()
    loop = ready_loop.loop
    assert loop.state is LoopState.DEBRIEF
    assert loop.debrief_opened_at == clock()
    assert loop.debrief_opened_by_id == ready_loop.bar_raiser.id
    assert loop.debrief_early_reason is None

    told = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    expected = {user.id for user in ready_loop.interviewers[1:]}
    expected |= {ready_loop.shadow.id, ready_loop.hiring_manager.id}
    assert {message.recipient_id for message in told} == expected  # everyone but the opener
    assert {message.dedupe_key for message in told} == {
        f"debrief-open:{loop.id}:{user_id}" for user_id in expected
    }
    assert all(f"/loops/{loop.id}/debrief" in message.body for message in told)

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.opened"))
    assert event.actor_id == ready_loop.bar_raiser.id
    assert event.details["early"] is False


def test_opening_early_needs_a_reason_and_changes_nothing_without_one(make_loop, login_as, clock):
    built = make_loop()
    submit_panel_feedback(built, [Vote.STRONG_HIRE, Vote.INCLINED_HIRE], clock())
    browser = login_as(built.bar_raiser)

    refused = browser.post(_url(built, "/open"), data={"open-reason": "   "})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Feedback is still missing from Panel2, Panel3" in text
    db.session.expire_all()
    assert built.loop.state is LoopState.SCHEDULED
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0

    reason = "Panel3 is on leave until next week; the candidate has a competing offer."
    assert browser.post(_url(built, "/open"), data={"open-reason": reason}).status_code == 302
    db.session.expire_all()
    assert built.loop.state is LoopState.DEBRIEF
    assert built.loop.debrief_early_reason == reason
    page = browser.get(_url(built)).get_data(as_text=True)
    assert "Opened before all feedback was in." in page
    assert reason in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.opened"))
    assert event.details["early"] is True
    assert event.details["with_reason"] is True
    assert reason not in str(event.details)  # the text lives on the loop, where erasure reaches


def test_a_missing_shadow_feedback_does_not_hold_the_debrief(make_loop, clock):
    built = make_loop(with_shadow=True)
    submit_panel_feedback(built, [Vote.STRONG_HIRE] * 4, clock())  # the shadow has not written
    assert services.open_debrief(built.loop, actor=built.bar_raiser, now=clock()) is False
    assert built.loop.debrief_early_reason is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bar_raiser", 302),
        ("hiring_manager", 403),
        ("panelist", 403),
        ("shadow", 403),
        ("recruiter", 403),
        ("admin", 403),
        ("inspector", 404),
        ("outsider", 404),
    ],
)
def test_only_the_loops_bar_raiser_opens_the_debrief(ready_loop, login_as, who, status):
    people = {
        "bar_raiser": ready_loop.bar_raiser,
        "hiring_manager": ready_loop.hiring_manager,
        "panelist": ready_loop.interviewers[1],
        "shadow": ready_loop.shadow,
    }
    roles = {"outsider": "interviewer"}
    browser = login_as(people.get(who) or roles.get(who, who))
    assert browser.post(_url(ready_loop, "/open")).status_code == status
    db.session.expire_all()
    expected = LoopState.DEBRIEF if status == 302 else LoopState.SCHEDULED
    assert ready_loop.loop.state is expected


def test_another_certified_bar_raiser_cannot_open_it_by_service(ready_loop, make_user, clock):
    other = make_user(bar_raiser=BarRaiserStatus.CERTIFIED, department="Retail")
    with pytest.raises(Forbidden):
        services.open_debrief(ready_loop.loop, actor=other, now=clock())


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (LoopState.DRAFT, "schedule it first"),
        (LoopState.CANCELLED, "cancelled and is read-only"),
    ],
)
def test_a_loop_not_scheduled_cannot_open(make_loop, clock, state, message):
    built = make_loop(state=state)
    with pytest.raises(Conflict, match=message):
        services.open_debrief(built.loop, reason="why not", actor=built.bar_raiser, now=clock())


def test_opening_twice_is_a_conflict_and_tells_no_one_twice(debrief_loop, login_as, clock):
    before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    response = login_as(debrief_loop.bar_raiser).post(_url(debrief_loop, "/open"))
    assert response.status_code == 409
    assert "The debrief is already open." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == before


def test_opening_a_decided_loop_says_it_is_read_only(debrief_loop, decide, clock):
    decide(debrief_loop, Outcome.HIRE, "concur")
    with pytest.raises(Conflict, match=r"was decided on .* and is read-only"):
        services.open_debrief(debrief_loop.loop, actor=debrief_loop.bar_raiser, now=clock())


def test_a_reason_too_long_is_refused(make_loop, clock):
    built = make_loop()
    with pytest.raises(RuleViolation, match="under"):
        services.open_debrief(built.loop, reason="x" * 6000, actor=built.bar_raiser, now=clock())
