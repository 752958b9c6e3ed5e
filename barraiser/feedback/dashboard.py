"""The feedback part of each person's home page: the feedback they have to write (due or overdue)
and have submitted, how much feedback is in on the loops they lead, and for recruiters the overdue
feedback and the loops ready for debrief across the organisation. (Upcoming interviews are the
loops slice's section, debrief steps the debrief slice's.)

A fixed handful of statements whatever the number of loops, each built once here with the user and
the time bound at execution, returning plain rows; no content of anyone's feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .. import policy
from ..auth.models import User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import FeedbackState, LoopState
from ..loops.home_rows import (
    PrincipleName,
    grouped_by_interview,
    with_principles,
)
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..requisitions.models import Requisition
from .models import Feedback
from .queries import OPEN_LOOP_STATES, panel_complete_clause

LIST_LIMIT = 100

# OPEN_LOOP_STATES as equalities rather than an IN list, which SQLAlchemy renders again at every
# execution.
_OPEN_LOOP = sa.or_(*(Loop.state == state for state in OPEN_LOOP_STATES))


@dataclass(frozen=True, slots=True)
class InterviewItem:
    """One of the user's interviews on an open loop, and where their feedback on it stands."""

    interview_id: int
    loop_id: int
    starts_at: datetime
    is_shadow: bool
    candidate_name: str
    requisition_title: str
    principles: Sequence[PrincipleName]
    due_at: datetime
    state: FeedbackState | None  # None: nothing written yet
    submitted: bool
    submitted_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """A panel interview whose feedback is past its deadline, and whose it is."""

    interview_id: int
    loop_id: int
    candidate_name: str
    requisition_title: str
    interviewer_name: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ReadyLoop:
    """A scheduled loop whose panel feedback is all in: a debrief to run."""

    loop_id: int
    candidate_name: str
    requisition_title: str
    bar_raiser_name: str


@dataclass
class FeedbackDashboard:
    to_write: list[InterviewItem] = field(default_factory=list)
    submitted: list[InterviewItem] = field(default_factory=list)
    overdue_everywhere: list[OverdueItem] = field(default_factory=list)
    ready_everywhere: list[ReadyLoop] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.to_write if item.overdue)


# The user's interviews on open loops, first first, with their own feedback's state (the feedback
# of an interview is its interviewer's: naming the author reads it by index), then the principles.
_MINE_PAGE = (
    sa.select(
        Interview.id,
        Interview.loop_id,
        Interview.starts_at,
        Interview.is_shadow,
        Interview.feedback_due_at,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.title,
        Feedback.state.label("feedback_state"),
        Feedback.submitted.label("submitted"),
        Feedback.submitted_at,
    )
    .join(Loop, Loop.id == Interview.loop_id)
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .outerjoin(
        Feedback,
        sa.and_(Feedback.interview_id == Interview.id, Feedback.author_id == sa.bindparam("uid")),
    )
    # Read from the open loops (few), then their interviews: "+ 0" keeps the interviewer's index
    # out, which SQLite, keeping no statistics, would otherwise take and walk every interview
    # the person ever held.
    .where((Interview.interviewer_id + 0) == sa.bindparam("uid"), _OPEN_LOOP)
    .order_by(Interview.starts_at, Interview.id)
    .limit(LIST_LIMIT)
    .subquery("mine")
)
MINE = with_principles(_MINE_PAGE).order_by(
    _MINE_PAGE.c.starts_at, _MINE_PAGE.c.id, InterviewPrinciple.position
)


def _my_interviews(user: User, *, now: datetime) -> list[InterviewItem]:
    items = []
    for row, principles in grouped_by_interview(read_rows(MINE, {"uid": user.id})):
        submitted = bool(row.submitted)
        items.append(
            InterviewItem(
                interview_id=row.id,
                loop_id=row.loop_id,
                starts_at=row.starts_at,
                is_shadow=row.is_shadow,
                candidate_name=display_name(row.candidate_id, row.candidate_name, row.erased_at),
                requisition_title=row.title,
                principles=principles,
                due_at=row.feedback_due_at,
                state=row.feedback_state,
                submitted=submitted,
                submitted_at=row.submitted_at,
                overdue=not submitted and now > row.feedback_due_at,
            )
        )
    return items


OVERDUE = (
    sa.select(
        Interview.id,
        Interview.loop_id,
        Interview.feedback_due_at,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.title,
        User.name.label("interviewer_name"),
    )
    .join(Loop, Loop.id == Interview.loop_id)
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .join(User, User.id == Interview.interviewer_id)
    .outerjoin(Feedback, sa.and_(Feedback.interview_id == Interview.id, Feedback.submitted))
    .where(
        _OPEN_LOOP,
        Interview.is_shadow.is_(False),
        Interview.feedback_due_at < sa.bindparam("now"),
        Feedback.id.is_(None),
    )
    .order_by(Interview.starts_at, Interview.id)
    .limit(sa.bindparam("limit"))
)


def overdue_feedback(*, now: datetime, limit: int = LIST_LIMIT) -> list[OverdueItem]:
    """Panel interviews in open loops whose feedback is past its deadline, oldest first."""
    return [
        OverdueItem(
            interview_id=interview_id,
            loop_id=loop_id,
            candidate_name=display_name(candidate_id, name, erased_at),
            requisition_title=title,
            interviewer_name=interviewer_name,
            due_at=due_at,
        )
        for (
            interview_id,
            loop_id,
            due_at,
            candidate_id,
            name,
            erased_at,
            title,
            interviewer_name,
        ) in read_rows(OVERDUE, {"now": now, "limit": limit})
    ]


# The scheduled loops whose panel feedback is all in (the debriefs to run), as rows.
READY = (
    sa.select(
        Loop.id,
        Candidate.id.label("candidate_id"),
        Candidate.name,
        Candidate.erased_at,
        Requisition.title,
        User.name.label("bar_raiser_name"),
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .join(User, User.id == Loop.bar_raiser_id)
    .where(Loop.state == LoopState.SCHEDULED, panel_complete_clause())
    .order_by(Loop.first_interview_at, Loop.id)
    .limit(LIST_LIMIT)
)


def _ready_loops() -> list[ReadyLoop]:
    return [
        ReadyLoop(loop_id, display_name(candidate_id, name, erased_at), title, bar_raiser_name)
        for loop_id, candidate_id, name, erased_at, title, bar_raiser_name in read_rows(READY)
    ]


def dashboard_for(user: User, *, now: datetime) -> FeedbackDashboard:
    board = FeedbackDashboard()
    for item in _my_interviews(user, now=now):
        if item.submitted:
            board.submitted.append(item)
        elif item.starts_at <= now:
            board.to_write.append(item)
    if policy.can_manage_loops(user):
        board.overdue_everywhere = overdue_feedback(now=now)
        board.ready_everywhere = _ready_loops()
    return board
