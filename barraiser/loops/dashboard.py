"""The loops part of each user's home page: what is theirs now, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..auth.models import User
from ..domain import LoopState
from ..extensions import db
from .models import LIST_ROW, Interview, InterviewPrinciple, Loop
from .queries import LoopRow, loop_rows
from .rules import MAX_DURATION_MINUTES
from .suggest import bar_raiser_load

UPCOMING_LIMIT = 10
LIST_LIMIT = 10


@dataclass(frozen=True)
class AwaitedLoop:
    loop: Loop
    action: str  # what the user is to do, in words


@dataclass
class LoopsDashboard:
    upcoming: list[Interview] = field(default_factory=list)
    awaiting: list[AwaitedLoop] = field(default_factory=list)
    # Recruiters and admins: how many loops sit in each state.
    by_state: dict[LoopState, int | None] | None = None
    # Bar Raisers: the loops they lead that are not over, and their load in the next 14 days.
    bar_raiser_loops: list[LoopRow] | None = None
    bar_raiser_load: int | None = None
    # Of those loops, the ones whose outcome is sealed from the user (policy.loops_sealed_for).
    sealed: set[int] = field(default_factory=set)


def _upcoming(user: User, now: datetime) -> list[Interview]:
    """The user's interviews on scheduled loops that have not ended, soonest first."""
    earliest = now - timedelta(minutes=MAX_DURATION_MINUTES)
    query = (
        sa.select(Interview)
        .join(Loop, Loop.id == Interview.loop_id)
        .where(
            Interview.interviewer_id == user.id,
            Interview.starts_at >= earliest,
            Loop.state == LoopState.SCHEDULED,
        )
        .options(
            joinedload(Interview.loop).options(
                joinedload(Loop.candidate), joinedload(Loop.requisition)
            ),
            selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
        )
        .order_by(Interview.starts_at, Interview.id)
        .limit(UPCOMING_LIMIT + 8)
    )
    return [i for i in db.session.scalars(query) if i.ends_at > now][:UPCOMING_LIMIT]


def _awaiting(user: User) -> list[AwaitedLoop]:
    """Draft loops waiting to be scheduled, for recruiters. Debriefs to open or run and decisions
    to propose are the debrief section's (debrief.dashboard), so each item shows up once."""
    if not policy.can_manage_loops(user):
        return []
    query = (
        sa.select(Loop)
        .where(Loop.state == LoopState.DRAFT)
        .options(*LIST_ROW)
        .order_by(Loop.first_interview_at.is_(None), Loop.first_interview_at, Loop.id)
        .limit(LIST_LIMIT)
    )
    return [AwaitedLoop(loop, "schedule it") for loop in db.session.scalars(query)]


# The states a loop is under way in; the others (decided, cancelled) only grow with the history.
UNDER_WAY = (LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF)


def _by_state() -> dict[LoopState, int | None]:
    """How many loops are in each state under way (read through the state's index: the cost does
    not grow with the history); None for the states that hold the past, which are links only."""
    query = (
        sa.select(Loop.state, sa.func.count(Loop.id))
        .where(Loop.state.in_(UNDER_WAY))
        .group_by(Loop.state)
    )
    counts = {state: count for state, count in db.session.execute(query)}
    return {state: counts.get(state, 0) if state in UNDER_WAY else None for state in LoopState}


def _bar_raiser_loops(user: User) -> list[LoopRow]:
    query = (
        sa.select(Loop)
        .where(
            Loop.bar_raiser_id == user.id,
            Loop.state.in_([LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF]),
        )
        .order_by(Loop.first_interview_at.is_(None), Loop.first_interview_at, Loop.id)
        .limit(LIST_LIMIT)
    )
    return loop_rows(query)


def loops_dashboard(user: User, *, now: datetime) -> LoopsDashboard:
    """What `user` has on: their upcoming interviews with the principles to probe, the loops
    awaiting them, and by role the loops by state (recruiters) or their loops and load (Bar
    Raisers)."""
    dashboard = LoopsDashboard(upcoming=_upcoming(user, now), awaiting=_awaiting(user))
    if policy.can_manage_loops(user):
        dashboard.by_state = _by_state()
    if user.is_certified_bar_raiser:
        dashboard.bar_raiser_loops = _bar_raiser_loops(user)
        dashboard.sealed = policy.loops_sealed_for(
            user, [loop.id for loop in dashboard.bar_raiser_loops]
        )
        dashboard.bar_raiser_load = bar_raiser_load(user, now=now)
    return dashboard
