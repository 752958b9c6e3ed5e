"""Editing the catalog. Principles are retired, never deleted: old feedback keeps its principle."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, RuleViolation
from ..extensions import db
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


def retire_principle(principle: Principle, *, actor: User, now: datetime) -> None:
    if principle.retired:
        raise Conflict(f"{principle.name} is already retired.")
    principle.retired_at = now
    record(
        "principle.retired",
        actor=actor,
        subject=principle,
        now=now,
        name=principle.name,
    )
    db.session.flush()


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
