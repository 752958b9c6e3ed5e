"""Reads for the admin's messages page (by state) and for a person's notifications (the list,
and how many are unread)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import frame
from ..database import read_rows
from ..domain import MessageState
from ..extensions import db
from .models import OutboxMessage, WebhookEndpoint


def messages_in(state: MessageState | None) -> sa.Select[OutboxMessage]:
    """Messages in `state` (all when None), the most recent first; what waits, by when it is
    due. Recipients are loaded in the same query."""
    query = sa.select(OutboxMessage).options(
        sa.orm.joinedload(OutboxMessage.recipient), sa.orm.joinedload(OutboxMessage.endpoint)
    )
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


def _unread_of(user_id: frame.UserId | sa.BindParameter[int]) -> sa.Select[int]:
    return sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient_id == user_id, OutboxMessage.read_at.is_(None)
    )


# Every page's navigation shows the count: built once. It comes with the signed-in person
# (frame), and on its own where that was not read or no longer holds.
_UNREAD = _unread_of(sa.bindparam("user_id"))
UNREAD_WITH_LOGIN = "unread_notifications"
frame.read_with_login(UNREAD_WITH_LOGIN, lambda user_id: _unread_of(user_id).scalar_subquery())


def unread_count(user_id: int) -> int:
    """Messages to `user_id` not opened yet: one COUNT on the (recipient, read_at) index."""
    return read_rows(_UNREAD, {"user_id": user_id}).scalar_one()


def notifications_of(user_id: int) -> sa.Select[Any]:
    """The list page's query: the person's messages, newest first."""
    return (
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient_id == user_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def deliveries_by_endpoint(endpoint_ids: list[int]) -> dict[int, dict[MessageState, int]]:
    """Each endpoint's deliveries counted by state, in one query."""
    counts: dict[int, dict[MessageState, int]] = {
        endpoint_id: dict.fromkeys(MessageState, 0) for endpoint_id in endpoint_ids
    }
    if endpoint_ids:
        for endpoint_id, state, count in db.session.execute(
            sa.select(OutboxMessage.endpoint_id, OutboxMessage.state, sa.func.count())
            .where(OutboxMessage.endpoint_id.in_(endpoint_ids))
            .group_by(OutboxMessage.endpoint_id, OutboxMessage.state)
        ):
            counts[endpoint_id][state] = count  # type: ignore[index]
    return counts
