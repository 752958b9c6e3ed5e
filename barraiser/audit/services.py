"""Writing audit events. Every state-changing service calls `record` in its own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import Base, db
from .models import AuditEvent

# What an event is about: a row of any slice (its table names the type, its key the id), or the
# name of something without a row of its own ("setting", "history").
Subject = Base | str


def subject_of(subject: Subject) -> tuple[str, int | None]:
    """The (type, id) an event stores for `subject`. A row must have been flushed (it has an id)."""
    if isinstance(subject, str):
        return subject, None
    state = sa.inspect(subject)
    if state.identity is None or len(state.identity) != 1:
        raise ValueError(f"{subject!r} has no single-column identity yet: flush it first")
    return cast(sa.Table, state.mapper.local_table).name, state.identity[0]


def record(
    action: str,
    *,
    actor: User | None,
    subject: Subject,
    now: datetime,
    **details: Any,
) -> AuditEvent:
    subject_type, subject_id = subject_of(subject)
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(event)
    return event


def events_for(subject: Base) -> list[AuditEvent]:
    """The history of one object, oldest first, actors loaded in the same query."""
    subject_type, subject_id = subject_of(subject)
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(db.session.scalars(query))
