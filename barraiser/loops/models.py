"""Loops: who interviews whom, when, on which principles.

The loop's state machine lives in barraiser.domain as data (LOOP_TRANSITIONS); services check
every move against it, so an illegal transition is refused whoever asks (view, CLI or importer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload

from ..auth.models import User
from ..candidates.models import Candidate
from ..database import UTCDateTime, enum_type
from ..domain import LOOP_TRANSITIONS, LoopState, Outcome, interview_end
from ..extensions import Model
from ..principles.models import Principle
from ..requisitions.models import Requisition
from ..settings.services import settings_on


class Loop(Model):
    """One candidate's interview day for one requisition, led by one Bar Raiser."""

    __tablename__ = "loop"
    __table_args__ = (
        sa.CheckConstraint("bar_raiser_id <> hiring_manager_id", name="bar_raiser_not_manager"),
        sa.CheckConstraint("(outcome IS NULL) = (state <> 'decided')", name="outcome_iff_decided"),
        sa.CheckConstraint("NOT vetoed OR outcome = 'no_hire'", name="veto_means_no_hire"),
        sa.CheckConstraint(
            "(state = 'cancelled') = (cancel_reason IS NOT NULL)", name="cancel_has_reason"
        ),
        # A state, then the first interview: a list of one state in date order, and a report's
        # loops of one state in a period, read by index whatever the history holds.
        sa.Index("ix_loop_state_first_interview_at", "state", "first_interview_at"),
        # The decided loops of the last days, newest first (the recent decisions on home
        # pages): without it SQLite, which keeps no statistics, walks every decided loop of the
        # history by state and sorts them.
        sa.Index("ix_loop_state_decided_at", "state", "decided_at"),
        # A hiring manager's loops (their home: decisions, hires awaiting a rating), by state
        # and decision time, so that the index above is not the better-looking one to SQLite.
        sa.Index(
            "ix_loop_hiring_manager_state_decided_at", "hiring_manager_id", "state", "decided_at"
        ),
        # A hiring manager's hires made here (not imported: external_ref IS NULL) that may await
        # a rating (their home): by the index above SQLite walked every hire they ever made.
        sa.Index(
            "ix_loop_hiring_manager_ref_state_decided_at",
            "hiring_manager_id",
            "external_ref",
            "state",
            "decided_at",
        ),
        # A Bar Raiser's loops under way (their home), by state and date: by the Bar Raiser
        # alone, SQLite walked every loop they ever led.
        sa.Index(
            "ix_loop_bar_raiser_state_first_interview_at",
            "bar_raiser_id",
            "state",
            "first_interview_at",
        ),
        # A requisition's loops, by date: whether it had a loop in a period (the report's
        # requisition filter) is one index probe per requisition, whatever the period holds.
        sa.Index("ix_loop_requisition_first_interview_at", "requisition_id", "first_interview_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    requisition_id: Mapped[int] = mapped_column(sa.ForeignKey("requisition.id"))
    hiring_manager_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    bar_raiser_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    state: Mapped[LoopState] = mapped_column(enum_type(LoopState), default=LoopState.DRAFT)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Raised by SQLAlchemy on every UPDATE of the row, which also carries `WHERE version = :read`
    # (version_id_col): a writer holding an old copy fails instead of overwriting. Pages carry it
    # so that acting on a stale page is refused (409).
    version: Mapped[int] = mapped_column(default=1)
    # The team's own reference for a loop brought in by import-history; unique, for idempotency.
    external_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # Denormalised from the panel when it changes, so reports filter loops by period in SQL.
    first_interview_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    debrief_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    debrief_opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    debrief_early_reason: Mapped[str | None] = mapped_column(sa.Text)

    # Reverse shadow: a Bar Raiser in training leads the loop (bar_raiser_id: they interview on
    # the panel and run the debrief) while this certified Bar Raiser sits in on their slot as the
    # shadow and holds the veto. NULL: the loop's Bar Raiser holds it. Fixed when the panel is
    # set, so a later certification of the trainee does not move the veto of a loop in flight.
    certified_shadow_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)

    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome))
    vetoed: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    candidate: Mapped[Candidate] = relationship()
    requisition: Mapped[Requisition] = relationship()
    hiring_manager: Mapped[User] = relationship(foreign_keys=[hiring_manager_id])
    bar_raiser: Mapped[User] = relationship(foreign_keys=[bar_raiser_id])
    certified_shadow: Mapped[User | None] = relationship(foreign_keys=[certified_shadow_id])
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="loop",
        order_by="Interview.starts_at, Interview.id",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    def can_move_to(self, state: LoopState) -> bool:
        return state in LOOP_TRANSITIONS[self.state]

    @hybrid_property
    def veto_holder_id(self) -> int:
        """Who concurs or vetoes, and whose veto rate the calibration report counts: the
        certified shadow of a trainee-led loop, else the loop's Bar Raiser."""
        if self.certified_shadow_id is not None:
            return self.certified_shadow_id
        return self.bar_raiser_id

    @veto_holder_id.inplace.expression
    @classmethod
    def _veto_holder_id_expression(cls) -> sa.ColumnElement[int]:
        return sa.func.coalesce(cls.certified_shadow_id, cls.bar_raiser_id)

    @property
    def trainee_led(self) -> bool:
        return self.certified_shadow_id is not None

    @property
    def awaiting_debrief(self) -> bool:
        """Scheduled: its debrief is still to open."""
        return self.state is LoopState.SCHEDULED

    @property
    def decided(self) -> bool:
        return self.state is LoopState.DECIDED

    @property
    def panel(self) -> list[Interview]:
        """The interviews whose feedback counts as panel votes (shadows excluded)."""
        return [interview for interview in self.interviews if not interview.is_shadow]


