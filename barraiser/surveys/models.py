"""One survey per decided loop: the link sent to the candidate (as a hash) and their answers.

The answers are the candidate's personal data: exported and erased with them (privacy.py). The
unique loop is what keeps two sweeps from surveying one candidate twice."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import Model
from ..loops.models import Loop


class Question(enum.StrEnum):
    """The survey's statements, each answered on a 1-5 agreement scale."""

    FAIR = "fair"
    PREPARED = "prepared"
    TIME_RESPECTED = "time_respected"

    @property
    def statement(self) -> str:
        return STATEMENTS[self]


STATEMENTS = {
    Question.FAIR: "The process was fair.",
    Question.PREPARED: "The interviewers were prepared.",
    Question.TIME_RESPECTED: "My time was respected.",
}
SCALE = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


class CandidateSurvey(Model):
    __tablename__ = "candidate_survey"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{q.value} BETWEEN 1 AND 5", name=f"{q.value}_on_scale")
        for q in Question
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), unique=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    # SHA-256 of the link's token; NULL once erased, so the link can never work again.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    fair: Mapped[int | None]
    prepared: Mapped[int | None]
    time_respected: Mapped[int | None]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    loop: Mapped[Loop] = relationship()
