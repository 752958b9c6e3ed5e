"""Feedback's lifecycle through its services: draft → submit → locked → addenda, and the rules
each step enforces whoever calls it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from feedback.writing import content, current_version, evidence, submit_for

from barraiser.audit.models import AuditEvent
from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.errors import Conflict, Forbidden, RuleViolation
from barraiser.extensions import db
from barraiser.feedback.models import Addendum, Feedback
from barraiser.feedback.services import (
    FeedbackContent,
    IncompleteFeedback,
    RatingInput,
    add_addendum,
    save_draft,
    submit_feedback,
)
from barraiser.settings.services import change_settings, current_settings


def _draft(interview, now, text="First notes", version=0):
    feedback = save_draft(
        interview,
        FeedbackContent(
            ratings={p.id: RatingInput(None, text) for p in interview.principles},
        ),
        expected_version=version,
        actor=interview.interviewer,
        now=now,
    )
    db.session.commit()
    return feedback


def test_a_draft_is_saved_privately_and_each_save_bumps_its_version(built, clock):
    interview = built.panel[1]
    feedback = _draft(interview, clock())
    assert feedback.state is FeedbackState.DRAFT
    assert feedback.author_id == interview.interviewer_id
    assert feedback.version == 1
    assert [rating.evidence for rating in feedback.ratings] == ["First notes"]

    clock.advance(minutes=5)
    feedback = _draft(interview, clock(), text="Better notes", version=1)
    assert feedback.version == 2
    assert feedback.updated_at == clock()
    assert [rating.evidence for rating in feedback.ratings] == ["Better notes"]


def test_a_save_changing_only_the_ratings_in_the_same_second_still_bumps_the_version(built, clock):
    interview = built.panel[1]
    _draft(interview, clock())
    # Only the rating rows change (the feedback row's own columns, updated_at included, do not),
    # yet a page opened on version 1 must now be refused.
    feedback = _draft(interview, clock(), text="Second thoughts", version=1)
    assert feedback.version == 2
    with pytest.raises(Conflict, match="saved from another window"):
        _draft(interview, clock(), text="From the first window", version=1)


def test_saving_an_unchanged_draft_changes_nothing(built, clock):
    interview = built.panel[1]
    _draft(interview, clock())
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    feedback = _draft(interview, clock() + timedelta(minutes=1), version=1)
    assert feedback.version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_a_draft_may_be_written_before_the_interview_but_not_submitted(built, clock):
    interview = built.panel[1]
    assert clock() < interview.starts_at
    _draft(interview, clock(), text="Questions to ask about ownership")
    with pytest.raises(RuleViolation, match="once it has started"):
        submit_feedback(
            interview,
            content(interview),
            expected_version=1,
            actor=built.interviewers[1],
            now=clock(),
        )


def test_feedback_can_be_submitted_once_the_interview_has_started(built, clock):
    interview = built.panel[1]
    clock.set(interview.starts_at)
    feedback = submit_for(interview, clock())
    assert feedback.state is FeedbackState.SUBMITTED
    assert feedback.submitted_at == clock()


def test_submitting_locks_the_feedback_and_keeps_what_was_written(over, clock):
    interview = over.panel[2]
    _draft(interview, clock())
    clock.advance(minutes=10)
    feedback = submit_feedback(
        interview,
        content(interview, vote=Vote.STRONG_NO_HIRE, raises_bar=False, marker="Kept"),
        expected_version=1,
        actor=interview.interviewer,
        now=clock(),
    )
    db.session.commit()
    assert feedback.submitted
    assert feedback.vote is Vote.STRONG_NO_HIRE
    assert feedback.raises_bar is False
    assert feedback.ratings[0].rating == 3
    assert feedback.ratings[0].evidence.startswith("Kept ")
    assert feedback.version == 2

    with pytest.raises(Conflict, match="already submitted at"):
        save_draft(
            interview,
            content(interview),
            expected_version=2,
            actor=interview.interviewer,
            now=clock(),
        )
    db.session.rollback()
    with pytest.raises(Conflict, match="already submitted at"):
        submit_for(interview, clock())
    db.session.rollback()
    reread = db.session.get(Feedback, feedback.id)
    assert reread.vote is Vote.STRONG_NO_HIRE
    assert reread.ratings[0].evidence.startswith("Kept ")


MISSING = {
    "rating": ({"rating": None}, "rating_"),
    "short evidence": ({"words": 29}, "evidence_"),
    "no evidence": ({"words": 0}, "evidence_"),
    "vote": ({"vote": None}, "vote"),
    "bar question": ({"raises_bar": None}, "raises_bar"),
}


@pytest.mark.parametrize("missing", list(MISSING))
def test_submission_needs_every_rating_enough_evidence_a_vote_and_the_bar_answer(
    over, clock, missing
):
    interview = over.panel[1]
    overrides, field = MISSING[missing]
    with pytest.raises(IncompleteFeedback) as refused:
        submit_feedback(
            interview,
            content(interview, **overrides),
            expected_version=0,
            actor=interview.interviewer,
            now=clock(),
        )
    db.session.rollback()
    assert refused.value.problems
    assert list(refused.value.problems) == [
        key for key in refused.value.problems if key.startswith(field)
    ]
    assert refused.value.status == 422
    assert db.session.scalar(sa.select(Feedback)) is None


def test_the_minimum_evidence_is_a_setting(over, clock, user_in_role):
    interview = over.panel[1]
    change_settings(
        current_settings().replace(min_evidence_words=5), actor=user_in_role("admin"), now=clock()
    )
    db.session.commit()
    feedback = submit_feedback(
        interview,
        content(interview, words=5),
        expected_version=0,
        actor=interview.interviewer,
        now=clock(),
    )
    assert feedback.submitted


def test_exactly_the_minimum_words_is_enough(over, clock):
    interview = over.panel[1]
    assert len(evidence(30).split()) == 30
    feedback = submit_feedback(
        interview,
        content(interview, words=30),
        expected_version=0,
        actor=interview.interviewer,
        now=clock(),
    )
    assert feedback.submitted


def test_nobody_but_the_interviewer_writes_the_feedback(over, clock):
    interview = over.panel[1]
    someone_else = over.interviewers[2]
    with pytest.raises(Forbidden):
        save_draft(
            interview, content(interview), expected_version=0, actor=someone_else, now=clock()
        )
    db.session.rollback()
    with pytest.raises(Forbidden):
        submit_feedback(
            interview, content(interview), expected_version=0, actor=over.bar_raiser, now=clock()
        )


def test_a_save_from_a_stale_window_is_refused_not_merged(built, clock):
    interview = built.panel[1]
    _draft(interview, clock(), text="From the laptop")
    with pytest.raises(Conflict, match="another window"):
        save_draft(
            interview,
            content(interview),
            expected_version=0,
            actor=interview.interviewer,
            now=clock(),
        )
    db.session.rollback()
    assert current_version(interview) == 1


def _set_state(built, state):
    loop = built.loop
    loop.state = state
    if state is LoopState.DECIDED:
        loop.outcome = Outcome.NO_HIRE
        loop.decided_at = loop.first_interview_at
    if state is LoopState.CANCELLED:
        loop.cancel_reason = "The candidate withdrew."
    db.session.commit()


DRAFTABLE = {LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF}
SUBMITTABLE = {LoopState.SCHEDULED, LoopState.DEBRIEF}


@pytest.mark.parametrize("state", list(LoopState))
def test_which_loop_states_accept_drafts_and_submissions(over, clock, state):
    interview = over.panel[1]
    _set_state(over, state)
    for action, allowed in (("draft", DRAFTABLE), ("submit", SUBMITTABLE)):
        act = save_draft if action == "draft" else submit_feedback
        if state in allowed:
            act(
                interview,
                content(interview),
                expected_version=current_version(interview),
                actor=interview.interviewer,
                now=clock(),
            )
            db.session.commit()
        else:
            with pytest.raises(RuleViolation):
                act(
                    interview,
                    content(interview),
                    expected_version=current_version(interview),
                    actor=interview.interviewer,
                    now=clock(),
                )
            db.session.rollback()


def test_a_principle_taken_off_the_interview_leaves_the_submitted_record(over, clock):
    interview = over.panel[1]
    _draft(interview, clock(), text="On the first principle")
    # The recruiter moves the interview to another principle after the draft was written.
    spare = over.panel[0].assignments[0].principle
    interview.assignments[0].principle = spare
    db.session.commit()
    feedback = submit_feedback(
        interview,
        content(interview),
        expected_version=1,
        actor=interview.interviewer,
        now=clock(),
    )
    db.session.commit()
    assert [rating.principle_id for rating in feedback.ratings] == [spare.id]


def test_submission_and_drafts_are_audited_without_votes_or_text(over, clock):
    interview = over.panel[1]
    _draft(interview, clock())
    submit_for(interview, clock(), vote=Vote.STRONG_NO_HIRE, marker="Secretword")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [event.action for event in events if event.action.startswith("feedback.")]
    assert actions == ["feedback.draft_saved", "feedback.submitted"]
    for event in events:
        assert "strong_no_hire" not in str(event.details)
        assert "Secretword" not in str(event.details)


# --- addenda ---------------------------------------------------------------------------------


def test_an_addendum_is_appended_with_its_time_and_the_original_is_untouched(over, clock):
    interview = over.panel[1]
    feedback = submit_for(interview, clock(), marker="Original")
    clock.advance(hours=2)
    addendum = add_addendum(
        feedback,
        "  I forgot: they also wrote the runbook.  ",
        actor=interview.interviewer,
        now=clock(),
    )
    db.session.commit()
    assert addendum.body == "I forgot: they also wrote the runbook."
    assert addendum.created_at == clock()
    assert addendum.after_debrief_opened is False
    assert feedback.ratings[0].evidence.startswith("Original ")
    assert [a.id for a in feedback.addenda] == [addendum.id]
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "feedback.addendum_added")
    )


def test_an_addendum_after_the_debrief_opened_is_marked(over, clock):
    interview = over.panel[1]
    feedback = submit_for(interview, clock())
    over.loop.state = LoopState.DEBRIEF
    over.loop.debrief_opened_at = clock()
    db.session.commit()
    clock.advance(minutes=30)
    addendum = add_addendum(
        feedback, "Said in the debrief.", actor=interview.interviewer, now=clock()
    )
    assert addendum.after_debrief_opened is True


def test_addenda_need_submitted_feedback_its_author_text_and_an_undecided_loop(over, clock):
    interview = over.panel[1]
    draft = _draft(interview, clock())
    with pytest.raises(RuleViolation, match="edit the draft"):
        add_addendum(draft, "Too early", actor=interview.interviewer, now=clock())
    db.session.rollback()
    feedback = submit_for(interview, clock())
    with pytest.raises(Forbidden):
        add_addendum(feedback, "Not mine", actor=over.bar_raiser, now=clock())
    db.session.rollback()
    with pytest.raises(RuleViolation, match="Write the addendum"):
        add_addendum(feedback, "   ", actor=interview.interviewer, now=clock())
    db.session.rollback()
    _set_state(over, LoopState.DECIDED)
    with pytest.raises(RuleViolation, match="read-only"):
        add_addendum(feedback, "After the decision", actor=interview.interviewer, now=clock())
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Addendum)) == 0