class Interview(Model):
    """One interviewer's slot in a loop, with the 1–3 principles they must probe.

    A shadow interview is a Bar Raiser in training sitting in; their feedback is shown in the
    debrief, marked, and never counted as a panel vote.
    """

    __tablename__ = "interview"
    __table_args__ = (
        sa.UniqueConstraint("loop_id", "interviewer_id"),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"
        ),
        sa.Index("ix_interview_interviewer_starts", "interviewer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loop.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=60)
    is_shadow: Mapped[bool] = mapped_column(default=False)
    # When the feedback is due, fixed when the interview is put on the panel (or moved): a later
    # change of the deadline setting does not move it. Feedback is late after it; reminders and
    # the calibration report read it from here.
    feedback_due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    loop: Mapped[Loop] = relationship(back_populates="interviews")
    interviewer: Mapped[User] = relationship()
    assignments: Mapped[list[InterviewPrinciple]] = relationship(
        back_populates="interview",
        order_by="InterviewPrinciple.position",
        cascade="all, delete-orphan",
    )

    @property
    def ends_at(self) -> datetime:
        return interview_end(self.starts_at, self.duration_minutes)

    @property
    def principles(self) -> list[Principle]:
        return [assignment.principle for assignment in self.assignments]


class InterviewPrinciple(Model):
    __tablename__ = "interview_principle"

    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True
    )
    principle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # What the interview's feedback said of this principle when it was submitted (and locked):
    # both NULL until then; the rating may stay NULL (not rated), the word count is 0 when no
    # evidence was written. Copied from the feedback's PrincipleRating at submission
    # (`feedback.services.stamp_assignments`) so that the calibration report counts ratings
    # and evidence over the assignments alone, without joining the feedback and its ratings.
    submitted_rating: Mapped[int | None]
    submitted_evidence_words: Mapped[int | None]

    interview: Mapped[Interview] = relationship(back_populates="assignments")
    principle: Mapped[Principle] = relationship()


# Everything a loop's pages read of it (the loop page, the panel editor, the debrief, the panel's
# feedback, an interview's calendar file): its people and its panel with each interview's
# principles, in two queries whatever the panel size (an interview has at most three
# principles: joined to its interviews, they add a few rows, not a statement). One set, so the
# pages agree.
PANEL = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
    joinedload(Loop.hiring_manager),
    joinedload(Loop.bar_raiser),
    joinedload(Loop.certified_shadow),
    selectinload(Loop.interviews).options(
        joinedload(Interview.interviewer),
        joinedload(Interview.assignments).joinedload(InterviewPrinciple.principle),
    ),
)

# What a row of a loop list shows.
LIST_ROW = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
    joinedload(Loop.bar_raiser),
    selectinload(Loop.interviews),
)


@sa.event.listens_for(Interview, "before_insert")
def _fix_feedback_deadline(mapper: object, connection: sa.Connection, interview: Interview) -> None:
    """An interview inserted without its deadline gets the one in force now."""
    if interview.feedback_due_at is None:
        hours = settings_on(connection).feedback_deadline_hours
        interview.feedback_due_at = interview.ends_at + timedelta(hours=hours)
