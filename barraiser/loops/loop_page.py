"""What the loop page shows of a loop, as plain rows: its people, its panel with each interview's
principles and whether its feedback is in, the requisition's principles and the loop's history,
each read by a statement built once. Loading the loop as entities with every relationship cost
several times the reads themselves, and the page only shows columns.

The page's loop has the attributes the policy predicates read of a Loop (`interviews` with
`interviewer_id` and `is_shadow`, `hiring_manager_id`, `bar_raiser_id`, `debrief_opened_at`, the
state), so the page asks them exactly what it asked of the entity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..audit.models import AuditEvent
from ..auth.models import User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import LOOP_TRANSITIONS, LoopState, Outcome
from ..feedback.models import Feedback
from ..principles.models import Principle
from ..requisitions.models import Requisition, requisition_principle
from .models import Interview, InterviewPrinciple, Loop


class Person(NamedTuple):
    name: str
    department: str


class PrincipleName(NamedTuple):
    id: int
    name: str


class CandidateName(NamedTuple):
    id: int
    display_name: str


class RequisitionLine(NamedTuple):
    """What the page shows of the requisition; `hiring_manager_id` for
    policy.can_view_requisition."""

    id: int
    title: str
    level: int
    department: str
    hiring_manager_id: int


@dataclass(frozen=True, slots=True)
class PanelInterview:
    """One interview of the panel, in the panel's order, with its principles in theirs."""

    id: int
    interviewer_id: int
    interviewer: Person
    starts_at: datetime
    duration_minutes: int
    is_shadow: bool
    feedback_submitted: bool
    principles: tuple[PrincipleName, ...]


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One audit event about the loop; `actor_name` None for the system."""

    id: int
    at: datetime
    action: str
    details: dict[str, Any]
    actor_name: str | None


@dataclass(frozen=True, slots=True)
class LoopPage:
    id: int
    state: LoopState
    version: int
    cancel_reason: str | None
    first_interview_at: datetime | None
    debrief_opened_at: datetime | None
    debrief_early_reason: str | None
    decided_at: datetime | None
    outcome: Outcome | None
    vetoed: bool
    hiring_manager_id: int
    bar_raiser_id: int
    candidate: CandidateName
    requisition: RequisitionLine
    hiring_manager: Person
    bar_raiser: Person
    interviews: tuple[PanelInterview, ...]
    required_principles: tuple[PrincipleName, ...]

    def can_move_to(self, state: LoopState) -> bool:
        return state in LOOP_TRANSITIONS[self.state]

    @property
    def awaiting_debrief(self) -> bool:
        """Scheduled: its debrief is still to open (Loop.awaiting_debrief)."""
        return self.state is LoopState.SCHEDULED

    @property
    def decided(self) -> bool:
        return self.state is LoopState.DECIDED

    @property
    def panel(self) -> list[PanelInterview]:
        """The interviews whose feedback counts as panel votes (shadows excluded)."""
        return [interview for interview in self.interviews if not interview.is_shadow]

    def own_feedback_submitted(self, user_id: int) -> bool:
        """policy.own_feedback_submitted, from the panel read with the page."""
        return any(
            interview.feedback_submitted
            for interview in self.interviews
            if interview.interviewer_id == user_id
        )

    def feedback_counts(self) -> dict[str, int]:
        """How much of the panel's feedback is in, as feedback.queries.PanelProgress counts it
        (progress_by_loop): panel and shadow interviews, and those with submitted feedback."""
        panel = [i.feedback_submitted for i in self.interviews if not i.is_shadow]
        shadow = [i.feedback_submitted for i in self.interviews if i.is_shadow]
        return {
            "submitted": sum(panel),
            "total": len(panel),
            "shadow_submitted": sum(shadow),
            "shadow_total": len(shadow),
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who probes a principle on a loop's panel (shadows not counted)."""

    principle: PrincipleName
    interviewers: list[Person]
    required: bool


def coverage(loop: LoopPage) -> list[Coverage]:
    """The requisition's principles first, then any other principle the panel probes."""
    holders: dict[int, list[Person]] = {}
    principles: dict[int, PrincipleName] = {}
    for interview in loop.panel:
        for principle in interview.principles:
            principles[principle.id] = principle
            holders.setdefault(principle.id, []).append(interview.interviewer)
    required = loop.required_principles
    required_ids = {principle.id for principle in required}
    extra = [principles[pid] for pid in principles if pid not in required_ids]
    return [
        Coverage(principle, holders.get(principle.id, []), principle.id in required_ids)
        for principle in [*required, *extra]
    ]


_HiringManager = aliased(User)
_BarRaiser = aliased(User)
_LOOP_ID: sa.BindParameter[int] = sa.bindparam("loop_id", type_=sa.Integer)

