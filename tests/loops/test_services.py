"""Changing a panel and moving a loop through its states, as the web, CLI and importer do."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import BarRaiserStatus
from barraiser.auth.services import set_bar_raiser_status
from barraiser.domain import LOOP_TRANSITIONS, FeedbackState, LoopState, Outcome, Vote
from barraiser.errors import Conflict, RuleViolation
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Loop
from barraiser.loops.services import (
    PanelInvalid,
    cancel_loop,
    create_loop,
    panel_plan_of,
    schedule_loop,
    transition,
    unschedule_loop,
    update_panel,
)


@pytest.fixture
def draft(org, clock) -> Loop:
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    return loop


def _actions(loop: Loop) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_type == "loop", AuditEvent.subject_id == loop.id)
            .order_by(AuditEvent.id)
        )
    )


def test_changing_the_panel_keeps_rows_moves_times_and_bumps_the_version(org, draft, clock):
    kept = {i.interviewer_id: i.id for i in draft.interviews}
    plan = org.with_interview(org.plan(), 3, interviewer_id=org.interviewers[3].id)
    plan = org.with_interview(plan, 0, starts_at=org.slot(-1))
    changes = update_panel(draft, plan, expected_version=1, actor=org.recruiter, now=clock())
    db.session.commit()
    assert draft.version == 2
    assert draft.first_interview_at == org.slot(-1)
    assert "removed Panelist 3" in changes and "added Panelist 4" in changes
    assert any(change.startswith("moved Bea Raiser") for change in changes)
    after = {i.interviewer_id: i.id for i in draft.interviews}
    assert after[org.bar_raiser.id] == kept[org.bar_raiser.id]  # same row: feedback hangs off it
    assert _actions(draft) == ["loop.created", "loop.panel_changed"]


def test_saving_an_unchanged_panel_records_nothing(org, draft, clock):
    assert (
        update_panel(draft, org.plan(), expected_version=1, actor=org.recruiter, now=clock()) == []
    )
    db.session.commit()
    assert draft.version == 1
    assert _actions(draft) == ["loop.created"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(org, draft, clock):
    update_panel(
        draft,
        org.with_interview(org.plan(), 1, starts_at=org.slot(5)),
        expected_version=1,
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    with pytest.raises(Conflict, match="Someone changed this loop since you opened it"):
        update_panel(draft, org.plan(), expected_version=1, actor=org.recruiter, now=clock())
    db.session.rollback()
    assert db.session.get(Loop, draft.id).version == 2


def test_the_shadow_can_be_added_and_removed(org, draft, clock):
    update_panel(
        draft,
        org.plan(shadow_id=org.trainee.id),
        expected_version=1,
        actor=org.recruiter,
        now=clock(),
    )
    assert [i.interviewer_id for i in draft.interviews if i.is_shadow] == [org.trainee.id]
    assert panel_plan_of(draft).shadow_id == org.trainee.id
    update_panel(draft, org.plan(), expected_version=2, actor=org.recruiter, now=clock())
    db.session.commit()
    assert not any(i.is_shadow for i in draft.interviews)


def test_an_interview_with_feedback_started_cannot_be_removed_or_repurposed(org, draft, clock):
    interview = draft.interviews[2]
    db.session.add(
        Feedback(
            interview_id=interview.id,
            author_id=interview.interviewer_id,
            state=FeedbackState.DRAFT,
            created_at=clock(),
            updated_at=clock(),
        )
    )
    db.session.commit()
    removed = org.with_interview(org.plan(), 2, interviewer_id=org.interviewers[3].id)
    with pytest.raises(RuleViolation, match="has started feedback"):
        update_panel(draft, removed, expected_version=1, actor=org.recruiter, now=clock())
    db.session.rollback()
    swapped = org.with_interview(org.plan(), 2, principle_ids=(org.required[2].id, org.spare[0].id))
    with pytest.raises(RuleViolation, match="has started feedback on their principles"):
        update_panel(draft, swapped, expected_version=1, actor=org.recruiter, now=clock())
    db.session.rollback()
    # Moving the time is fine.
    moved = org.with_interview(org.plan(), 2, starts_at=org.slot(6))
    assert update_panel(draft, moved, expected_version=1, actor=org.recruiter, now=clock())


def _submit_feedback_on(interview, clock) -> None:
    db.session.add(
        Feedback(
            interview_id=interview.id,
            author_id=interview.interviewer_id,
            state=FeedbackState.SUBMITTED,
            vote=Vote.INCLINED_HIRE,
            raises_bar=False,
            summary="Solid.",
            created_at=clock(),
            updated_at=clock(),
            submitted_at=clock(),
        )
    )
    db.session.commit()


@pytest.mark.parametrize("change", ["starts_at", "duration_minutes"])
def test_an_interview_with_submitted_feedback_cannot_be_moved(org, draft, clock, change):
    """The feedback would then predate the interview it reports on."""
    interview = draft.interviews[2]
    before = (interview.starts_at, interview.duration_minutes)
    _submit_feedback_on(interview, clock)
    moved = org.with_interview(
        org.plan(), 2, **{change: org.slot(6) if change == "starts_at" else 45}
    )
    with pytest.raises(RuleViolation, match="has submitted feedback for their interview") as raised:
        update_panel(draft, moved, expected_version=1, actor=org.recruiter, now=clock())
    assert raised.value.field == "interviews"
    db.session.rollback()
    kept = db.session.get(Loop, draft.id)
    assert kept.version == 1
    assert (kept.interviews[2].starts_at, kept.interviews[2].duration_minutes) == before
    # The rest of the panel may still move around it.
    others = org.with_interview(org.plan(), 3, starts_at=org.slot(7))
    assert update_panel(kept, others, expected_version=1, actor=org.recruiter, now=clock())


def test_scheduling_checks_every_rule_again(org, draft, clock):
    # The Bar Raiser lost their certification after the draft was saved.
    set_bar_raiser_status(org.bar_raiser, BarRaiserStatus.NONE, actor=None, now=clock())
    db.session.commit()
    with pytest.raises(PanelInvalid, match="Bea Raiser is not a certified Bar Raiser"):
        schedule_loop(draft, actor=org.recruiter, now=clock())
    db.session.rollback()
    assert db.session.get(Loop, draft.id).state is LoopState.DRAFT


def test_changing_a_scheduled_panel_checks_the_rules_again(org, draft, clock):
    schedule_loop(draft, actor=org.recruiter, now=clock())
    db.session.commit()
    broken = org.with_interview(org.plan(), 1, interviewer_id=org.junior.id)
    with pytest.raises(PanelInvalid, match="Jo Junior is level 4"):
        update_panel(draft, broken, expected_version=2, actor=org.recruiter, now=clock())
    db.session.rollback()
    assert draft.state is LoopState.SCHEDULED


def test_cancelling_needs_a_reason_and_keeps_it_out_of_the_audit_trail(org, draft, clock):
    with pytest.raises(RuleViolation, match="Say why the loop is cancelled"):
        cancel_loop(draft, "   ", actor=org.recruiter, now=clock())
    cancel_loop(draft, "Casey took another offer.", actor=org.recruiter, now=clock())
    db.session.commit()
    assert draft.state is LoopState.CANCELLED
    assert draft.cancel_reason == "Casey took another offer."
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "loop.state_changed")
    ).one()
    assert event.details == {"from_state": "draft", "to_state": "cancelled"}


def test_every_change_is_an_audit_event(org, draft, clock):
    schedule_loop(draft, actor=org.recruiter, now=clock())
    unschedule_loop(draft, actor=org.recruiter, now=clock())
    update_panel(
        draft,
        org.with_interview(org.plan(), 1, starts_at=org.slot(5)),
        expected_version=3,
        actor=org.recruiter,
        now=clock(),
    )
    cancel_loop(draft, "Role paused.", actor=org.recruiter, now=clock())
    db.session.commit()
    assert _actions(draft) == [
        "loop.created",
        "loop.state_changed",
        "loop.state_changed",
        "loop.panel_changed",
        "loop.state_changed",
    ]
    assert draft.version == 5


# --- the state machine --------------------------------------------------------------------------


def _in_state(make_loop, state: LoopState, clock) -> Loop:
    built = make_loop(
        state=LoopState.CANCELLED if state is LoopState.CANCELLED else LoopState.DRAFT
    )
    loop = built.loop
    if state in (LoopState.SCHEDULED, LoopState.DEBRIEF, LoopState.DECIDED):
        loop.state = LoopState.SCHEDULED
    if state in (LoopState.DEBRIEF, LoopState.DECIDED):
        loop.state = LoopState.DEBRIEF
        loop.debrief_opened_at = clock()
    if state is LoopState.DECIDED:
        loop.state, loop.outcome, loop.decided_at = LoopState.DECIDED, Outcome.NO_HIRE, clock()
    db.session.commit()
    return loop


def _move(loop: Loop, target: LoopState, actor, now) -> None:
    """Each move through the service that makes it."""
    if target is LoopState.SCHEDULED:
        schedule_loop(loop, actor=actor, now=now)
    elif target is LoopState.DRAFT:
        unschedule_loop(loop, actor=actor, now=now)
    elif target is LoopState.CANCELLED:
        cancel_loop(loop, "No longer needed.", actor=actor, now=now)
    else:
        if target is LoopState.DECIDED:  # the debrief slice sets the outcome first
            loop.outcome, loop.decided_at = Outcome.HIRE, now
        transition(loop, target, actor=actor, now=now)


@pytest.mark.parametrize("target", list(LoopState), ids=lambda s: f"to-{s.value}")
@pytest.mark.parametrize("start", list(LoopState), ids=lambda s: f"from-{s.value}")
def test_state_machine(make_loop, clock, start, target):
    loop = _in_state(make_loop, start, clock)
    if target in LOOP_TRANSITIONS[start]:
        _move(loop, target, None, clock() + timedelta(minutes=1))
        db.session.commit()
        assert db.session.get(Loop, loop.id).state is target
    else:
        with pytest.raises(Conflict, match="cannot"):
            _move(loop, target, None, clock() + timedelta(minutes=1))
        db.session.rollback()
        assert db.session.get(Loop, loop.id).state is start


def test_transition_refuses_a_stale_version(make_loop, clock):
    loop = make_loop().loop
    with pytest.raises(Conflict):
        transition(loop, LoopState.DEBRIEF, actor=None, now=clock(), expected_version=7)


def test_plan_of_a_loop_round_trips(org, draft):
    assert replace(panel_plan_of(draft), hiring_manager_id=None) == org.plan()
