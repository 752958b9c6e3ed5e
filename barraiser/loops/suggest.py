"""Help for the recruiter: a split of the required principles over the chosen interviewers, and the
eligible Bar Raisers, least loaded first (a Bar Raiser program lives or dies by workload)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..domain import LoopState
from ..extensions import db
from ..principles.services import active_principles
from ..requisitions.models import Requisition
from .models import Loop
from .rules import MAX_PRINCIPLES, may_lead_as_bar_raiser_clause

LOAD_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class PrincipleSplit:
    """Principle ids per interviewer, in the order the interviewers were given."""

    assignments: list[list[int]]
    uncovered: list[int] = field(default_factory=list)


def split_principles(
    required_ids: Sequence[int], interviewer_count: int, spare_ids: Sequence[int] = ()
) -> PrincipleSplit:
    """Deal the required principles round the panel: every one covered (as far as three per
    interviewer allows), none twice, counts differing by at most one. An interviewer left without
    one gets a spare principle (not required, not yet dealt), so each probes one to three."""
    if interviewer_count <= 0:
        return PrincipleSplit([], list(required_ids))
    capacity = interviewer_count * MAX_PRINCIPLES
    required = list(dict.fromkeys(required_ids))
    assignments: list[list[int]] = [[] for _ in range(interviewer_count)]
    for position, principle_id in enumerate(required[:capacity]):
        assignments[position % interviewer_count].append(principle_id)
    spares = [p for p in dict.fromkeys(spare_ids) if p not in required]
    for principles in assignments:
        if not principles and spares:
            principles.append(spares.pop(0))
    return PrincipleSplit(assignments, required[capacity:])


@dataclass(frozen=True)
class BarRaiserLoad:
    user: User
    loops: int  # loops they lead with an interview in the next 14 days


def _load_window(
    start: datetime | sa.BindParameter[datetime], end: datetime | sa.BindParameter[datetime]
) -> sa.ColumnElement[bool]:
    """Loops not cancelled whose first interview falls in [start, end). The states are named
    one by one, so that a Bar Raiser's loops are read by (Bar Raiser, state, first interview):
    "not cancelled" would read every loop they ever led."""
    return sa.and_(
        sa.or_(*(Loop.state == state for state in LoopState if state is not LoopState.CANCELLED)),
        Loop.first_interview_at >= start,
        Loop.first_interview_at < end,
    )


# One Bar Raiser's load, built once: the user ("uid") and the window ("now", "horizon": now plus
# LOAD_WINDOW, bound rather than computed in SQL, which SQLite cannot do on its datetimes) are
# bound at each execution (load_parameters). The home page reads it inside its own statement.
BAR_RAISER_LOAD = sa.select(sa.func.count(Loop.id).label("load")).where(
    Loop.bar_raiser_id == sa.bindparam("uid"),
    _load_window(sa.bindparam("now"), sa.bindparam("horizon")),
)


def load_parameters(user_id: int, now: datetime) -> dict[str, object]:
    return {"uid": user_id, "now": now, "horizon": now + LOAD_WINDOW}


def eligible_bar_raisers(
    requisition: Requisition, *, hiring_manager_id: int | None, now: datetime
) -> list[BarRaiserLoad]:
    """Who may lead a loop for `requisition` as its Bar Raiser (rules.bar_raiser_requirements:
    certified, active, outside its department, not its hiring manager, senior enough to
    interview), least loaded first."""
    loops = sa.func.count(Loop.id)
    query = (
        sa.select(User, loops)
        .outerjoin(
            Loop,
            sa.and_(Loop.bar_raiser_id == User.id, _load_window(now, now + LOAD_WINDOW)),
        )
        .where(
            may_lead_as_bar_raiser_clause(
                requisition, hiring_manager_id=hiring_manager_id or requisition.hiring_manager_id
            )
        )
        .group_by(User.id)
        .order_by(loops, User.name, User.id)
    )
    return [BarRaiserLoad(user, count) for user, count in db.session.execute(query)]


@dataclass(frozen=True)
class PanelSuggestion:
    split: PrincipleSplit
    bar_raisers: list[BarRaiserLoad]
    uncovered_names: list[str]


def suggest_panel(
    requisition: Requisition,
    *,
    interviewer_count: int,
    bar_raisers: list[BarRaiserLoad],
) -> PanelSuggestion:
    """The principle split for `interviewer_count` interviewers, with the Bar Raisers to offer."""
    required = [p.id for p in requisition.required_principles]
    spares = [p.id for p in active_principles()]
    split = split_principles(required, interviewer_count, spares)
    names = {p.id: p.name for p in requisition.required_principles}
    return PanelSuggestion(
        split=split,
        bar_raisers=bar_raisers,
        uncovered_names=[names[pid] for pid in split.uncovered],
    )
