"""A small organisation to build loops in: a Payments requisition at level 6 requiring four
principles, its hiring manager, certified Bar Raisers inside and outside Payments, a trainee, four
Payments interviewers, a junior and a candidate; plus a valid panel to break one rule at a time."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.candidates.models import Candidate
from barraiser.candidates.services import create_candidate
from barraiser.extensions import db
from barraiser.loops.services import InterviewPlan, PanelPlan
from barraiser.principles.models import Principle
from barraiser.principles.services import active_principles
from barraiser.requisitions.models import Requisition
from barraiser.requisitions.services import create_requisition


@dataclass
class Org:
    recruiter: User
    hiring_manager: User
    bar_raiser: User  # certified, Logistics, level 7
    other_bar_raiser: User  # certified, Retail, level 7
    inside_bar_raiser: User  # certified, but in Payments
    uncertified: User  # Retail, level 7, not a Bar Raiser
    trainee: User  # in training, Retail, level 6
    interviewers: list[User]  # Payments, level 6
    junior: User  # Payments, level 4
    requisition: Requisition
    candidate: Candidate
    required: list[Principle]
    spare: list[Principle]  # active principles the requisition does not require
    day: datetime  # 09:00 UTC the day after the clock's start

    def slot(self, hour: int) -> datetime:
        return self.day + timedelta(hours=hour)

    def plan(self, **changes) -> PanelPlan:
        """A valid panel: the Bar Raiser at 09:00 then three interviewers an hour apart, one
        required principle each."""
        people = [self.bar_raiser, *self.interviewers[:3]]
        interviews = tuple(
            InterviewPlan(person.id, self.slot(index), 60, (principle.id,))
            for index, (person, principle) in enumerate(zip(people, self.required, strict=True))
        )
        plan = PanelPlan(bar_raiser_id=self.bar_raiser.id, interviews=interviews)
        return replace(plan, **changes)

    def with_interview(self, plan: PanelPlan, index: int, **changes) -> PanelPlan:
        interviews = list(plan.interviews)
        interviews[index] = replace(interviews[index], **changes)
        return replace(plan, interviews=tuple(interviews))


@pytest.fixture
def org(app, make_user, clock) -> Org:
    recruiter = make_user("rita@example.com", name="Rita Recruiter", roles=(Role.RECRUITER,))
    manager = make_user(
        "hugo@example.com", name="Hugo Manager", roles=(Role.HIRING_MANAGER,), level=7
    )
    certified = BarRaiserStatus.CERTIFIED
    bar_raiser = make_user(
        "bea@example.com", name="Bea Raiser", department="Logistics", level=7, bar_raiser=certified
    )
    other = make_user(
        "omar@example.com", name="Omar Other", department="Retail", level=7, bar_raiser=certified
    )
    inside = make_user(
        "ines@example.com", name="Ines Inside", department="Payments", level=7, bar_raiser=certified
    )
    uncertified = make_user("ulla@example.com", name="Ulla Plain", department="Retail", level=7)
    trainee = make_user(
        "tess@example.com",
        name="Tess Trainee",
        department="Retail",
        level=6,
        bar_raiser=BarRaiserStatus.IN_TRAINING,
    )
    interviewers = [
        make_user(f"panel{n}@example.com", name=f"Panelist {n}", level=6) for n in range(1, 5)
    ]
    junior = make_user("jo@example.com", name="Jo Junior", level=4)
    principles = active_principles()
    requisition = create_requisition(
        title="Senior Engineer",
        level=6,
        department="Payments",
        hiring_manager_id=manager.id,
        principle_ids=[p.id for p in principles[:4]],
        actor=recruiter,
        now=clock(),
    )
    candidate = create_candidate(
        name="Casey Candidate",
        email="casey@example.org",
        source="referral",
        notes="",
        actor=recruiter,
        now=clock(),
    )
    db.session.commit()
    return Org(
        recruiter=recruiter,
        hiring_manager=manager,
        bar_raiser=bar_raiser,
        other_bar_raiser=other,
        inside_bar_raiser=inside,
        uncertified=uncertified,
        trainee=trainee,
        interviewers=interviewers,
        junior=junior,
        requisition=requisition,
        candidate=candidate,
        required=principles[:4],
        spare=principles[4:],
        day=clock().replace(hour=9, minute=0) + timedelta(days=1),
    )


def form_data(
    plan: PanelPlan,
    *,
    candidate_id: int | None = None,
    requisition_id: int | None = None,
    version: int | None = None,
    rows: int = 6,
) -> dict:
    """The panel editor's POST for `plan`, with empty rows after the interviews."""
    data: dict = {
        "bar_raiser_id": plan.bar_raiser_id or "",
        "hiring_manager_id": plan.hiring_manager_id or "",
        "shadow_id": plan.shadow_id or "",
        "version": "" if version is None else str(version),
        "submit": "Save",
    }
    if candidate_id is not None or requisition_id is not None:
        data["candidate_id"] = candidate_id or ""
        data["requisition_id"] = requisition_id or ""
    for index in range(max(rows, len(plan.interviews))):
        prefix = f"interviews-{index}-"
        if index < len(plan.interviews):
            interview = plan.interviews[index]
            data[prefix + "interviewer_id"] = str(interview.interviewer_id)
            data[prefix + "starts_at"] = interview.starts_at.strftime("%Y-%m-%dT%H:%M")
            data[prefix + "duration_minutes"] = str(interview.duration_minutes)
            data[prefix + "principle_ids"] = [str(pid) for pid in interview.principle_ids]
        else:
            data[prefix + "interviewer_id"] = ""
            data[prefix + "starts_at"] = ""
            data[prefix + "duration_minutes"] = "60"
    return data


@pytest.fixture
def panel_form() -> Callable[..., dict]:
    return form_data


def error_next_to(page: str, key: str) -> str:
    """The error text shown under the field named `key` (empty when there is none)."""
    match = re.search(rf'<div id="{re.escape(key)}-errors"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.fixture
def error_of() -> Callable[[str, str], str]:
    return error_next_to
