"""One message queued once: the insert every kind of message (email to a user or an address,
webhook delivery) goes through, so a duplicate — two sweeps or two requests at once — is
dropped the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..domain import MessageState
from ..extensions import db
from .models import OutboxMessage


def queue_once(dedupe_key: str, *, now: datetime, columns: Callable[[], dict[str, Any]]) -> bool:
    """Add a queued message with `columns()` (asked for only when needed: rendering a body costs
    more than the look-up) unless one with `dedupe_key` exists; False when it did. A savepoint
    keeps a duplicate inserted meanwhile from spoiling the caller's transaction."""
    exists = db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                OutboxMessage(
                    dedupe_key=dedupe_key,
                    created_at=now,
                    state=MessageState.QUEUED,
                    attempts=0,
                    next_attempt_at=now,
                    **columns(),
                )
            )
    except sa.exc.IntegrityError:
        return False
    return True
