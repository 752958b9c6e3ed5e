"""Reading loops for pages, with everything a page shows loaded in a
fixed number of queries, whatever the panel size or the number of rows."""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import BarRaiserStatus, User
from ..candidates.queries import candidate_choices
from ..extensions import db
from ..requisitions.queries import (
    active_users,
    hiring_manager_choices,
    open_requisition_choices,
    person_label,
    principle_choices,
)
from ..requisitions.models import Requisition
from .models import PANEL, Interview, InterviewPrinciple
from .rules import may_lead_as_bar_raiser_clause

# An interview's calendar file: the interview with its principles, and its loop as the loop's
# pages have it.
CALENDAR = (
    joinedload(Interview.interviewer),
    joinedload(Interview.loop).options(*PANEL),
    selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
)


def people_choices() -> list[tuple[int, str]]:
    return [(user.id, person_label(user)) for user in db.session.scalars(active_users())]


def bar_raiser_choices(
    status: BarRaiserStatus,
    requisition: Requisition | None = None,
    *,
    hiring_manager_id: int | None = None,
) -> list[tuple[int, str]]:
    if status is BarRaiserStatus.CERTIFIED:
        # The rule the service checks (loops.rules), as SQL: with the requisition chosen, only
        # those who may lead a loop on it; before that, those who may lead one on any.
        if requisition is not None and hiring_manager_id is None:
            hiring_manager_id = requisition.hiring_manager_id
        who = may_lead_as_bar_raiser_clause(requisition, hiring_manager_id=hiring_manager_id)
    else:
        who = User.bar_raiser_status == status
    query = active_users().where(who)
    return [(user.id, person_label(user)) for user in db.session.scalars(query)]


def panel_choices(
    requisition: Requisition | None = None, *, hiring_manager_id: int | None = None
) -> dict[str, list[tuple[int, str]]]:
    """The options of every select in the panel editor; the Bar Raisers offered are those
    eligible for `requisition` with that hiring manager (the requisition's when None)."""
    return {
        "people": people_choices(),
        "bar_raisers": bar_raiser_choices(
            BarRaiserStatus.CERTIFIED, requisition, hiring_manager_id=hiring_manager_id
        ),
        "trainees": bar_raiser_choices(BarRaiserStatus.IN_TRAINING),
        "managers": hiring_manager_choices(),
        "principles": principle_choices(),
    }


__all__ = ["candidate_choices", "open_requisition_choices"]
