"""The debrief's part of the home page: debriefs to run, final votes to cast, decisions pending,
and the decisions made lately.

One query, whatever the number of loops: the facts each line needs are correlated subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from .. import policy
from ..auth.models import Role, User
from ..domain import LoopState, Outcome
from ..extensions import db
from ..feedback.models import Feedback
from ..feedback.queries import awaiting_panel_feedback, panel_complete_clause
from ..loops.models import Interview, Loop
from ..settings.services import current_settings
from .models import FinalVote, Proposal
from .performance import add_months


@dataclass(frozen=True)
class DebriefTodo:
    loop: Loop
    steps: tuple[str, ...]  # what this user is to do on the loop, or waits for, in words


def debrief_todos(user: User) -> list[DebriefTodo]:
    """The loops where `user` has a debrief step to take: the Bar Raiser's debriefs to open and
    verdicts to give, the panelist's final vote, the hiring manager's proposal."""
    submitted = (
        sa.select(Feedback.id)
        .where(Feedback.interview_id == Interview.id, Feedback.submitted)
        .exists()
    )
    missing = (
        sa.select(sa.func.count(Interview.id))
        .where(Interview.loop_id == Loop.id, awaiting_panel_feedback())
        .scalar_subquery()
    )
    proposed = sa.select(Proposal.id).where(Proposal.loop_id == Loop.id).exists()
    may_vote = (
        sa.select(Interview.id)
        .where(
            Interview.loop_id == Loop.id,
            Interview.interviewer_id == user.id,
            Interview.is_shadow.is_(False),
            submitted,
            ~sa.select(FinalVote.id).where(FinalVote.interview_id == Interview.id).exists(),
        )
        .exists()
    )
    leads = Loop.bar_raiser_id == user.id
    rules = sa.or_(leads, Loop.certified_shadow_id == user.id)
    rows = db.session.execute(
        sa.select(Loop, missing, panel_complete_clause(), proposed, may_vote)
        .where(
            sa.or_(
                sa.and_(Loop.state == LoopState.SCHEDULED, leads),
                sa.and_(
                    Loop.state == LoopState.DEBRIEF,
                    sa.or_(rules, Loop.hiring_manager_id == user.id, may_vote),
                ),
            )
        )
        .options(joinedload(Loop.candidate), joinedload(Loop.requisition))
        .order_by(Loop.first_interview_at, Loop.id)
    ).all()
    todos = []
    for loop, missing_count, complete, has_proposal, can_vote in rows:
        steps = _steps(user, loop, missing_count, bool(complete), bool(has_proposal), can_vote)
        if steps:
            todos.append(DebriefTodo(loop=loop, steps=steps))
    return todos


def _steps(
    user: User, loop: Loop, missing: int, complete: bool, has_proposal: bool, can_vote: bool
) -> tuple[str, ...]:
    steps: list[str] = []
    if loop.state is LoopState.SCHEDULED:
        if complete:
            steps.append("All feedback is in: open the debrief")
        else:
            steps.append(f"Waiting for {missing} panel feedback")
        return tuple(steps)
    if can_vote:
        steps.append("Cast your final vote")
    if user.id == loop.hiring_manager_id and not has_proposal:
        steps.append("Propose hire or no hire")
    rules = user.id == loop.veto_holder_id
    if user.id == loop.bar_raiser_id and not (rules and has_proposal):
        steps.append("Run the debrief")
    if rules and has_proposal:
        steps.append("Concur or veto")
    return tuple(steps)


# Built once: an alias builds its column collection afresh each time it is made.
_LATER_LOOP = aliased(Loop)

RECENT_DECISIONS_DAYS = 30
RECENT_DECISIONS_LIMIT = 10


@dataclass(frozen=True)
class RecentDecision:
    loop: Loop
    # None when independence still holds for the user (on the panel, never submitted): they see
    # that the loop was decided, not how.
    outcome: str | None
    # What comes next, in words (None while sealed): make the offer, tell the candidate, or —
    # after a veto, which is final — a new loop, if one is not already under way.
    next_step: str | None = None
    new_loop_id: int | None = None  # a later loop for the same candidate, not cancelled


def recent_decisions(user: User, *, now: datetime) -> list[RecentDecision]:
    """Loops decided in the last 30 days that the user hired for (hiring manager) or runs
    (recruiters, admins), newest first: hire, no hire, or vetoed. One query."""
    if policy.can_manage_loops(user):
        theirs: sa.ColumnElement[bool] = sa.true()
    elif user.has_role(Role.HIRING_MANAGER):
        theirs = Loop.hiring_manager_id == user.id
    else:
        return []
    on_panel = (
        sa.select(Interview.id)
        .where(Interview.loop_id == Loop.id, Interview.interviewer_id == user.id)
        .exists()
    )
    submitted = (
        sa.select(Interview.id)
        .join(Feedback, Feedback.interview_id == Interview.id)
        .where(
            Interview.loop_id == Loop.id, Interview.interviewer_id == user.id, Feedback.submitted
        )
        .exists()
    )
    sealed = sa.and_(on_panel, ~submitted)
    later = _LATER_LOOP
    new_loop = (
        sa.select(sa.func.min(later.id))
        .where(
            later.candidate_id == Loop.candidate_id,
            later.id > Loop.id,
            later.state != LoopState.CANCELLED,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Loop, sealed, new_loop)
        .where(
            Loop.state == LoopState.DECIDED,
            Loop.decided_at >= now - timedelta(days=RECENT_DECISIONS_DAYS),
            theirs,
        )
        .options(
            joinedload(Loop.candidate),
            joinedload(Loop.requisition),
            joinedload(Loop.bar_raiser),
            joinedload(Loop.certified_shadow),
        )
        .order_by(Loop.decided_at.desc(), Loop.id.desc())
        .limit(RECENT_DECISIONS_LIMIT)
    ).all()
    first_rating = current_settings().performance_first_rating_months
    return [
        RecentDecision(loop=loop, outcome=None)
        if is_sealed
        else RecentDecision(
            loop=loop,
            outcome=_outcome_words(loop),
            next_step=_next_step(loop, first_rating, new_loop_id),
            new_loop_id=new_loop_id,
        )
        for loop, is_sealed, new_loop_id in rows
    ]


def _next_step(loop: Loop, first_rating_months: int, new_loop_id: int | None) -> str:
    candidate = loop.candidate.display_name
    if loop.vetoed:
        holder = loop.certified_shadow or loop.bar_raiser
        if new_loop_id is not None:
            return f"Vetoed by {holder.name}; the veto is final. A new loop is under way."
        return (
            f"Vetoed by {holder.name}; the veto is final. To consider {candidate} again, "
            "a recruiter starts a new loop."
        )
    if loop.outcome is Outcome.HIRE:
        assert loop.decided_at is not None
        due = add_months(loop.decided_at.date(), first_rating_months)
        return f"Make the offer. Rate {candidate}'s performance from {due.isoformat()}."
    return f"Let {candidate} know."


def _outcome_words(loop: Loop) -> str:
    if loop.vetoed:
        return "vetoed (no hire)"
    return "hire" if loop.outcome is Outcome.HIRE else "no hire"
