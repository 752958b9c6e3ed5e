"""Reading feedback, with independence enforced in the query itself: a function here never returns
feedback the user may not read, so no page can leak it by forgetting a check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import policy
from ..auth.models import User
from ..database import read_rows
from ..domain import LoopState
from ..extensions import db
from ..loops.models import Interview, Loop
from .models import Feedback, PrincipleRating

# Loops whose feedback is still being written or read before the decision.
OPEN_LOOP_STATES = (LoopState.SCHEDULED, LoopState.DEBRIEF)


def _with_content(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(Feedback.ratings).joinedload(PrincipleRating.principle),
        selectinload(Feedback.addenda),
        joinedload(Feedback.interview).joinedload(Interview.interviewer),
    )


def own_feedback(interview: Interview, user: User) -> Feedback | None:
    """The user's own feedback on their interview, draft or submitted; never anyone else's."""
    return db.session.scalars(
        _with_content(
            sa.select(Feedback).where(
                Feedback.interview_id == interview.id,
                Feedback.author_id == user.id,
            )
        )
    ).one_or_none()


def readable_feedback(user: User, loop: Loop) -> list[Feedback]:
    """The loop's feedback `user` may read: their own always; others' only once submitted, and
    only when policy lets them see the panel's feedback (on the panel: after submitting their own).
    Drafts are never returned to anyone but their author.

    Ordered as the panel should read it: interviews in order, the hiring manager's last (the most
    senior voice should not anchor the others), shadow feedback after the panel.
    """
    own = sa.and_(Feedback.author_id == user.id, Interview.interviewer_id == user.id)
    visible = sa.or_(own, Feedback.submitted) if policy.can_view_panel_feedback(user, loop) else own
    rows = db.session.scalars(
        _with_content(
            sa.select(Feedback)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(Interview.loop_id == loop.id, visible)
        )
    ).all()
    return sorted(
        rows,
        key=lambda feedback: (
            feedback.interview.is_shadow,
            feedback.interview.interviewer_id == loop.hiring_manager_id,
            feedback.interview.starts_at,
            feedback.interview.id,
        ),
    )


@dataclass(frozen=True)
class SubmissionState:
    """Whether one interview's feedback is in: state and timing only, never content."""

    interview: Interview
    due_at: datetime
    submitted_at: datetime | None
    is_late: bool
    overdue: bool

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


def submission_states(loop: Loop, *, now: datetime) -> list[SubmissionState]:
    """Every interview of the loop with its deadline and submission time, in one query (the
    loop's interviews already loaded)."""
    submitted = {
        interview_id: (submitted_at, is_late)
        for interview_id, submitted_at, is_late in db.session.execute(
            sa.select(Feedback.interview_id, Feedback.submitted_at, Feedback.is_late)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(Interview.loop_id == loop.id, Feedback.submitted)
        )
    }
    states = []
    for interview in loop.interviews:
        submitted_at, is_late = submitted.get(interview.id, (None, False))
        due = interview.feedback_due_at
        states.append(
            SubmissionState(
                interview=interview,
                due_at=due,
                submitted_at=submitted_at,
                is_late=is_late,
                overdue=submitted_at is None and now > due,
            )
        )
    return states


# --- "all the panel's feedback is in": one rule, in Python over counts and in SQL over rows ----


def awaiting_panel_feedback() -> sa.ColumnElement[bool]:
    """SQL, over an Interview row: a panel interview (shadows never block) whose feedback is not
    submitted yet."""
    submitted = sa.select(Feedback.id).where(
        Feedback.interview_id == Interview.id, Feedback.submitted
    )
    return sa.and_(Interview.is_shadow.is_(False), ~submitted.exists())


def panel_complete_clause() -> sa.ColumnElement[bool]:
    """SQL twin of `PanelProgress.complete`, over a Loop row: the loop has a panel, and none of
    its panel interviews awaits feedback. Usable in a WHERE or as a selected column."""
    of_loop = Interview.loop_id == Loop.id
    panel = sa.select(Interview.id).where(of_loop, Interview.is_shadow.is_(False))
    awaiting = sa.select(Interview.id).where(of_loop, awaiting_panel_feedback())
    return sa.and_(panel.exists(), ~awaiting.exists())


