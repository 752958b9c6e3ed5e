"""Requisitions: the roles to fill, and the principles every loop for one must cover."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..extensions import Model, db
from ..principles.models import Principle


class RequisitionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


requisition_principle = sa.Table(
    "requisition_principle",
    db.metadata,
    sa.Column(
        "requisition_id",
        sa.ForeignKey("requisition.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("principle_id", sa.ForeignKey("principle.id"), primary_key=True),
)


class Requisition(Model):
    """A role to fill, and the principles every loop for it must cover."""

    __tablename__ = "requisition"
    __table_args__ = (sa.CheckConstraint("level >= 1 AND level <= 12", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[int]
    department: Mapped[str] = mapped_column(sa.String(120))
    hiring_manager_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[RequisitionStatus] = mapped_column(
        enum_type(RequisitionStatus), default=RequisitionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    hiring_manager: Mapped[User] = relationship(foreign_keys=[hiring_manager_id])
    required_principles: Mapped[list[Principle]] = relationship(
        # Loaded when asked for: pages that list loops load their requisitions' titles, and
        # the lists that show the principles ask for them (selectinload) in their own query.
        secondary=requisition_principle,
        order_by=Principle.position,
    )
    plan: Mapped[list[PlanSlot]] = relationship(
        order_by="PlanSlot.position, PlanSlot.id", cascade="all, delete-orphan"
    )


class PlanSlot(Model):
    """One slot of a requisition's interview plan: the principles an interview probes, how long
    it lasts and, optionally, who usually holds it. Loops are built from the plan in one step."""

    __tablename__ = "plan_slot"
    __table_args__ = (
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requisition.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    interviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    interviewer: Mapped[User | None] = relationship()
    assignments: Mapped[list[PlanSlotPrinciple]] = relationship(
        order_by="PlanSlotPrinciple.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def principle_ids(self) -> tuple[int, ...]:
        return tuple(assignment.principle_id for assignment in self.assignments)


class PlanSlotPrinciple(Model):
    __tablename__ = "plan_slot_principle"

    slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_slot.id", ondelete="CASCADE"), primary_key=True
    )
    principle_id: Mapped[int] = mapped_column(sa.ForeignKey("principle.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    principle: Mapped[Principle] = relationship(lazy="joined")


class RequisitionQuestions(Model):
    """A role's own interview questions for one principle (one a line): shown to the role's
    interviewers after the principle's kit questions, marked as the role's own."""

    __tablename__ = "requisition_question"

    requisition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requisition.id", ondelete="CASCADE"), primary_key=True
    )
    principle_id: Mapped[int] = mapped_column(sa.ForeignKey("principle.id"), primary_key=True)
    questions: Mapped[str] = mapped_column(sa.Text)

    principle: Mapped[Principle] = relationship()

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]
