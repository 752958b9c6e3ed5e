"""Requisition operations: the role a loop hires for and the principles its loops must cover."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..domain import LoopState
from ..errors import Conflict, NeedsConfirmation, RuleViolation
from ..extensions import db
from ..loops.models import Loop
from ..principles.models import Principle
from .models import Requisition, RequisitionStatus
from .rules import hiring_manager_problem


def _required_principles(principle_ids: Iterable[int]) -> list[Principle]:
    ids = list(dict.fromkeys(principle_ids))
    if not ids:
        raise RuleViolation(
            "Pick the principles every loop for this role must cover.", field="principle_ids"
        )
    principles = list(
        db.session.scalars(
            sa.select(Principle).where(Principle.id.in_(ids)).order_by(Principle.position)
        )
    )
    if len(principles) != len(ids):
        raise RuleViolation("Pick principles from the catalog.", field="principle_ids")
    retired = [p.name for p in principles if p.retired]
    if retired:
        raise RuleViolation(
            f"{', '.join(retired)} retired; pick principles in use.", field="principle_ids"
        )
    return principles


def _check_fields(title: str, level: int, department: str, hiring_manager_id: int | None) -> User:
    if not title.strip():
        raise RuleViolation("Give the role a title.", field="title")
    if not 1 <= level <= 12:
        raise RuleViolation("The level is a number from 1 to 12.", field="level")
    if not department.strip():
        raise RuleViolation(
            "Name the department the role is in; the Bar Raiser must come from outside it.",
            field="department",
        )
    manager = db.session.get(User, hiring_manager_id) if hiring_manager_id else None
    problem = hiring_manager_problem(manager)
    if problem:
        raise RuleViolation(problem, field="hiring_manager_id")
    assert manager is not None
    return manager


def create_requisition(
    *,
    title: str,
    level: int,
    department: str,
    hiring_manager_id: int | None,
    principle_ids: Iterable[int],
    actor: User | None,
    now: datetime,
) -> Requisition:
    manager = _check_fields(title, level, department, hiring_manager_id)
    requisition = Requisition(
        title=title.strip(),
        level=level,
        department=department.strip(),
        hiring_manager=manager,
        status=RequisitionStatus.OPEN,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
    )
    requisition.required_principles = _required_principles(principle_ids)
    db.session.add(requisition)
    db.session.flush()
    record(
        "requisition.created",
        actor=actor,
        subject=requisition,
        now=now,
        title=requisition.title,
        level=level,
        department=requisition.department,
        hiring_manager_id=manager.id,
        principle_ids=[p.id for p in requisition.required_principles],
    )
    return requisition


def update_requisition(
    requisition: Requisition,
    *,
    title: str,
    level: int,
    department: str,
    hiring_manager_id: int | None,
    principle_ids: Iterable[int],
    actor: User,
    now: datetime,
) -> None:
    """Change a requisition. Loops already built keep their panel; they are checked against the
    new requirements when they are next changed or scheduled."""
    _check_fields(title, level, department, hiring_manager_id)
    principles = _required_principles(principle_ids)
    changes: dict[str, list] = {}
    for attribute, value in (
        ("title", title.strip()),
        ("level", level),
        ("department", department.strip()),
        ("hiring_manager_id", hiring_manager_id),
    ):
        if getattr(requisition, attribute) != value:
            changes[attribute] = [getattr(requisition, attribute), value]
            setattr(requisition, attribute, value)
    old_ids = [p.id for p in requisition.required_principles]
    if set(old_ids) != {p.id for p in principles}:
        changes["principle_ids"] = [old_ids, [p.id for p in principles]]
        requisition.required_principles = principles
    if changes:
        record(
            "requisition.updated",
            actor=actor,
            subject=requisition,
            now=now,
            changes=changes,
        )
    db.session.flush()


def loops_under_way(requisition: Requisition) -> list[Loop]:
    """The requisition's loops not yet decided or cancelled, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Loop)
            .where(Loop.requisition_id == requisition.id, Loop.state.in_(UNDER_WAY))
            .options(joinedload(Loop.candidate))
            .order_by(Loop.first_interview_at, Loop.id)
        )
    )


UNDER_WAY = (LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF)


def set_requisition_status(
    requisition: Requisition,
    status: RequisitionStatus,
    *,
    confirmed: bool = False,
    actor: User | None,
    now: datetime,
) -> None:
    """Close a filled role (no new loops; its loops go on) or reopen it. Closing a role with
    loops under way must be confirmed, knowing which they are (NeedsConfirmation lists them)."""
    if requisition.status is status:
        raise Conflict(f"The requisition is already {status.value}.", field="status")
    if status is RequisitionStatus.CLOSED and not confirmed:
        under_way = loops_under_way(requisition)
        if under_way:
            raise NeedsConfirmation(
                f"{len(under_way)} loop{'s are' if len(under_way) > 1 else ' is'} under way for "
                f"{requisition.title}. They go on after it is closed; no new loop can be built.",
                under_way,
            )
    requisition.status = status
    record(
        f"requisition.{'closed' if status is RequisitionStatus.CLOSED else 'reopened'}",
        actor=actor,
        subject=requisition,
        now=now,
    )
    db.session.flush()
