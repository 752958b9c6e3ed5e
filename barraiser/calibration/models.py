"""Action items: what an inspector decided to do about a flagged interviewer, until it is closed."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..extensions import Model


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The moves an action item can make; staying in the same status is an edit, not a move.
# A closed item may be reopened (closing by mistake must not lose the item), which is recorded.
ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.CLOSED}),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.OPEN, ActionStatus.CLOSED}),
    ActionStatus.CLOSED: frozenset({ActionStatus.OPEN}),
}


class ActionItem(Model):
    """An action such as "calibrate interviewer X": an owner, a due date and a status."""

    __tablename__ = "action_item"
    __table_args__ = (
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_date"),
        sa.Index("ix_action_item_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus), default=ActionStatus.OPEN)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised by SQLAlchemy on every UPDATE of the row, which also carries `WHERE version = :read`
    # (version_id_col): of two edits at once, the second fails instead of overwriting the first.
    # The edit form carries it so a stale page cannot overwrite either (409).
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}

    def can_move_to(self, status: ActionStatus) -> bool:
        return status in ACTION_TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status is not ActionStatus.CLOSED
