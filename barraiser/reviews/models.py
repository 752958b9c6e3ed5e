"""Reviews of the mechanism: who sits on the committee, each review with its frozen figures,
its record (attendees, notes), its anecdotes and the decisions that became action items."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..calibration.models import ActionItem
from ..database import UTCDateTime, enum_type
from ..extensions import Model
from ..loops.models import Loop
from ..principles.models import Principle


class ReviewState(enum.StrEnum):
    DUE = "due"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Due → open (the chair opens it and the figures are frozen) → closed (read-only for good).
REVIEW_TRANSITIONS: dict[ReviewState, frozenset[ReviewState]] = {
    ReviewState.DUE: frozenset({ReviewState.OPEN}),
    ReviewState.OPEN: frozenset({ReviewState.CLOSED}),
    ReviewState.CLOSED: frozenset(),
}


class CommitteeMember(Model):
    """A member of the reviewing committee (none named: every inspector), one of them the chair."""

    __tablename__ = "review_committee_member"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    chair: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


review_attendee = sa.Table(
    "review_attendee",
    Model.metadata,
    sa.Column("review_id", sa.ForeignKey("review.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
)


class Review(Model):
    """One review of one period [period_start, period_end] (whole days), due the day after."""

    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("period_start", "period_end", name="one_review_per_period"),
        sa.CheckConstraint("(state = 'due') = (opened_at IS NULL)", name="open_has_date"),
        sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_has_date"),
        sa.CheckConstraint("(state = 'due') = (snapshot IS NULL)", name="open_has_snapshot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    state: Mapped[ReviewState] = mapped_column(enum_type(ReviewState), default=ReviewState.DUE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id"))
    # The calibration report for the period as it read when the review was opened, whole; and
    # what had changed since the previous review, as it stood then. Written once, never again.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    since: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    previous: Mapped[Review | None] = relationship(remote_side=[id])
    attendees: Mapped[list[User]] = relationship(secondary=review_attendee, order_by=User.name)
    anecdotes: Mapped[list[Anecdote]] = relationship(
        back_populates="review", order_by="Anecdote.id", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="review", order_by="Decision.id", cascade="all, delete-orphan"
    )

    def can_move_to(self, state: ReviewState) -> bool:
        return state in REVIEW_TRANSITIONS[self.state]

    @property
    def period_label(self) -> str:
        return f"{self.period_start.isoformat()} to {self.period_end.isoformat()}"


class Anecdote(Model):
    """What lies behind a number: a short text, optionally about a decided loop, an interviewer
    or a principle. Tied to a loop, it is the candidate's personal data too (privacy.py)."""

    __tablename__ = "review_anecdote"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    loop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loop.id"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    principle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("principle.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    review: Mapped[Review] = relationship(back_populates="anecdotes")
    loop: Mapped[Loop | None] = relationship()
    interviewer: Mapped[User | None] = relationship(foreign_keys=[interviewer_id])
    principle: Mapped[Principle | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class Decision(Model):
    """A decision of a review, made an action item in the same step."""

    __tablename__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review.id", ondelete="CASCADE"), index=True
    )
    action_item_id: Mapped[int] = mapped_column(sa.ForeignKey("action_item.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    review: Mapped[Review] = relationship(back_populates="decisions")
    action: Mapped[ActionItem] = relationship()
