"""Writing audit events. Every state-changing service calls `record` in its own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from .models import AuditEvent


def record(
    action: str,
    *,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    now: datetime,
    **details: Any,
) -> AuditEvent:
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


def events_for(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """The history of one object, oldest first, actors loaded in the same query."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(db.session.scalars(query))
