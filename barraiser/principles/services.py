"""Editing the catalog. Principles are retired, never deleted: old feedback keeps its principle."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, NeedsConfirmation, RuleViolation
from ..extensions import db
from ..requisitions.models import Requisition, RequisitionStatus, requisition_principle
from .catalog import DEFAULT_KITS, DEFAULT_PRINCIPLES
from .models import Principle


def active_principles() -> list[Principle]:
    return list(
        db.session.scalars(
            sa.select(Principle)
            .where(Principle.retired_at.is_(None))
            .order_by(Principle.position, Principle.id)
        )
    )


def all_principles() -> list[Principle]:
    return list(
        db.session.scalars(
            sa.select(Principle).order_by(
                Principle.retired_at.is_not(None), Principle.position, Principle.id
            )
        )
    )


def _check_name_free(name: str, *, except_id: int | None = None) -> None:
    query = sa.select(Principle.id).where(sa.func.lower(Principle.name) == name.lower())
    if except_id is not None:
        query = query.where(Principle.id != except_id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"A principle called {name!r} already exists.", field="name")


def seed_default_catalog(*, now: datetime) -> int:
    """Add any of the sixteen default principles missing by name; returns how many were added.

    Each default principle also gets its default interview kit when it has none (so an install
    made before kits existed gets them too). Safe to run again: an admin's edits to descriptions,
    kits and retirements are left alone.
    """
    existing = {
        principle.name.lower(): principle for principle in db.session.scalars(sa.select(Principle))
    }
    added = 0
    for position, (name, description) in enumerate(DEFAULT_PRINCIPLES, start=1):
        if name.lower() in existing:
            _seed_kit(existing[name.lower()])
            continue
        principle = Principle(name=name, description=description, position=position)
        _seed_kit(principle)
        db.session.add(principle)
        db.session.flush()
        record(
            "principle.created",
            actor=None,
            subject=principle,
            now=now,
            name=name,
            seeded=True,
        )
        added += 1
    return added


def _seed_kit(principle: Principle) -> None:
    kit = DEFAULT_KITS.get(principle.name)
    if kit is None or principle.has_kit:
        return
    questions, strong, weak = kit
    principle.kit_questions = "\n".join(questions)
    principle.kit_strong = strong
    principle.kit_weak = weak


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def create_principle(
    *,
    name: str,
    description: str,
    kit_questions: str = "",
    kit_strong: str = "",
    kit_weak: str = "",
    actor: User,
    now: datetime,
) -> Principle:
    name = name.strip()
    if not name:
        raise RuleViolation("A principle needs a name.", field="name")
    _check_name_free(name)
    position = (db.session.scalar(sa.select(sa.func.max(Principle.position))) or 0) + 1
    principle = Principle(
        name=name,
        description=description.strip(),
        position=position,
        kit_questions=_lines(kit_questions),
        kit_strong=_lines(kit_strong),
        kit_weak=_lines(kit_weak),
    )
    db.session.add(principle)
    db.session.flush()
    record(
        "principle.created",
        actor=actor,
        subject=principle,
        now=now,
        name=name,
    )
    return principle


def update_principle(
    principle: Principle,
    *,
    name: str,
    description: str,
    kit_questions: str | None = None,
    kit_strong: str | None = None,
    kit_weak: str | None = None,
    actor: User,
    now: datetime,
) -> None:
    """Rename or redescribe a principle, and edit its interview kit (None leaves a part as it
    is). Every change is audited with its old and new text."""
    name = name.strip()
    if not name:
        raise RuleViolation("A principle needs a name.", field="name")
    _check_name_free(name, except_id=principle.id)
    changes = {}
    if principle.name != name:
        changes["name"] = [principle.name, name]
        principle.name = name
    if principle.description != description.strip():
        changes["description"] = [principle.description, description.strip()]
        principle.description = description.strip()
    kit = {"kit_questions": kit_questions, "kit_strong": kit_strong, "kit_weak": kit_weak}
    for column, value in kit.items():
        if value is None:
            continue
        value = _lines(value)
        if getattr(principle, column) != value:
            changes[column] = [getattr(principle, column), value]
            setattr(principle, column, value)
    if changes:
        record(
            "principle.updated",
            actor=actor,
            subject=principle,
            now=now,
            changes=changes,
        )
    db.session.flush()


def open_requisitions_requiring(principle: Principle) -> list[Requisition]:
    """The open requisitions whose loops must cover `principle`."""
    return list(
        db.session.scalars(
            sa.select(Requisition)
            .join(requisition_principle, requisition_principle.c.requisition_id == Requisition.id)
            .where(
                requisition_principle.c.principle_id == principle.id,
                Requisition.status == RequisitionStatus.OPEN,
            )
            .order_by(Requisition.title, Requisition.id)
        )
    )


def retire_principle(
    principle: Principle, *, confirmed: bool = False, actor: User, now: datetime
) -> list[Requisition]:
    """Retire a principle: new loops can no longer assign it; old feedback keeps it.

    Open requisitions that require it could build no loop (a retired principle cannot be
    assigned), so retiring takes it off their requirements — which must be confirmed, knowing
    which they are (NeedsConfirmation lists them, and nothing changes). Returns them."""
    if principle.retired:
        raise Conflict(f"{principle.name} is already retired.")
    requiring = open_requisitions_requiring(principle)
    if requiring and not confirmed:
        raise NeedsConfirmation(
            f"{len(requiring)} open requisition{'s require' if len(requiring) > 1 else ' requires'}"
            f" {principle.name}. Retiring it takes it off what their loops must cover.",
            requiring,
        )
    for requisition in requiring:
        requisition.required_principles.remove(principle)
        record(
            "requisition.updated",
            actor=actor,
            subject=requisition,
            now=now,
            changes={"required_principles": [f"dropped {principle.name} (retired)"]},
        )
    principle.retired_at = now
    record(
        "principle.retired",
        actor=actor,
        subject=principle,
        now=now,
        name=principle.name,
        requisitions=[requisition.id for requisition in requiring],
    )
    db.session.flush()
    return requiring


def restore_principle(principle: Principle, *, actor: User, now: datetime) -> None:
    if not principle.retired:
        raise Conflict(f"{principle.name} is in use already.")
    principle.retired_at = None
    record(
        "principle.restored",
        actor=actor,
        subject=principle,
        now=now,
        name=principle.name,
    )
    db.session.flush()
