"""Feedback on one interview: a rating and evidence per assigned principle, an overall vote with
no middle, and the Bar Raiser question. Submitted feedback is never updated; addenda follow it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..domain import FeedbackState, Vote
from ..extensions import Model
from ..loops.models import Interview
from ..principles.models import Principle
from .quality import word_count


class Feedback(Model):
    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint(
            "state <> 'submitted' OR (vote IS NOT NULL AND raises_bar IS NOT NULL "
            "AND submitted_at IS NOT NULL)",
            name="submitted_is_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interview.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    state: Mapped[FeedbackState] = mapped_column(
        enum_type(FeedbackState), default=FeedbackState.DRAFT
    )
    vote: Mapped[Vote | None] = mapped_column(enum_type(Vote))
    raises_bar: Mapped[bool | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # The interviewer's own notes from the interview: kept with the draft, shown to its author
    # alone (never to the panel, the debrief, an export or an admin), erased with the candidate.
    private_notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The deadline in force at submission, kept so a later settings change cannot rewrite history.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_late: Mapped[bool] = mapped_column(default=False)
    # Raised by SQLAlchemy on every UPDATE of the row, which also carries `WHERE version = :read`
    # (version_id_col); the form carries it so that a draft saved from another window is not
    # overwritten unseen.
    version: Mapped[int] = mapped_column(default=1)

    interview: Mapped[Interview] = relationship()
    author: Mapped[User] = relationship()
    ratings: Mapped[list[PrincipleRating]] = relationship(
        back_populates="feedback", cascade="all, delete-orphan"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="feedback", order_by="Addendum.created_at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def submitted(self) -> bool:
        """Submitted (and so locked, and readable by the panel). The one definition of it: in
        Python on a row, and in SQL as `Feedback.submitted` in a WHERE or a join condition."""
        return self.state is FeedbackState.SUBMITTED

    @submitted.inplace.expression
    @classmethod
    def _submitted_expression(cls) -> sa.ColumnElement[bool]:
        return cls.state == FeedbackState.SUBMITTED


class PrincipleRating(Model):
    """The rating (1–4) and written evidence for one assigned principle."""

    __tablename__ = "principle_rating"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 4)", name="rating_range"),
    )

    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    principle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle.id"), primary_key=True, index=True
    )
    rating: Mapped[int | None]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    # Kept with the text because SQL cannot count words portably; the calibration report reads it.
    evidence_words: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    feedback: Mapped[Feedback] = relationship(back_populates="ratings")
    principle: Mapped[Principle] = relationship()

    @validates("evidence")
    def _count_evidence_words(self, key: str, evidence: str) -> str:
        self.evidence_words = word_count(evidence)
        return evidence


class Addendum(Model):
    """A note appended to submitted feedback; the original text is never touched."""

    __tablename__ = "addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    after_debrief_opened: Mapped[bool] = mapped_column(default=False)

    feedback: Mapped[Feedback] = relationship(back_populates="addenda")
    author: Mapped[User] = relationship()
