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


class WebhookEndpoint(Model):
    """Where an integration wants events: an http(s) URL, the events it takes, and the secret
    its deliveries are signed with (Standard Webhooks: `whsec_` and base64). The secret is kept
    as it is, since each delivery is signed with it, and shown to the admin once."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Space-separated event types, from domain.WEBHOOK_EVENTS.
    events: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(100))
    enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    @property
    def event_types(self) -> list[str]:
        return self.events.split()


class OutboxMessage(Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    # A message goes to a person (email and notification; someone with no account, such as a
    # candidate asked about their experience, by address alone) or to a webhook endpoint.
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(sa.String(254))
    endpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
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
            "(recipient_id IS NULL AND to_address IS NULL) <> (endpoint_id IS NULL)",
            name="one_destination",
        ),
    )

    recipient: Mapped[User | None] = relationship()
    endpoint: Mapped[WebhookEndpoint | None] = relationship()

    # In-app notifications: every message is also an item in its recipient's list. `link` is
    # the path (under the app's root) of the page the message is about, so the list links
    # without parsing the body; `read_at` is when the recipient opened it (or marked all read).
    # `calendar` is the .ics (text/calendar) an invitation carries, with its METHOD.
    link: Mapped[str | None] = mapped_column(sa.String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    calendar: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def address(self) -> str:
        """Where the message goes: the recipient's email address, the address it was queued to,
        or the webhook endpoint's URL."""
        if self.recipient is not None:
            return self.recipient.email
        if self.endpoint is not None:
            return self.endpoint.url
        return self.to_address or ""


# The navigation's unread count and the list page read by recipient, newest first.
sa.Index(
    "ix_outbox_message_recipient_unread",
    OutboxMessage.recipient_id,
    OutboxMessage.read_at,
    OutboxMessage.id,
)
