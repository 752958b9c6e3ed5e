"""Reads for the admin's messages page: the list by state, and how many are in each state."""

from __future__ import annotations

import sqlalchemy as sa

from ..domain import MessageState
from ..extensions import db
from .models import OutboxMessage


def messages_in(state: MessageState | None) -> sa.Select[OutboxMessage]:
    """Messages in `state` (all when None), the most recent first; what waits, by when it is
    due. Recipients are loaded in the same query."""
    query = sa.select(OutboxMessage).options(sa.orm.joinedload(OutboxMessage.recipient))
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def count_by_state() -> dict[MessageState, int]:
    counts = dict.fromkeys(MessageState, 0)
    for state, count in db.session.execute(
        sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
    ):
        counts[state] = count
    return counts
