"""Lookups the reviews' pages and services share: the committee, its chair, the reviews."""

from __future__ import annotations

import sqlalchemy as sa

from ..auth.models import Role, User, UserRole
from ..domain import LoopState
from ..extensions import db
from ..loops.models import Loop
from ..requisitions.models import Requisition
from .models import CommitteeMember, Review, ReviewState


def inspectors() -> list[User]:
    """Active users who may sit on the committee (inspectors and admins), by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                sa.select(UserRole.user_id)
                .where(UserRole.user_id == User.id, UserRole.role.in_([Role.INSPECTOR, Role.ADMIN]))
                .exists(),
            )
            .order_by(User.name, User.id)
        )
    )


def committee() -> list[User]:
    """The committee: the members an admin named, else every active inspector. Members who have
    lost the role or been deactivated are left out (they may no longer see reviews)."""
    named = list(
        db.session.scalars(
            sa.select(User)
            .join(CommitteeMember, CommitteeMember.user_id == User.id)
            .order_by(User.name, User.id)
        )
    )
    if named:
        allowed = {user.id for user in inspectors()}
        return [user for user in named if user.id in allowed]
    return [user for user in inspectors() if user.has_role(Role.INSPECTOR)]


def chair_id() -> int | None:
    return db.session.scalar(
        sa.select(CommitteeMember.user_id).where(CommitteeMember.chair.is_(True))
    )


def reviews() -> list[Review]:
    """Every review, the newest period first."""
    return list(
        db.session.scalars(sa.select(Review).order_by(Review.period_end.desc(), Review.id.desc()))
    )


def previous_review(review: Review) -> Review | None:
    """The last review opened before this one (the one its changes are measured from)."""
    query = sa.select(Review).where(
        Review.id != review.id, Review.state != ReviewState.DUE, Review.opened_at.is_not(None)
    )
    if review.opened_at is not None:
        query = query.where(Review.opened_at < review.opened_at)
    return db.session.scalar(query.order_by(Review.opened_at.desc(), Review.id.desc()).limit(1))


LOOP_CHOICES = 500


def decided_loops() -> list[tuple[int, str]]:
    """(id, label) of the decided loops an anecdote may be tied to, most recently decided first
    (the last LOOP_CHOICES). Never a loop in flight: its panel is still sealed. No candidate's
    name: the anecdote is about how the mechanism worked, not about them."""
    query = (
        sa.select(Loop.id, Requisition.title, Loop.outcome, Loop.decided_at)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(Loop.state == LoopState.DECIDED)
        .order_by(Loop.decided_at.desc(), Loop.id.desc())
        .limit(LOOP_CHOICES)
    )
    return [
        (id_, loop_label(id_, title, outcome.value if outcome else None, decided_at))
        for id_, title, outcome, decided_at in db.session.execute(query)
    ]


def loop_label(id_: int, title: str, outcome: str | None, decided_at) -> str:
    verdict = (outcome or "").replace("_", " ")
    day = decided_at.date().isoformat() if decided_at else ""
    return f"Loop #{id_} · {title} · {verdict}, decided {day}"
