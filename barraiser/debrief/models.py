"""Final votes, the proposal, the Bar Raiser's verdict and the hire's later performance.

Each is a row inserted once and never updated. One proposal and one verdict per loop are unique
constraints, so two people acting at once cannot both succeed: the database picks one winner.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..domain import Outcome, VerdictKind, Vote
from ..extensions import Model, db
from ..loops.models import Interview, Loop
from ..principles.models import Principle


class FinalVote(Model):
    """A panelist's vote cast in the debrief, after reading everyone's feedback."""

    __tablename__ = "final_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interview.id", ondelete="CASCADE"), unique=True
    )
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    vote: Mapped[Vote] = mapped_column(enum_type(Vote))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())

    interview: Mapped[Interview] = relationship()
    voter: Mapped[User] = relationship()


class Proposal(Model):
    """The hiring manager's proposal: hire or no hire, with a rationale."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), unique=True)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    decision: Mapped[Outcome] = mapped_column(enum_type(Outcome))
    rationale: Mapped[str] = mapped_column(sa.Text)
    # Why the hiring manager proposed before every final vote was in; None when all were.
    early_reason: Mapped[str | None] = mapped_column(sa.Text)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    loop: Mapped[Loop] = relationship()
    proposed_by: Mapped[User] = relationship()


veto_principle = sa.Table(
    "veto_principle",
    db.metadata,
    sa.Column("verdict_id", sa.ForeignKey("verdict.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("principle_id", sa.ForeignKey("principle.id"), primary_key=True),
)


class Verdict(Model):
    """The Bar Raiser's answer to the proposal. A veto is final: the loop ends no_hire."""

    __tablename__ = "verdict"
    __table_args__ = (
        sa.CheckConstraint("kind <> 'veto' OR length(rationale) > 0", name="veto_has_rationale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), unique=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), unique=True)
    bar_raiser_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[VerdictKind] = mapped_column(enum_type(VerdictKind))
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    loop: Mapped[Loop] = relationship()
    proposal: Mapped[Proposal] = relationship()
    bar_raiser: Mapped[User] = relationship()
    principles: Mapped[list[Principle]] = relationship(secondary=veto_principle)


class HirePerformance(Model):
    """A performance rating (1–5) of a hire, recorded later by the hiring manager. Appended, so
    a six-month and a twelve-month rating can both be kept; the latest is the one reported."""

    __tablename__ = "hire_performance"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        sa.UniqueConstraint("loop_id", "rated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    rated_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
