"""The debrief page reads its loop as plain rows (debrief.panel_rows) and asks policy and the
debrief's rules of them: they must answer as they do of the loop's entities, for every viewer, at
every step of the loop. The sealing rule is asked of the rows; here it is held to its answer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from debrief.panel_feedback import submit_panel_feedback

from barraiser import policy
from barraiser.auth.models import User
from barraiser.debrief import rules, services
from barraiser.debrief.models import FinalVote, Proposal
from barraiser.debrief.panel_rows import DebriefLoop, as_policy_loop, read_debrief
from barraiser.debrief.queries import debrief_page
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Loop


def _viewers(built, user_in_role) -> dict[str, User]:
    return {
        "bar_raiser": built.bar_raiser,
        "hiring_manager": built.hiring_manager,
        "submitted": built.interviewers[1],
        "owing": built.interviewers[3],
        "shadow": built.shadow,
        **{role: user_in_role(role) for role in ("recruiter", "admin", "inspector", "interviewer")},
    }


def _actions_of_entities(user, loop: Loop) -> frozenset[str]:
    """The forms the page offered when it read the loop as entities."""
    interview = next((i for i in loop.interviews if i.interviewer_id == user.id), None)
    feedback = final = None
    if interview is not None:
        feedback = db.session.scalar(
            sa.select(Feedback).where(Feedback.interview_id == interview.id, Feedback.submitted)
        )
        final = db.session.scalar(
            sa.select(FinalVote).where(FinalVote.interview_id == interview.id)
        )
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.loop_id == loop.id))
    checks = {
        "open": rules.open_refusal(user, loop),
        "final_vote": rules.final_vote_refusal(user, loop, interview, feedback, final),
        "propose": rules.proposal_refusal(user, loop, proposal),
        "rule": rules.verdict_refusal(user, loop, proposal),
        "performance": rules.performance_refusal(user, loop),
    }
    return frozenset(action for action, refusal in checks.items() if refusal is None)


def _same_answers(built, viewers: dict[str, User]):
    db.session.expire_all()
    loop = db.session.get(Loop, built.loop.id)
    read = read_debrief(loop.id)
    assert read is not None
    row = read.loop
    for name in DebriefLoop.__dataclass_fields__:
        if hasattr(Loop, name) and name != "interviews":
            assert getattr(row, name) == getattr(loop, name), name
    assert (row.veto_holder_id, row.trainee_led, row.decided) == (
        loop.veto_holder_id,
        loop.trainee_led,
        loop.decided,
    )
    assert [row.can_move_to(state) for state in LoopState] == [
        loop.can_move_to(state) for state in LoopState
    ]
    assert sorted((i.id, i.interviewer_id, i.is_shadow) for i in row.interviews) == sorted(
        (i.id, i.interviewer_id, i.is_shadow) for i in loop.interviews
    )
    for who, user in viewers.items():
        asked = as_policy_loop(row)
        assert policy.can_view_debrief(user, asked) == policy.can_view_debrief(user, loop), who
        assert policy.is_on_panel(user, asked) == policy.is_on_panel(user, loop), who
        page = debrief_page(read_debrief(loop.id), user)
        assert page.can_read_feedback == policy.can_view_panel_feedback(user, loop), who
        assert page.actions == _actions_of_entities(user, loop), who


@pytest.mark.parametrize("trainee_led", [False, True])
def test_the_rows_answer_as_the_loop_does_at_every_step(
    make_loop, clock, user_in_role, trainee_led
):
    built = make_loop(with_shadow=True)
    viewers = _viewers(built, user_in_role)
    if trainee_led:
        # The shadow is a certified Bar Raiser holding the veto over a trainee who leads.
        built.loop.certified_shadow_id = built.shadow.id
        db.session.commit()
    _same_answers(built, viewers)
    submit_panel_feedback(
        built,
        [Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.INCLINED_NO_HIRE],
        clock(),
        shadow_vote=Vote.STRONG_HIRE,
    )
    _same_answers(built, viewers)
    services.open_debrief(built.loop, reason="One is away.", actor=built.bar_raiser, now=clock())
    db.session.commit()
    _same_answers(built, viewers)
    services.cast_final_vote(
        built.loop, vote=Vote.INCLINED_HIRE, actor=built.interviewers[1], now=clock()
    )
    services.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale="Yes.",
        early_reason="The candidate flies home tonight.",
        actor=built.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    _same_answers(built, viewers)
    veto_holder = built.shadow if trainee_led else built.bar_raiser
    services.concur(built.loop, actor=veto_holder, now=clock())
    db.session.commit()
    _same_answers(built, viewers)
