"""In-app notifications for a test to count and open: `n` messages queued to one person."""

from __future__ import annotations

import sqlalchemy as sa

from barraiser.auth.models import BarRaiserStatus, User
from barraiser.extensions import db
from barraiser.outbox.emails import app_path
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import queue_message


def queue_notices(user: User, clock, n: int, *, link: str | None = None) -> list[int]:
    """Queue `n` messages to `user`, a minute apart, commit, and return the ids of all of the
    person's messages, oldest first."""
    for index in range(n):
        clock.advance(minutes=1)
        queue_message(
            user,
            kind="bar_raiser_status",
            dedupe_key=f"test:{user.id}:{index}:{clock().isoformat()}",
            subject=f"Notice {index}",
            template="bar_raiser_status",
            context={"status": BarRaiserStatus.CERTIFIED, "BarRaiserStatus": BarRaiserStatus},
            now=clock(),
            link=link or app_path("home.index"),
        )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.recipient_id == user.id)
            .order_by(OutboxMessage.id)
        )
    )
