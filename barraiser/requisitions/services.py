"""Requisition operations: the role a loop hires for and the principles its loops must cover."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import policy
from ..audit.services import record
from ..auth.models import User
from ..domain import LoopState
from ..errors import Conflict, Forbidden, NeedsConfirmation, RuleViolation
from ..extensions import db
from ..loops.models import Loop
from ..principles.models import Principle
from .models import (
    PlanSlot,
    PlanSlotPrinciple,
    Requisition,
    RequisitionQuestions,
    RequisitionStatus,
)
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


# A role's own questions, per principle: enough to guide an interview, short enough to read in it.
QUESTION_LIMIT = 300
QUESTIONS_PER_PRINCIPLE = 20


def questions_field(principle_id: int) -> str:
    """The form field (and the refusal's field) holding a principle's questions."""
    return f"questions_{principle_id}"


def _question_lines(principle: Principle, text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    field = questions_field(principle.id)
    if len(lines) > QUESTIONS_PER_PRINCIPLE:
        raise RuleViolation(
            f"{principle.name}: at most {QUESTIONS_PER_PRINCIPLE} questions "
            f"({len(lines)} were given).",
            field=field,
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > QUESTION_LIMIT:
            raise RuleViolation(
                f"{principle.name}: question {number} has {len(line):,} characters; "
                f"keep each question to {QUESTION_LIMIT}.",
                field=field,
            )
    return lines


def set_requisition_questions(
    requisition: Requisition,
    questions: Mapping[int, str],
    *,
    actor: User,
    now: datetime,
) -> int:
    """Set the role's own questions for the principles in `questions` (principle id → one
    question a line; empty text removes them). Principles not named keep theirs. A retired
    principle's questions may be removed but not written. Audited with the old and new lines;
    returns how many principles changed."""
    if not policy.can_edit_requisition_questions(actor, requisition):
        raise Forbidden("Only recruiters, admins and the role's hiring manager edit its questions.")
    principles = {
        principle.id: principle
        for principle in db.session.scalars(
            sa.select(Principle).where(Principle.id.in_(list(questions)))
        )
    }
    unknown = sorted(set(questions) - set(principles))
    if unknown:
        raise RuleViolation(f"There is no principle {unknown[0]} in the catalog.")
    existing = {
        row.principle_id: row
        for row in db.session.scalars(
            sa.select(RequisitionQuestions).where(
                RequisitionQuestions.requisition_id == requisition.id
            )
        )
    }
    changes: dict[str, list[list[str]]] = {}
    for principle_id, text in questions.items():
        principle = principles[principle_id]
        lines = _question_lines(principle, text)
        row = existing.get(principle_id)
        old = row.lines if row is not None else []
        if lines == old:
            continue
        if lines and principle.retired:
            raise RuleViolation(
                f"{principle.name} is retired; its questions can only be removed.",
                field=questions_field(principle_id),
            )
        changes[principle.name] = [old, lines]
        if not lines:
            assert row is not None
            db.session.delete(row)
        elif row is None:
            db.session.add(
                RequisitionQuestions(
                    requisition_id=requisition.id,
                    principle_id=principle_id,
                    questions="\n".join(lines),
                )
            )
        else:
            row.questions = "\n".join(lines)
    if changes:
        record(
            "requisition.questions_updated",
            actor=actor,
            subject=requisition,
            now=now,
            changes=changes,
        )
    db.session.flush()
    return len(changes)


MAX_PLAN_SLOTS = 12
MAX_SLOT_MINUTES = 480


@dataclass(frozen=True)
class SlotPlan:
    """One slot of an interview plan as the recruiter gives it."""

    principle_ids: tuple[int, ...]
    duration_minutes: int = 60
    interviewer_id: int | None = None


def save_plan(
    requisition: Requisition, slots: Sequence[SlotPlan], *, actor: User | None, now: datetime
) -> bool:
    """Replace the requisition's interview plan with `slots` (in order). Each slot probes one to
    three principles from the catalog, lasts 1 to 480 minutes, and names an active interviewer or
    none. Refuses (RuleViolation on the field) otherwise. Returns whether the plan changed."""
    if len(slots) > MAX_PLAN_SLOTS:
        raise RuleViolation(f"A plan holds at most {MAX_PLAN_SLOTS} slots.", field="plan")
    wanted = {pid for slot in slots for pid in slot.principle_ids}
    known = {
        principle.id: principle
        for principle in db.session.scalars(sa.select(Principle).where(Principle.id.in_(wanted)))
    }
    people = {slot.interviewer_id for slot in slots} - {None}
    active = set(
        db.session.scalars(sa.select(User.id).where(User.id.in_(people), User.active.is_(True)))
    )
    for number, slot in enumerate(slots, start=1):
        ids = tuple(dict.fromkeys(slot.principle_ids))
        if not 1 <= len(ids) <= 3:
            raise RuleViolation(f"Slot {number}: give it one to three principles.", field="plan")
        if any(pid not in known or known[pid].retired for pid in ids):
            raise RuleViolation(
                f"Slot {number}: pick principles in use from the catalog.", field="plan"
            )
        if not 0 < slot.duration_minutes <= MAX_SLOT_MINUTES:
            raise RuleViolation(
                f"Slot {number}: an interview lasts 1 to {MAX_SLOT_MINUTES} minutes.",
                field="plan",
            )
        if slot.interviewer_id is not None and slot.interviewer_id not in active:
            raise RuleViolation(
                f"Slot {number}: pick an active interviewer, or none.", field="plan"
            )
    before = [
        (tuple(s.principle_ids), s.duration_minutes, s.interviewer_id) for s in requisition.plan
    ]
    after = [
        (tuple(dict.fromkeys(s.principle_ids)), s.duration_minutes, s.interviewer_id) for s in slots
    ]
    if before == after:
        return False
    requisition.plan.clear()
    db.session.flush()
    for position, (ids, minutes, interviewer_id) in enumerate(after):
        requisition.plan.append(
            PlanSlot(
                position=position,
                duration_minutes=minutes,
                interviewer_id=interviewer_id,
                assignments=[
                    PlanSlotPrinciple(principle_id=pid, position=index)
                    for index, pid in enumerate(ids)
                ],
            )
        )
    record(
        "requisition.plan_changed",
        actor=actor,
        subject=requisition,
        now=now,
        slots=[
            {"principles": [known[pid].name for pid in ids], "minutes": minutes}
            for ids, minutes, _ in after
        ],
    )
    db.session.flush()
    return True
