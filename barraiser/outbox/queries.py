"""Reads for the notifications: a person's messages, newest first, and how many are unread."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMessage


def unread_count(user_id: int) -> int:
    """Messages to `user_id` not opened yet: one COUNT on the (recipient, read_at) index."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient_id == user_id, OutboxMessage.read_at.is_(None)
            )
        )
        or 0
    )


def notifications_of(user_id: int) -> sa.Select[Any]:
    """The list page's query: the person's messages, newest first."""
    return (
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient_id == user_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