# The loop with its candidate, requisition and people: one row, and a row more for each
# principle the requisition requires after the first (in the catalog's order), so that the
# requisition's principles cost no statement of their own.
_LOOP = (
    sa.select(
        Loop.id,
        Loop.state,
        Loop.version,
        Loop.cancel_reason,
        Loop.first_interview_at,
        Loop.debrief_opened_at,
        Loop.debrief_early_reason,
        Loop.decided_at,
        Loop.outcome,
        Loop.vetoed,
        Loop.hiring_manager_id,
        Loop.bar_raiser_id,
        Loop.candidate_id,
        Candidate.name.label("candidate_name"),
        Candidate.erased_at,
        Requisition.id.label("requisition_id"),
        Requisition.title,
        Requisition.level,
        Requisition.department,
        Requisition.hiring_manager_id.label("requisition_manager_id"),
        _HiringManager.name.label("hiring_manager_name"),
        _HiringManager.department.label("hiring_manager_department"),
        _BarRaiser.name.label("bar_raiser_name"),
        _BarRaiser.department.label("bar_raiser_department"),
        Principle.id.label("principle_id"),
        Principle.name.label("principle_name"),
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .join(_HiringManager, _HiringManager.id == Loop.hiring_manager_id)
    .join(_BarRaiser, _BarRaiser.id == Loop.bar_raiser_id)
    .outerjoin(requisition_principle, requisition_principle.c.requisition_id == Requisition.id)
    .outerjoin(Principle, Principle.id == requisition_principle.c.principle_id)
    .where(Loop.id == _LOOP_ID)
    .order_by(Principle.position, Principle.id)
)

# The panel in the loop's order (Loop.interviews), one row per principle of each interview in
# the interview's order (a NULL principle for an interview without any).
_PANEL = (
    sa.select(
        Interview.id,
        Interview.interviewer_id,
        User.name,
        User.department,
        Interview.starts_at,
        Interview.duration_minutes,
        Interview.is_shadow,
        sa.select(Feedback.id)
        .where(Feedback.interview_id == Interview.id, Feedback.submitted)
        .exists()
        .label("feedback_submitted"),
        Principle.id.label("principle_id"),
        Principle.name.label("principle_name"),
    )
    .join(User, User.id == Interview.interviewer_id)
    .outerjoin(InterviewPrinciple, InterviewPrinciple.interview_id == Interview.id)
    .outerjoin(Principle, Principle.id == InterviewPrinciple.principle_id)
    .where(Interview.loop_id == _LOOP_ID)
    .order_by(
        Interview.starts_at,
        Interview.id,
        InterviewPrinciple.position,
        InterviewPrinciple.principle_id,
    )
)

# The loop's history, oldest first (audit.services.events_for), with each actor's name.
_HISTORY = (
    sa.select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.details,
        User.name,
    )
    .outerjoin(User, User.id == AuditEvent.actor_id)
    .where(
        AuditEvent.subject_type == Loop.__tablename__,
        AuditEvent.subject_id == _LOOP_ID,
    )
    .order_by(AuditEvent.at, AuditEvent.id)
)


def read_loop_page(loop_id: int) -> LoopPage | None:
    """The loop page's loop, or None when there is no such loop."""
    parameters = {"loop_id": loop_id}
    rows = read_rows(_LOOP, parameters).all()
    if not rows:
        return None
    row = rows[0]
    return LoopPage(
        id=row.id,
        state=row.state,
        version=row.version,
        cancel_reason=row.cancel_reason,
        first_interview_at=row.first_interview_at,
        debrief_opened_at=row.debrief_opened_at,
        debrief_early_reason=row.debrief_early_reason,
        decided_at=row.decided_at,
        outcome=row.outcome,
        vetoed=row.vetoed,
        hiring_manager_id=row.hiring_manager_id,
        bar_raiser_id=row.bar_raiser_id,
        candidate=CandidateName(
            row.candidate_id, display_name(row.candidate_id, row.candidate_name, row.erased_at)
        ),
        requisition=RequisitionLine(
            row.requisition_id,
            row.title,
            row.level,
            row.department,
            row.requisition_manager_id,
        ),
        hiring_manager=Person(row.hiring_manager_name, row.hiring_manager_department),
        bar_raiser=Person(row.bar_raiser_name, row.bar_raiser_department),
        interviews=_panel(read_rows(_PANEL, parameters)),
        required_principles=tuple(
            PrincipleName(row.principle_id, row.principle_name)
            for row in rows
            if row.principle_id is not None
        ),
    )


def _panel(rows: Sequence[Any] | sa.CursorResult[Any]) -> tuple[PanelInterview, ...]:
    interviews: list[tuple[Any, list[PrincipleName]]] = []
    last_id = None
    for row in rows:
        if row.id != last_id:
            interviews.append((row, []))
            last_id = row.id
        if row.principle_id is not None:
            interviews[-1][1].append(PrincipleName(row.principle_id, row.principle_name))
    return tuple(
        PanelInterview(
            id=row.id,
            interviewer_id=row.interviewer_id,
            interviewer=Person(row.name, row.department),
            starts_at=row.starts_at,
            duration_minutes=row.duration_minutes,
            is_shadow=row.is_shadow,
            feedback_submitted=bool(row.feedback_submitted),
            principles=tuple(principles),
        )
        for row, principles in interviews
    )


def loop_history(loop_id: int) -> list[HistoryEvent]:
    """The loop's audit events, oldest first, as the page's history lists them."""
    return [
        HistoryEvent(id=event_id, at=at, action=action, details=details, actor_name=actor)
        for event_id, at, action, details, actor in read_rows(_HISTORY, {"loop_id": loop_id})
    ]
