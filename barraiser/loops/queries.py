"""Reading loops, requisitions and candidates for pages, with everything a page shows loaded in a
fixed number of queries, whatever the panel size or the number of rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import BarRaiserStatus, Role, User, UserRole
from ..extensions import db
from ..principles.services import active_principles
from .models import Candidate, Interview, InterviewPrinciple, Loop, Requisition, RequisitionStatus

CANDIDATE_CHOICES = 500

# Everything the loop page and the panel editor read, in five or six queries.
PANEL = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
    joinedload(Loop.hiring_manager),
    joinedload(Loop.bar_raiser),
    selectinload(Loop.interviews).options(
        joinedload(Interview.interviewer),
        selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
    ),
)

# What a row of a loop list shows.
LIST_ROW = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
    joinedload(Loop.bar_raiser),
    selectinload(Loop.interviews),
)


def loop_with_panel(loop_id: int) -> Loop | None:
    return db.session.scalar(sa.select(Loop).where(Loop.id == loop_id).options(*PANEL))


def interview_for_calendar(interview_id: int) -> Interview | None:
    return db.session.scalar(
        sa.select(Interview)
        .where(Interview.id == interview_id)
        .options(
            joinedload(Interview.interviewer),
            joinedload(Interview.loop).options(*PANEL),
            selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
        )
    )


def loop_counts(column: sa.orm.InstrumentedAttribute, ids: list[int]) -> dict[int, int]:
    """How many loops each of `ids` has, by `column` (Loop.requisition_id, Loop.candidate_id)."""
    if not ids:
        return {}
    query = sa.select(column, sa.func.count(Loop.id)).where(column.in_(ids)).group_by(column)
    return {key: count for key, count in db.session.execute(query)}


def _active_users() -> sa.Select:
    return sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)


def _label(user: User) -> str:
    return f"{user.name} — {user.department or 'no department'}, level {user.level}"


def people_choices() -> list[tuple[int, str]]:
    return [(user.id, _label(user)) for user in db.session.scalars(_active_users())]


def bar_raiser_choices(status: BarRaiserStatus) -> list[tuple[int, str]]:
    query = _active_users().where(User.bar_raiser_status == status)
    return [(user.id, _label(user)) for user in db.session.scalars(query)]


def hiring_manager_choices() -> list[tuple[int, str]]:
    query = _active_users().join(UserRole).where(UserRole.role == Role.HIRING_MANAGER)
    return [(user.id, _label(user)) for user in db.session.scalars(query)]


def principle_choices() -> list[tuple[int, str]]:
    return [(principle.id, principle.name) for principle in active_principles()]


def panel_choices() -> dict[str, list[tuple[int, str]]]:
    """The options of every select in the panel editor."""
    return {
        "people": people_choices(),
        "bar_raisers": bar_raiser_choices(BarRaiserStatus.CERTIFIED),
        "trainees": bar_raiser_choices(BarRaiserStatus.IN_TRAINING),
        "managers": hiring_manager_choices(),
        "principles": principle_choices(),
    }


def open_requisition_choices() -> list[tuple[int, str]]:
    query = (
        sa.select(Requisition)
        .where(Requisition.status == RequisitionStatus.OPEN)
        .order_by(Requisition.title, Requisition.id)
    )
    return [
        (req.id, f"{req.title} — {req.department}, level {req.level}")
        for req in db.session.scalars(
            query.options(sa.orm.lazyload(Requisition.required_principles))
        )
    ]


def candidate_choices(*, include_id: int | None = None) -> list[tuple[int, str]]:
    """The most recent candidates (a select is no search box), plus the one already picked."""
    query = (
        sa.select(Candidate)
        .where(Candidate.erased_at.is_(None))
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        .limit(CANDIDATE_CHOICES)
    )
    candidates = list(db.session.scalars(query))
    if include_id is not None and include_id not in {c.id for c in candidates}:
        picked = db.session.get(Candidate, include_id)
        if picked is not None and picked.erased_at is None:
            candidates.insert(0, picked)
    return [
        (candidate.id, candidate.name + (f" <{candidate.email}>" if candidate.email else ""))
        for candidate in candidates
    ]
