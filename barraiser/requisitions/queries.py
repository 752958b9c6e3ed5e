"""Reading requisitions and their choices for pages and forms."""

from __future__ import annotations

import sqlalchemy as sa

from ..auth.models import Role, User, UserRole
from ..extensions import db
from ..principles.services import active_principles
from .models import Requisition, RequisitionQuestions, RequisitionStatus


def active_users() -> sa.Select:
    return sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)


def person_label(user: User) -> str:
    return f"{user.name} — {user.department or 'no department'}, level {user.level}"


def hiring_manager_choices() -> list[tuple[int, str]]:
    query = active_users().join(UserRole).where(UserRole.role == Role.HIRING_MANAGER)
    return [(user.id, person_label(user)) for user in db.session.scalars(query)]


def principle_choices() -> list[tuple[int, str]]:
    return [(principle.id, principle.name) for principle in active_principles()]


def open_requisition_choices() -> list[tuple[int, str]]:
    query = (
        sa.select(Requisition)
        .where(Requisition.status == RequisitionStatus.OPEN)
        .order_by(Requisition.title, Requisition.id)
    )
    return [
        (req.id, f"{req.title} — {req.department}, level {req.level}")
        for req in db.session.scalars(query)
    ]


def role_questions(requisition_id: int) -> dict[int, list[str]]:
    """The role's own questions, by principle id (one query)."""
    rows = db.session.scalars(
        sa.select(RequisitionQuestions).where(RequisitionQuestions.requisition_id == requisition_id)
    )
    return {row.principle_id: row.lines for row in rows}
