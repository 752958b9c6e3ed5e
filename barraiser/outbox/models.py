"""A message to a person. The unique `dedupe_key` is what keeps a reminder from going out twice,
even when two cron runs overlap. A message about a loop or a candidate says which, by reference,
so that erasing the candidate finds it whatever names it holds. Its delivery state (attempts,
the next one, a sweep's claim on it) is what lets any number of sweeps send it exactly once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..domain import MessageState
from ..extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    # A user, or (for someone with no account: a candidate asked about their experience) an
    # email address alone.
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(sa.String(254))
    loop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loop.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Delivery. `error` is the last send's failure, or why it is withheld (never to be sent).
    error: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[MessageState] = mapped_column(
        enum_type(MessageState), default=MessageState.QUEUED, server_default="queued"
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A sweep's lease: until then no other sweep takes the message (see services.claim_due).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_outbox_message_due", "state", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint(
            "recipient_id IS NOT NULL OR to_address IS NOT NULL", name="has_a_recipient"
        ),
    )

    recipient: Mapped[User | None] = relationship()

    # In-app notifications: every message is also an item in its recipient's list. `link` is
    # the path (under the app's root) of the page the message is about, so the list links
    # without parsing the body; `read_at` is when the recipient opened it (or marked all read).
    # `calendar` is the .ics (text/calendar) an invitation carries, with its METHOD.
    link: Mapped[str | None] = mapped_column(sa.String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    calendar: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def address(self) -> str:
        """Where the email goes: the recipient's address, or the one it was queued to."""
        if self.recipient is not None:
            return self.recipient.email
        return self.to_address or ""


# The navigation's unread count and the list page read by recipient, newest first.
sa.Index(
    "ix_outbox_message_recipient_unread",
    OutboxMessage.recipient_id,
    OutboxMessage.read_at,
    OutboxMessage.id,
)