@dataclass(frozen=True)
class PanelProgress:
    """How much of a loop's feedback is in. Counts are fine to show everyone on the loop."""

    submitted: int = 0
    total: int = 0
    shadow_submitted: int = 0
    shadow_total: int = 0

    @property
    def complete(self) -> bool:
        """Every panel interview (shadows aside) has submitted feedback (in SQL:
        panel_complete_clause)."""
        return self.total > 0 and self.submitted == self.total

    @property
    def label(self) -> str:
        return f"{self.submitted} of {self.total} submitted"


# Panel and shadow counts of the loops `loops` (an expanding parameter), built once.
_PROGRESS = (
    sa.select(
        Interview.loop_id,
        Interview.is_shadow,
        sa.func.count(Interview.id),
        sa.func.count(Feedback.id),
    )
    .outerjoin(Feedback, sa.and_(Feedback.interview_id == Interview.id, Feedback.submitted))
    .where(Interview.loop_id.in_(sa.bindparam("loops", expanding=True)))
    .group_by(Interview.loop_id, Interview.is_shadow)
)


def progress_by_loop(loop_ids: Iterable[int]) -> dict[int, PanelProgress]:
    """Panel and shadow submission counts for many loops in one aggregate query."""
    ids = list(loop_ids)
    if not ids:
        return {}
    counts: dict[int, dict[str, int]] = {loop_id: {} for loop_id in ids}
    for loop_id, is_shadow, total, submitted in read_rows(_PROGRESS, {"loops": ids}):
        prefix = "shadow_" if is_shadow else ""
        counts[loop_id][f"{prefix}total"] = total
        counts[loop_id][f"{prefix}submitted"] = submitted
    return {loop_id: PanelProgress(**values) for loop_id, values in counts.items()}


# The interviews and feedback progress_columns counts, apart from those of the statement it joins.
_Counted = aliased(Interview)
_CountedFeedback = aliased(Feedback)


def progress_columns(
    loop_id: sa.ColumnElement[int] | sa.orm.InstrumentedAttribute[int],
) -> tuple[sa.Label[int], ...]:
    """PanelProgress's counts for the loop `loop_id` (a column of the statement they join), as
    columns named as its fields: a page about one loop reads them with its other columns rather
    than in a statement of their own (progress_of reads them back)."""
    columns = []
    for shadow, prefix in ((False, ""), (True, "shadow_")):
        counted = sa.and_(_Counted.loop_id == loop_id, _Counted.is_shadow.is_(shadow))
        total = sa.select(sa.func.count(_Counted.id)).where(counted)
        submitted = (
            sa.select(sa.func.count(_CountedFeedback.id))
            .join(_Counted, _Counted.id == _CountedFeedback.interview_id)
            .where(counted, _CountedFeedback.submitted)
        )
        columns.append(total.scalar_subquery().label(f"{prefix}total"))
        columns.append(submitted.scalar_subquery().label(f"{prefix}submitted"))
    return tuple(columns)


def progress_of(row: Any) -> PanelProgress:
    """The PanelProgress of a row holding progress_columns."""
    return PanelProgress(
        submitted=row.submitted,
        total=row.total,
        shadow_submitted=row.shadow_submitted,
        shadow_total=row.shadow_total,
    )


def panel_progress(loop: Loop) -> PanelProgress:
    return progress_by_loop([loop.id])[loop.id]


def panel_complete(loop: Loop) -> bool:
    """Every panel interview (shadows aside) has submitted feedback: the loop is ready for its
    debrief."""
    return panel_progress(loop).complete


def missing_panel_feedback(loop: Loop) -> list[Interview]:
    """The panel interviews still awaiting feedback, interviewers loaded, in interview order."""
    return list(
        db.session.scalars(
            sa.select(Interview)
            .where(Interview.loop_id == loop.id, awaiting_panel_feedback())
            .options(joinedload(Interview.interviewer))
            .order_by(Interview.starts_at, Interview.id)
        )
    )
