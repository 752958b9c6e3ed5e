"""The debrief's part of the home page: debriefs to run, final votes to cast, decisions pending,
and the decisions made lately.

Each list is one query, whatever the number of loops, built once at import with the user (and the
time, or for the decisions made lately the day their month began) given per call; its plain rows
become the small read models the templates show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import policy
from ..auth.models import Role, User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import LoopState, Outcome
from ..feedback.models import Feedback
from ..feedback.queries import awaiting_panel_feedback, panel_complete_clause
from ..loops.models import Interview, Loop
from ..requisitions.models import Requisition
from ..settings.services import current_settings
from .models import FinalVote, Proposal
from .performance import add_months


@dataclass(frozen=True)
class DebriefTodo:
    """One line of the list: the loop, whom and what for, and what this user is to do on it (or
    waits for), in words."""

    loop_id: int
    candidate: str  # the display name (erased: "Erased candidate #<id>")
    requisition: str
    steps: tuple[str, ...]


_UID: sa.BindParameter[int] = sa.bindparam("uid", type_=sa.Integer)

# Built once (building a select costs as much as running it); the user is bound per call. One
# query, whatever the number of loops: the facts each line needs are correlated subqueries.
_MAY_VOTE = (
    sa.select(Interview.id)
    .where(
        Interview.loop_id == Loop.id,
        Interview.interviewer_id == _UID,
        Interview.is_shadow.is_(False),
        sa.select(Feedback.id)
        .where(Feedback.interview_id == Interview.id, Feedback.submitted)
        .exists(),
        ~sa.select(FinalVote.id).where(FinalVote.interview_id == Interview.id).exists(),
    )
    .exists()
)
_LEADS = Loop.bar_raiser_id == _UID
_TODOS = (
    sa.select(
        Loop.id,
        Loop.state,
        Loop.hiring_manager_id,
        Loop.bar_raiser_id,
        Loop.veto_holder_id,
        Candidate.id,
        Candidate.name,
        Candidate.erased_at,
        Requisition.title,
        sa.select(sa.func.count(Interview.id))
        .where(Interview.loop_id == Loop.id, awaiting_panel_feedback())
        .scalar_subquery(),
        panel_complete_clause(),
        sa.select(Proposal.id).where(Proposal.loop_id == Loop.id).exists(),
        _MAY_VOTE,
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .where(
        sa.or_(
            sa.and_(Loop.state == LoopState.SCHEDULED, _LEADS),
            sa.and_(
                Loop.state == LoopState.DEBRIEF,
                sa.or_(
                    _LEADS,
                    Loop.certified_shadow_id == _UID,
                    Loop.hiring_manager_id == _UID,
                    _MAY_VOTE,
                ),
            ),
        )
    )
    .order_by(Loop.first_interview_at, Loop.id)
)


def debrief_todos(user: User) -> list[DebriefTodo]:
    """The loops where `user` has a debrief step to take: the Bar Raiser's debriefs to open and
    verdicts to give, the panelist's final vote, the hiring manager's proposal."""
    todos = []
    for row in read_rows(_TODOS, {"uid": user.id}):
        loop_id, state, manager_id, bar_raiser_id, veto_holder_id = row[:5]
        candidate_id, candidate_name, erased_at, requisition = row[5:9]
        missing, complete, has_proposal, can_vote = row[9:]
        if state is LoopState.SCHEDULED:
            steps = _scheduled_steps(int(missing), bool(complete))
        else:
            steps = _debrief_steps(
                user.id,
                hiring_manager_id=manager_id,
                bar_raiser_id=bar_raiser_id,
                veto_holder_id=veto_holder_id,
                has_proposal=bool(has_proposal),
                can_vote=bool(can_vote),
            )
        if steps:
            todos.append(
                DebriefTodo(
                    loop_id=loop_id,
                    candidate=display_name(candidate_id, candidate_name, erased_at),
                    requisition=requisition,
                    steps=steps,
                )
            )
    return todos


def _scheduled_steps(missing: int, complete: bool) -> tuple[str, ...]:
    """The Bar Raiser's, before the debrief opens."""
    if complete:
        return ("All feedback is in: open the debrief",)
    return (f"Waiting for {missing} panel feedback",)


def _debrief_steps(
    user_id: int,
    *,
    hiring_manager_id: int,
    bar_raiser_id: int,
    veto_holder_id: int,
    has_proposal: bool,
    can_vote: bool,
) -> tuple[str, ...]:
    steps: list[str] = []
    if can_vote:
        steps.append("Cast your final vote")
    if user_id == hiring_manager_id and not has_proposal:
        steps.append("Propose hire or no hire")
    rules = user_id == veto_holder_id
    if user_id == bar_raiser_id and not (rules and has_proposal):
        steps.append("Run the debrief")
    if rules and has_proposal:
        steps.append("Concur or veto")
    return tuple(steps)


RECENT_DECISIONS_DAYS = 30
RECENT_DECISIONS_LIMIT = 10


