"""The loops part of each user's home page: what is theirs now, in a fixed number of statements.

Each statement is built once, here, with the user and the time as bound parameters, and returns
plain rows (loops.home_rows): building a select and loading entities cost more than the reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from .. import policy
from ..auth.models import User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import LoopState, interview_end
from ..requisitions.models import Requisition
from .home_rows import (
    DraftLoop,
    UpcomingInterview,
    grouped_by_interview,
    with_principles,
)
from .models import Interview, InterviewPrinciple, Loop
from .queries import PANEL_SIZE, SHADOWED, LoopRow
from .rules import MAX_DURATION_MINUTES
from .suggest import BAR_RAISER_LOAD, load_parameters

UPCOMING_LIMIT = 10
LIST_LIMIT = 10

# The states a loop is under way in; the others (decided, cancelled) only grow with the history.
UNDER_WAY = (LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF)
# As equalities rather than an IN list, which SQLAlchemy renders again at every execution.
_UNDER_WAY = sa.or_(*(Loop.state == state for state in UNDER_WAY))


@dataclass
class LoopsDashboard:
    upcoming: list[UpcomingInterview] = field(default_factory=list)
    awaiting: list[DraftLoop] = field(default_factory=list)
    # Recruiters and admins: how many loops sit in each state.
    by_state: dict[LoopState, int | None] | None = None
    # Bar Raisers: the loops they lead that are not over, and their load in the next 14 days.
    bar_raiser_loops: list[LoopRow] | None = None
    bar_raiser_load: int | None = None
    # Of those loops, the ones whose outcome is sealed from the user (policy.sealed_loop_clause).
    sealed: set[int] = field(default_factory=set)


# The user's interviews on scheduled loops that may not have ended ("earliest": now less the
# longest interview), soonest first, a few more than shown: the ended ones are left out in Python.
_UPCOMING_PAGE = (
    sa.select(
        Interview.id,
        Interview.loop_id,
        Interview.interviewer_id,
        Interview.starts_at,
        Interview.duration_minutes,
        Interview.is_shadow,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.title,
    )
    .join(Loop, Loop.id == Interview.loop_id)
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .where(
        Interview.interviewer_id == sa.bindparam("uid"),
        Interview.starts_at >= sa.bindparam("earliest"),
        Loop.state == LoopState.SCHEDULED,
    )
    .order_by(Interview.starts_at, Interview.id)
    .limit(UPCOMING_LIMIT + 8)
    .subquery("upcoming")
)
UPCOMING = with_principles(_UPCOMING_PAGE).order_by(
    _UPCOMING_PAGE.c.starts_at, _UPCOMING_PAGE.c.id, InterviewPrinciple.position
)


def _upcoming(user_id: int, now: datetime) -> list[UpcomingInterview]:
    """The user's interviews on scheduled loops that have not ended, soonest first, with the
    principles to probe."""
    earliest = now - timedelta(minutes=MAX_DURATION_MINUTES)
    rows = read_rows(UPCOMING, {"uid": user_id, "earliest": earliest})
    upcoming = []
    for row, principles in grouped_by_interview(rows):
        if interview_end(row.starts_at, row.duration_minutes) <= now:
            continue
        upcoming.append(
            UpcomingInterview(
                id=row.id,
                loop_id=row.loop_id,
                interviewer_id=row.interviewer_id,
                starts_at=row.starts_at,
                duration_minutes=row.duration_minutes,
                is_shadow=row.is_shadow,
                candidate_name=display_name(row.candidate_id, row.candidate_name, row.erased_at),
                requisition_title=row.title,
                principles=principles,
            )
        )
        if len(upcoming) == UPCOMING_LIMIT:
            break
    return upcoming


# The recruiter's part, in one statement: how many loops are in each state under way (one row,
# each count read through the state's index: the cost does not grow with the history), joined to
# the draft loops waiting to be scheduled, first interview first (no draft: the counts alone).
_COUNTS = sa.select(
    *(
        sa.select(sa.func.count(Loop.id))
        .where(Loop.state == state)
        .scalar_subquery()
        .label(state.value)
        for state in UNDER_WAY
    )
).subquery("counts")
_DRAFTS_PAGE = (
    sa.select(
        Loop.id,
        Loop.state,
        Loop.first_interview_at,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.title,
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .where(Loop.state == LoopState.DRAFT)
    .order_by(Loop.first_interview_at.is_(None), Loop.first_interview_at, Loop.id)
    .limit(LIST_LIMIT)
    .subquery("drafts")
)
RECRUITING = (
    sa.select(_COUNTS, _DRAFTS_PAGE)
    .select_from(_COUNTS.outerjoin(_DRAFTS_PAGE, sa.true()))
    .order_by(
        _DRAFTS_PAGE.c.first_interview_at.is_(None),
        _DRAFTS_PAGE.c.first_interview_at,
        _DRAFTS_PAGE.c.id,
    )
)


def _recruiting(dashboard: LoopsDashboard) -> None:
    """The loops by state, and the draft loops waiting to be scheduled. Debriefs to open or run
    and decisions to propose are the debrief section's (debrief.dashboard), so each item shows
    up once. The states that hold the past (decided, cancelled) are links only, without a count
    (None)."""
    rows = read_rows(RECRUITING).all()
    counts = rows[0]._mapping  # on each row, and on the one row when there is no draft
    for row in rows:
        if row.id is None:
            continue
        dashboard.awaiting.append(
            DraftLoop(
                loop_id=row.id,
                state=row.state,
                candidate_name=display_name(row.candidate_id, row.candidate_name, row.erased_at),
                requisition_title=row.title,
                action="schedule it",
            )
        )
    dashboard.by_state = {
        state: counts[state.value] if state in UNDER_WAY else None for state in LoopState
    }


# The loops the user leads that are under way, first interview first, as the lines of a list of
# loops (loops.queries.LoopRow), each with whether its outcome is sealed from the user; and, in
# the same statement, the user's load (suggest.BAR_RAISER_LOAD): one row of it, joined to each
# loop, or alone when there is none.
_LED_PAGE = (
    sa.select(
        Loop.id,
        Loop.state,
        Loop.outcome,
        Loop.vetoed,
        Loop.first_interview_at,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.title,
        Requisition.level,
        Requisition.department,
        PANEL_SIZE.label("panel_size"),
        SHADOWED.label("shadowed"),
        policy.sealed_loop_clause(sa.bindparam("uid")).label("sealed"),
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .where(Loop.bar_raiser_id == sa.bindparam("uid"), _UNDER_WAY)
    .order_by(Loop.first_interview_at.is_(None), Loop.first_interview_at, Loop.id)
    .limit(LIST_LIMIT)
    .subquery("led")
)
_LOAD = BAR_RAISER_LOAD.subquery("load")
LED = (
    sa.select(_LOAD.c.load, _LED_PAGE)
    .select_from(_LOAD.outerjoin(_LED_PAGE, sa.true()))
    .order_by(
        _LED_PAGE.c.first_interview_at.is_(None), _LED_PAGE.c.first_interview_at, _LED_PAGE.c.id
    )
)


def _lead(dashboard: LoopsDashboard, user: User, now: datetime) -> None:
    """The Bar Raiser's part: the loops they lead that are not over, which of them are sealed
    from them, and their load in the next 14 days."""
    loops = []
    for row in read_rows(LED, load_parameters(user.id, now)):
        dashboard.bar_raiser_load = row.load
        if row.id is None:
            continue  # no loop under way: the load alone
        loops.append(
            LoopRow(
                id=row.id,
                state=row.state,
                outcome=row.outcome,
                vetoed=row.vetoed,
                first_interview_at=row.first_interview_at,
                candidate_name=display_name(row.candidate_id, row.candidate_name, row.erased_at),
                requisition_title=row.title,
                requisition_level=row.level,
                requisition_department=row.department,
                bar_raiser_name=user.name,
                panel_size=row.panel_size,
                shadowed=bool(row.shadowed),
            )
        )
        if row.sealed:
            dashboard.sealed.add(row.id)
    dashboard.bar_raiser_loops = loops


def loops_dashboard(user: User, *, now: datetime) -> LoopsDashboard:
    """What `user` has on: their upcoming interviews with the principles to probe, the loops
    awaiting them, and by role the loops by state (recruiters) or their loops and load (Bar
    Raisers)."""
    dashboard = LoopsDashboard(upcoming=_upcoming(user.id, now))
    if policy.can_manage_loops(user):
        _recruiting(dashboard)
    if user.is_certified_bar_raiser:
        _lead(dashboard, user, now)
    return dashboard
