"""Messages about a candidate in their export and erasure, found by reference: a message queued
about one of their loops or about the candidate, whatever names its text holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain import MessageState
from ..extensions import db
from ..personal_data import (
    ERASED_TEXT,
    DataSubject,
    ExportDocument,
    blank,
    iso,
    marker_if_present,
    name_of,
)
from .models import OutboxMessage

ERASED_BEFORE_SENDING = "erased with the candidate"


def _about(subject: DataSubject) -> sa.ColumnElement[bool]:
    return sa.or_(
        OutboxMessage.loop_id.in_(subject.loop_ids),
        OutboxMessage.candidate_id == subject.candidate_id,
    )


class Messages:
    # `error` is handled too: an unsent message is withheld, with the reason, so no sweep ever
    # delivers it (the last send's failure it held said nothing about the candidate). An
    # invitation's .ics names the candidate and goes; `link` is a path of ids (the page the
    # message is about), exported and kept, so the notification still leads somewhere.
    handles = (
        OutboxMessage.subject,
        OutboxMessage.body,
        OutboxMessage.error,
        OutboxMessage.calendar,
        OutboxMessage.link,
        OutboxMessage.to_address,
    )

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        document.sections["messages"] = [
            {
                "kind": message.kind,
                "loop_id": message.loop_id,
                "recipient": name_of(message.recipient) or message.to_address,
                "subject": message.subject,
                "body": message.body,
                "created_at": iso(message.created_at),
                "sent_at": iso(message.sent_at),
                "read_at": iso(message.read_at),
                "link": message.link,
                "calendar": message.calendar,
            }
            for message in db.session.scalars(
                sa.select(OutboxMessage)
                .where(_about(subject))
                .options(joinedload(OutboxMessage.recipient))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
            )
        ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {
            "messages": blank(
                sa.update(OutboxMessage)
                .where(_about(subject))
                .values(
                    subject=ERASED_TEXT,
                    body=ERASED_TEXT,
                    calendar=None,
                    to_address=marker_if_present(OutboxMessage.to_address),
                    error=sa.case(
                        (OutboxMessage.sent_at.is_(None), sa.literal(ERASED_BEFORE_SENDING)),
                        else_=OutboxMessage.error,
                    ),
                    state=sa.case(
                        (OutboxMessage.sent_at.is_(None), sa.literal(MessageState.WITHHELD.value)),
                        else_=OutboxMessage.state,
                    ),
                    claimed_until=None,
                )
            )
        }


personal_data = Messages()
