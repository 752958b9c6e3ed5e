"""Who contributes to a candidate's export and erasure, and which text columns hold nothing
personal. A test walks the schema and fails when a text column of a table reachable from a
candidate or a loop is in neither list, so a new slice cannot forget its part."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from ..audit.models import AuditEvent
from ..candidates import privacy as candidates
from ..candidates.models import Candidate
from ..debrief import privacy as debrief
from ..extensions import db
from ..feedback import privacy as feedback
from ..loops import privacy as loops
from ..loops.models import Loop
from ..outbox import privacy as outbox
from ..outbox.models import OutboxMessage
from ..personal_data import DataSubject, ExportDocument, PersonalData, iso, name_of
from ..reviews import privacy as reviews
from ..surveys import privacy as surveys
from ..training import privacy as training


class AuditTrail:
    """The audit events about the candidate and their loops, exported. Events are append-only and
    hold no personal text (their details are ids, counts and flags), so nothing is erased."""

    handles: tuple[InstrumentedAttribute[Any], ...] = ()

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        about = sa.or_(
            sa.and_(
                AuditEvent.subject_type == Candidate.__tablename__,
                AuditEvent.subject_id == subject.candidate_id,
            ),
            sa.and_(
                AuditEvent.subject_type == Loop.__tablename__,
                AuditEvent.subject_id.in_(subject.loop_ids),
            ),
        )
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(about)
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
        document.sections["audit_events"] = [
            {
                "at": iso(event.at),
                "actor": name_of(event.actor),
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "details": event.details,
            }
            for event in events
        ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {}


# In this order: the candidate's record first (its conditional UPDATE claims the erasure), the
# loops before what hangs off them (the export nests feedback and debriefs in their loop).
CONTRIBUTIONS: tuple[PersonalData, ...] = (
    candidates.personal_data,
    loops.personal_data,
    feedback.personal_data,
    debrief.personal_data,
    training.personal_data,
    surveys.personal_data,
    reviews.personal_data,
    outbox.personal_data,
    AuditTrail(),
)

# Text columns on tables reachable from a candidate or a loop that hold nothing about the person.
# Enum columns (states, votes, outcomes) are exempt by their type: they hold one of a fixed set.
NOT_PERSONAL: dict[InstrumentedAttribute[Any], str] = {
    Loop.external_ref: "the loop's id in the system it was imported from",
    OutboxMessage.dedupe_key: "built from ids and a step name",
    OutboxMessage.kind: "one of a fixed set of message kinds",
}
