"""The feedback part of each person's home page: the feedback they have to write (due or overdue)
and have submitted, how much feedback is in on the loops they lead, and for recruiters the overdue
feedback and the loops ready for debrief across the organisation. (Upcoming interviews are the
loops slice's section, debrief steps the debrief slice's.)

A fixed handful of queries whatever the number of loops; no content of anyone's feedback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..auth.models import User
from ..domain import FeedbackState
from ..extensions import db
from ..loops.models import Interview, InterviewPrinciple, Loop
from .models import Feedback
from .queries import OPEN_LOOP_STATES, ready_loops

LIST_LIMIT = 100


@dataclass(frozen=True)
class InterviewItem:
    interview: Interview
    due_at: datetime
    state: FeedbackState | None  # None: nothing written yet
    submitted: bool
    submitted_at: datetime | None
    overdue: bool

    @property
    def loop(self) -> Loop:
        return self.interview.loop


@dataclass
class FeedbackDashboard:
    to_write: list[InterviewItem] = field(default_factory=list)
    submitted: list[InterviewItem] = field(default_factory=list)
    overdue_everywhere: list[InterviewItem] = field(default_factory=list)
    ready_everywhere: list[Loop] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.to_write if item.overdue)


def _interview_options() -> list:
    return [
        joinedload(Interview.loop).joinedload(Loop.candidate),
        joinedload(Interview.loop).joinedload(Loop.requisition),
        selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
    ]


def _my_interviews(user: User, *, now: datetime) -> list[InterviewItem]:
    interviews = db.session.scalars(
        sa.select(Interview)
        .join(Loop, Loop.id == Interview.loop_id)
        .where(Interview.interviewer_id == user.id, Loop.state.in_(OPEN_LOOP_STATES))
        .options(*_interview_options())
        .order_by(Interview.starts_at, Interview.id)
        .limit(LIST_LIMIT)
    ).all()
    if not interviews:
        return []
    states = {
        interview_id: (state, submitted, submitted_at)
        for interview_id, state, submitted, submitted_at in db.session.execute(
            sa.select(
                Feedback.interview_id, Feedback.state, Feedback.submitted, Feedback.submitted_at
            ).where(
                Feedback.interview_id.in_([interview.id for interview in interviews]),
                Feedback.author_id == user.id,
            )
        )
    }
    items = []
    for interview in interviews:
        state, submitted, submitted_at = states.get(interview.id, (None, False, None))
        due = interview.feedback_due_at
        items.append(
            InterviewItem(
                interview=interview,
                due_at=due,
                state=state,
                submitted=bool(submitted),
                submitted_at=submitted_at,
                overdue=not submitted and now > due,
            )
        )
    return items


def overdue_feedback(*, now: datetime, limit: int = LIST_LIMIT) -> list[InterviewItem]:
    """Panel interviews in open loops whose feedback is past its deadline, oldest first."""
    interviews = db.session.scalars(
        sa.select(Interview)
        .join(Loop, Loop.id == Interview.loop_id)
        .outerjoin(
            Feedback,
            sa.and_(
                Feedback.interview_id == Interview.id,
                Feedback.submitted,
            ),
        )
        .where(
            Loop.state.in_(OPEN_LOOP_STATES),
            Interview.is_shadow.is_(False),
            Interview.feedback_due_at < now,
            Feedback.id.is_(None),
        )
        .options(*_interview_options(), joinedload(Interview.interviewer))
        .order_by(Interview.starts_at, Interview.id)
        .limit(limit)
    ).all()
    return [
        InterviewItem(interview, interview.feedback_due_at, None, False, None, overdue=True)
        for interview in interviews
    ]


def dashboard_for(user: User, *, now: datetime) -> FeedbackDashboard:
    board = FeedbackDashboard()
    for item in _my_interviews(user, now=now):
        if item.submitted:
            board.submitted.append(item)
        elif item.interview.starts_at <= now:
            board.to_write.append(item)
    if policy.can_manage_loops(user):
        board.overdue_everywhere = overdue_feedback(now=now)
        board.ready_everywhere = ready_loops()
    return board
