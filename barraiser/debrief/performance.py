"""Hires awaiting a performance rating: when each rating falls due (settings: months after the
decision), the hiring manager's list on their home page, and the sweep's notice when one is due.

The report's outcome figures (do votes predict performance?) are only as good as these ratings,
so the hiring manager is asked at each milestone until a rating dated on or after it is in.
Independence holds here too: a hiring manager who sat on the panel and never submitted is not
told, by a list or a message, that the loop ended in a hire.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import policy
from ..auth.models import User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import LoopState, Outcome
from ..extensions import db
from ..loops.models import Loop
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..requisitions.models import Requisition
from ..settings.services import current_settings
from .models import HirePerformance

PERFORMANCE_DUE_KIND = "performance_due"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 January plus
    one month is the last day of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RatingDue:
    """A hire whose performance rating is due, for the sweep's notice: the milestone reached
    (months after the decision), the day it fell due, and the latest rating so far (None: never
    rated). The home page's list reads the same rows as plain columns (HireAwaitingRating)."""

    loop: Loop
    months: int
    due_on: date
    last_rated_on: date | None


def _milestones() -> tuple[int, ...]:
    settings = current_settings()
    return tuple(
        sorted(
            {settings.performance_first_rating_months, settings.performance_second_rating_months}
        )
    )


def rating_due(
    decided_on: date, last_rated_on: date | None, *, today: date, milestones: tuple[int, ...]
) -> tuple[int, date] | None:
    """The latest milestone reached by `today` with no rating dated on or after it, as (months,
    due day); None when nothing is due."""
    reached = [
        (months, add_months(decided_on, months))
        for months in milestones
        if add_months(decided_on, months) <= today
    ]
    if not reached:
        return None
    months, due_on = reached[-1]
    if last_rated_on is not None and last_rated_on >= due_on:
        return None
    return months, due_on


# Built once: the latest rating of the loop in the enclosing query.
_LAST_RATED = (
    sa.select(sa.func.max(HirePerformance.rated_on))
    .where(HirePerformance.loop_id == Loop.id)
    .scalar_subquery()
)


def _unrated_hires(decided_by: sa.ColumnElement[datetime] | datetime) -> sa.ColumnElement[bool]:
    """SQL over `Loop`: the hires that may await a rating, decided by `decided_by` (months are at
    least 28 days: a bound SQL can use; rating_due checks the exact day)."""
    return sa.and_(
        Loop.state == LoopState.DECIDED,
        Loop.outcome == Outcome.HIRE,
        Loop.decided_at <= decided_by,
        # Loops run here: imported history brings its ratings in the file, and nobody is asked
        # about hires made before the mechanism was in use.
        Loop.external_ref.is_(None),
        ~policy.sealed_loop_clause(Loop.hiring_manager_id),
    )


def _hires(*, now: datetime) -> list[RatingDue]:
    """Hires with a rating due at `now`, of every hiring manager, for the sweep; one query."""
    milestones = _milestones()
    query = (
        sa.select(Loop, _LAST_RATED)
        .where(_unrated_hires(now - timedelta(days=28 * milestones[0])))
        .options(
            joinedload(Loop.candidate),
            # The title only: not the principles the requisition requires (a statement more).
            joinedload(Loop.requisition),
            joinedload(Loop.hiring_manager),
        )
        .order_by(Loop.decided_at, Loop.id)
    )
    due = []
    for loop, last_rated_on in db.session.execute(query):
        assert loop.decided_at is not None
        found = rating_due(
            loop.decided_at.date(), last_rated_on, today=now.date(), milestones=milestones
        )
        if found is not None:
            due.append(RatingDue(loop, found[0], found[1], last_rated_on))
    return due


@dataclass(frozen=True)
class HireAwaitingRating:
    """A line of the hiring manager's list: the hire, the milestone reached (months after the
    decision), the day it fell due, and the latest rating so far (None: never rated)."""

    loop_id: int
    candidate: str  # the display name (erased: "Erased candidate #<id>")
    requisition: str
    decided_at: datetime
    months: int
    due_on: date
    last_rated_on: date | None


# Built once (building a select costs as much as running it); the hiring manager and the time
# are bound per call.
_AWAITING = (
    sa.select(
        Loop.id,
        Loop.decided_at,
        Candidate.id,
        Candidate.name,
        Candidate.erased_at,
        Requisition.title,
        _LAST_RATED,
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .where(
        Loop.hiring_manager_id == sa.bindparam("uid", type_=sa.Integer),
        _unrated_hires(sa.bindparam("decided_by", type_=Loop.decided_at.type)),
    )
    .order_by(Loop.decided_at, Loop.id)
)


def hires_awaiting_rating(user: User, *, now: datetime) -> list[HireAwaitingRating]:
    """The hiring manager's hires whose performance rating is due, oldest decision first; one
    query."""
    milestones = _milestones()
    rows = read_rows(
        _AWAITING, {"uid": user.id, "decided_by": now - timedelta(days=28 * milestones[0])}
    )
    due = []
    for loop_id, decided_at, candidate_id, name, erased_at, requisition, last_rated_on in rows:
        assert decided_at is not None  # a decided loop
        found = rating_due(
            decided_at.date(), last_rated_on, today=now.date(), milestones=milestones
        )
        if found is not None:
            due.append(
                HireAwaitingRating(
                    loop_id,
                    display_name(candidate_id, name, erased_at),
                    requisition,
                    decided_at,
                    months=found[0],
                    due_on=found[1],
                    last_rated_on=last_rated_on,
                )
            )
    return due


def queue_performance_due(*, now: datetime) -> int:
    """Ask each hiring manager for the rating of each hire that reached a milestone unrated:
    an email and an in-app notification, once per hire and milestone, however many sweeps run
    at once (the outbox's dedupe key). Returns how many were queued; the caller commits."""
    queued = 0
    for item in _hires(now=now):
        loop = item.loop
        candidate = loop.candidate.display_name
        queued += queue_message(
            loop.hiring_manager,
            kind=PERFORMANCE_DUE_KIND,
            dedupe_key=f"performance-due:{loop.id}:{item.months}",
            subject=f"Rate {candidate}'s performance: {item.months} months since the hire",
            template="performance_due",
            context={"loop": loop, "candidate": candidate, "item": item},
            now=now,
            loop_id=loop.id,
            candidate_id=loop.candidate_id,
            link=app_path("debrief.page", loop_id=loop.id),
        )
    return queued
