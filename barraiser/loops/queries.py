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


def bar_raiser_choices(status: BarRaiserStatus) -> list[tuple[int, str]]:
    if status is BarRaiserStatus.CERTIFIED:
        # The requisition may not be chosen yet: those who may lead a loop on any requisition.
        who = may_lead_as_bar_raiser_clause(None, hiring_manager_id=None)
    else:
        who = User.bar_raiser_status == status
    query = active_users().where(who)
    return [(user.id, person_label(user)) for user in db.session.scalars(query)]


TRAINEE_LEADS = "in training: leads with a certified shadow"
CERTIFIED_SHADOWS = "certified: shadows a trainee who leads, and holds the veto"


def _marked(choices: list[tuple[int, str]], note: str) -> list[tuple[int, str]]:
    return [(user_id, f"{label} — {note}") for user_id, label in choices]


def panel_choices() -> dict[str, list[tuple[int, str]]]:
    """The options of every select in the panel editor."""
    return {
        "people": people_choices(),
        # A trainee may lead with a certified shadow (reverse shadow), so each list offers both.
        "bar_raisers": [
            *bar_raiser_choices(BarRaiserStatus.CERTIFIED),
            *_marked(bar_raiser_choices(BarRaiserStatus.IN_TRAINING), TRAINEE_LEADS),
        ],
        "trainees": [
            *bar_raiser_choices(BarRaiserStatus.IN_TRAINING),
            *_marked(bar_raiser_choices(BarRaiserStatus.CERTIFIED), CERTIFIED_SHADOWS),
        ],
        "managers": hiring_manager_choices(),
        "principles": principle_choices(),
    }


__all__ = ["candidate_choices", "open_requisition_choices"]