@dataclass(frozen=True)
class RecentDecision:
    """A loop decided lately, as far as the user may know it."""

    loop_id: int
    candidate: str  # the display name (erased: "Erased candidate #<id>")
    requisition: str
    decided_at: datetime
    # None when independence still holds for the user (on the panel, never submitted): they see
    # that the loop was decided, not how.
    outcome: str | None
    # What comes next, in words (None while sealed): make the offer, tell the candidate, or —
    # after a veto, which is final — a new loop, if one is not already under way.
    next_step: str | None = None
    new_loop_id: int | None = None  # a later loop for the same candidate, not cancelled
    vetoed: bool = False  # False while sealed, like the outcome it would give away


def _recent_decisions(theirs: sa.ColumnElement[bool]) -> sa.Select:
    """The statement, for the loops `theirs` picks; the user (whose own feedback may seal a
    loop) is bound per call. The newest decisions since the start of the day on which the
    period starts (:since_day), which the caller narrows to the period.

    That day is written into the statement's text (one text a day), not bound: bound, it left
    PostgreSQL's plan for any start guessing that a third of the history was in the period,
    so that it planned the statement anew on every load for the start given (0.6 ms, four
    times what running it costs). Without a start, the plan walks the decisions from the
    newest, all of them for a hiring manager with fewer than ten."""
    later = aliased(Loop)
    return (
        sa.select(
            Loop.id,
            Loop.decided_at,
            Loop.outcome,
            Loop.vetoed,
            Candidate.id,
            Candidate.name,
            Candidate.erased_at,
            Requisition.title,
            # Who holds the veto: the certified shadow of a trainee-led loop, else its Bar Raiser.
            sa.select(User.name).where(User.id == Loop.veto_holder_id).scalar_subquery(),
            policy.sealed_loop_clause(_UID),
            sa.select(sa.func.min(later.id))
            .where(
                later.candidate_id == Loop.candidate_id,
                later.id > Loop.id,
                later.state != LoopState.CANCELLED,
            )
            .scalar_subquery(),
        )
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(
            Loop.state == LoopState.DECIDED,
            Loop.decided_at
            >= sa.bindparam("since_day", type_=Loop.decided_at.type, literal_execute=True),
            theirs,
        )
        .order_by(Loop.decided_at.desc(), Loop.id.desc())
        .limit(RECENT_DECISIONS_LIMIT)
    )


# Recruiters and admins: every loop; a hiring manager: the loops they hired for.
_ALL_DECISIONS = _recent_decisions(sa.true())
_MANAGERS_DECISIONS = _recent_decisions(Loop.hiring_manager_id == _UID)


def recent_decisions(user: User, *, now: datetime) -> list[RecentDecision]:
    """Loops decided in the last 30 days that the user hired for (hiring manager) or runs
    (recruiters, admins), newest first: hire, no hire, or vetoed. One query."""
    if policy.can_manage_loops(user):
        query = _ALL_DECISIONS
    elif user.has_role(Role.HIRING_MANAGER):
        query = _MANAGERS_DECISIONS
    else:
        return []
    since = now - timedelta(days=RECENT_DECISIONS_DAYS)
    since_day = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    found = read_rows(query, {"uid": user.id, "since_day": since_day})
    rows = [row for row in found if row[1] >= since]
    first_rating = current_settings().performance_first_rating_months if rows else 0
    decisions = []
    for row in rows:
        loop_id, decided_at, outcome, vetoed, candidate_id, name, erased_at, requisition = row[:8]
        holder, sealed, new_loop_id = row[8:]
        candidate = display_name(candidate_id, name, erased_at)
        if sealed:
            decisions.append(
                RecentDecision(loop_id, candidate, requisition, decided_at, outcome=None)
            )
            continue
        decisions.append(
            RecentDecision(
                loop_id,
                candidate,
                requisition,
                decided_at,
                outcome=_outcome_words(outcome, vetoed),
                next_step=_next_step(
                    candidate, outcome, vetoed, decided_at, holder, first_rating, new_loop_id
                ),
                new_loop_id=new_loop_id,
                vetoed=vetoed,
            )
        )
    return decisions


def _next_step(
    candidate: str,
    outcome: Outcome,
    vetoed: bool,
    decided_at: datetime,
    holder: str,
    first_rating_months: int,
    new_loop_id: int | None,
) -> str:
    if vetoed:
        if new_loop_id is not None:
            return f"Vetoed by {holder}; the veto is final. A new loop is under way."
        return (
            f"Vetoed by {holder}; the veto is final. To consider {candidate} again, "
            "a recruiter starts a new loop."
        )
    if outcome is Outcome.HIRE:
        due = add_months(decided_at.date(), first_rating_months)
        return f"Make the offer. Rate {candidate}'s performance from {due.isoformat()}."
    return f"Let {candidate} know."


def _outcome_words(outcome: Outcome, vetoed: bool) -> str:
    if vetoed:
        return "vetoed (no hire)"
    return "hire" if outcome is Outcome.HIRE else "no hire"
