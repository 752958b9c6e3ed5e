"""Loop operations: creating a loop, changing its panel, and moving it through its state machine.

Each one checks the panel rules (see rules.py) and the transition table itself, writes its audit
event and flushes; the request or command commits. The importer and the CLI call these too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..candidates.models import Candidate
from ..database import mark_changed
from ..domain import LoopState, interview_end
from ..errors import Conflict, RuleViolation
from ..extensions import db
from ..feedback.models import Feedback
from ..requisitions.models import Requisition, RequisitionStatus
from ..settings.services import current_settings, zone_of
from ..zones import format_local
from .calendar import slot_of
from .models import Interview, InterviewPrinciple, Loop
from .notices import PanelDiff, cancel_panel, invite_panel, tell_panel_changes
from .rules import (
    InterviewPlan,
    PanelInvalid,
    PanelPlan,
    Problem,
    scheduling_problems,
    shadow_slot,
    trainee_leads,
    validate_panel,
)

__all__ = [
    "EDITABLE_STATES",
    "InterviewPlan",
    "PanelInvalid",
    "PanelPlan",
    "Problem",
    "cancel_loop",
    "create_loop",
    "ensure_panel_editable",
    "lock_loop",
    "panel_plan_of",
    "schedule_loop",
    "transition",
    "unschedule_loop",
    "update_panel",
    "validate_panel",
]

# A panel can change until the debrief opens; after that the feedback is being read.
EDITABLE_STATES = frozenset({LoopState.DRAFT, LoopState.SCHEDULED})
MAX_REASON_LENGTH = 2000

STALE_MESSAGE = (
    "Someone changed this loop since you opened it. Reload the page to see their change, "
    "then make yours again."
)


def lock_loop(loop_id: int) -> Loop:
    """The loop, re-read under its row lock (SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE
    already serialises writers). Whoever waited for the lock now sees what the winner committed.

    Every operation on a loop, or on what hangs off it (feedback, debrief), takes this lock first
    and any other row's lock after it, so writers in one loop queue instead of racing. Take it
    before changing the loop: the re-read replaces the loop's loaded columns.
    """
    return db.session.scalars(
        sa.select(Loop)
        .where(Loop.id == loop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _refuse_stale(loop: Loop, expected_version: int | None) -> None:
    """Refuse to act on a page showing an older version of the loop than the one locked.

    (The version itself is raised by SQLAlchemy on every UPDATE of the row, which also checks it:
    see Loop.__mapper_args__.)"""
    if expected_version is not None and expected_version != loop.version:
        raise Conflict(STALE_MESSAGE, field="version")


def _zone(actor: User | None) -> str | None:
    """The zone a refusal names times in: the acting person's (the importer's: UTC)."""
    return zone_of(actor) if actor is not None else None


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise PanelInvalid(problems)


def _check_candidate_and_requisition(
    candidate: Candidate | None, requisition: Requisition | None
) -> list[Problem]:
    problems: list[Problem] = []
    if candidate is None:
        problems.append(Problem("candidate_id", "Pick the candidate."))
    elif candidate.erased_at is not None:
        problems.append(Problem("candidate_id", "This candidate was erased; pick another."))
    if requisition is None:
        problems.append(Problem("requisition_id", "Pick the requisition."))
    elif requisition.status is RequisitionStatus.CLOSED:
        problems.append(
            Problem(
                "requisition_id",
                f"The requisition {requisition.title} is closed; reopen it or pick an open one.",
            )
        )
    return problems


def _lock_people(panel: PanelPlan) -> None:
    """Lock the interviewers' rows, in id order, so two loops booking the same person at the same
    time are checked one after the other (PostgreSQL; SQLite already writes one at a time)."""
    ids = {plan.interviewer_id for plan in panel.interviews} | {panel.shadow_id}
    ids.discard(None)
    db.session.execute(
        sa.select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
    )


def _apply_panel(
    loop: Loop, panel: PanelPlan, hiring_manager_id: int, diff: PanelDiff | None = None
) -> list[str]:
    """Make the loop's interviews match the plan, keeping the rows of interviewers who stay (their
    feedback hangs off them). Returns the changes in words, for the audit trail; `diff`, when
    given, collects them by interview, for the interviewers' calendars."""
    diff = diff if diff is not None else PanelDiff()
    wanted: dict[int, tuple[InterviewPlan, bool]] = {
        plan.interviewer_id: (plan, False) for plan in panel.interviews
    }
    shadow = shadow_slot(panel)
    if shadow is not None:
        wanted[shadow.interviewer_id] = (shadow, True)
    existing = {interview.interviewer_id: interview for interview in loop.interviews}
    feedback = _feedback_of([i.id for i in loop.interviews if i.id is not None])
    started = set(feedback)
    changes: list[str] = []

    for interviewer_id, leaving in existing.items():
        if interviewer_id not in wanted:
            if leaving.id in started:
                raise RuleViolation(
                    f"{leaving.interviewer.name} has started feedback for their interview; "
                    "it cannot be removed from the panel.",
                    field="interviews",
                )
            diff.removed.append(slot_of(leaving))
            loop.interviews.remove(leaving)
            changes.append(f"removed {leaving.interviewer.name}")
    names = {
        user.id: user.name
        for user in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))
    }
    for interviewer_id, (plan, is_shadow) in wanted.items():
        interview = existing.get(interviewer_id)
        name = names.get(interviewer_id, f"user {interviewer_id}")
        if interview is None:
            interview = Interview(interviewer_id=interviewer_id)
            loop.interviews.append(interview)
            diff.added.append(interview)
            changes.append(f"added {name}" + (" as shadow" if is_shadow else ""))
        elif (interview.starts_at, interview.duration_minutes) != (
            plan.starts_at,
            plan.duration_minutes,
        ):
            if feedback.get(interview.id):
                # Submitted feedback would then predate the interview it reports on. A draft may
                # still move: nothing in it is final yet.
                raise RuleViolation(
                    f"{interview.interviewer.name} has submitted feedback for their interview; "
                    "it cannot be moved.",
                    field="interviews",
                )
            changes.append(f"moved {name} to {format_local(plan.starts_at, 'UTC')}")
            diff.moved.append(interview)
            # A moved interview keeps the time for feedback it was scheduled with.
            interview.feedback_due_at = interview_end(plan.starts_at, plan.duration_minutes) + (
                interview.feedback_due_at - interview.ends_at
            )
        interview.starts_at = plan.starts_at
        interview.duration_minutes = plan.duration_minutes
        interview.is_shadow = is_shadow
        principles_changed = _set_principles(interview, plan.principle_ids, started)
        if principles_changed and interviewer_id in existing:
            changes.append(f"changed the principles {name} probes")
            if interview not in diff.moved:
                diff.changed.append(interview)
    assert panel.bar_raiser_id is not None  # validate_panel refuses a panel without one
    loop.hiring_manager_id = hiring_manager_id
    loop.bar_raiser_id = panel.bar_raiser_id
    lead = db.session.get(User, panel.bar_raiser_id)
    loop.certified_shadow_id = panel.shadow_id if trainee_leads(lead) else None
    loop.first_interview_at = min(plan.starts_at for plan, _ in wanted.values())
    return changes


def _set_principles(
    interview: Interview, principle_ids: tuple[int, ...], started: set[int]
) -> bool:
    wanted = list(dict.fromkeys(principle_ids))
    current = [assignment.principle_id for assignment in interview.assignments]
    if current == wanted:
        return False
    if interview.id in started and set(current) != set(wanted):
        raise RuleViolation(
            f"{interview.interviewer.name} has started feedback on their principles; "
            "they can no longer change.",
            field="interviews",
        )
    # Keep rows that stay (a composite key cannot be deleted and re-added in one flush).
    by_principle = {assignment.principle_id: assignment for assignment in interview.assignments}
    interview.assignments = [
        by_principle.get(principle_id) or InterviewPrinciple(principle_id=principle_id)
        for principle_id in wanted
    ]
    for position, assignment in enumerate(interview.assignments):
        assignment.position = position
    return True


def _feedback_of(interview_ids: list[int]) -> dict[int, bool]:
    """The interviews among these with feedback started, each with whether it is submitted."""
    if not interview_ids:
        return {}
    rows = db.session.execute(
        sa.select(Feedback.interview_id, Feedback.submitted).where(
            Feedback.interview_id.in_(interview_ids)
        )
    )
    return {interview_id: bool(submitted) for interview_id, submitted in rows}


def create_loop(
    *,
    candidate_id: int | None,
    requisition_id: int | None,
    panel: PanelPlan,
    actor: User | None,
    now: datetime,
    external_ref: str | None = None,
) -> Loop:
    """A new draft loop. Refuses (PanelInvalid, listing every problem) unless all rules pass."""
    candidate = db.session.get(Candidate, candidate_id) if candidate_id else None
    requisition = db.session.get(Requisition, requisition_id) if requisition_id else None
    problems = _check_candidate_and_requisition(candidate, requisition)
    if requisition is None:
        raise PanelInvalid(problems)
    _lock_people(panel)
    _refuse(problems + validate_panel(requisition, panel, zone=_zone(actor)))
    assert candidate is not None  # refused above, as a problem on the candidate field
    loop = Loop(
        candidate=candidate,
        requisition=requisition,
        state=LoopState.DRAFT,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
        external_ref=external_ref,
    )
    hiring_manager_id = panel.hiring_manager_id or requisition.hiring_manager_id
    _apply_panel(loop, panel, hiring_manager_id)
    db.session.add(loop)
    db.session.flush()
    record(
        "loop.created",
        actor=actor,
        subject=loop,
        now=now,
        candidate_id=candidate.id,
        requisition_id=requisition.id,
        bar_raiser_id=loop.bar_raiser_id,
        hiring_manager_id=hiring_manager_id,
        interviews=len(panel.interviews),
        shadow_id=panel.shadow_id,
    )
    return loop


def ensure_panel_editable(loop: Loop) -> None:
    if loop.state not in EDITABLE_STATES:
        raise Conflict(
            f"This loop is {loop.state.value}; its panel can no longer change.", field="state"
        )


def update_panel(
    loop: Loop,
    panel: PanelPlan,
    *,
    expected_version: int | None,
    actor: User | None,
    now: datetime,
) -> list[str]:
    """Change the panel of a draft or scheduled loop; the rules are checked again in full.

    Returns the changes in words (empty when nothing changed, and nothing is recorded)."""
    loop = lock_loop(loop.id)
    ensure_panel_editable(loop)
    _refuse_stale(loop, expected_version)
    _lock_people(panel)
    _refuse(validate_panel(loop.requisition, panel, loop=loop, zone=_zone(actor)))
    hiring_manager_id = panel.hiring_manager_id or loop.requisition.hiring_manager_id
    before = (loop.hiring_manager_id, loop.bar_raiser_id)
    diff = PanelDiff()
    changes = _apply_panel(loop, panel, hiring_manager_id, diff)
    if before[0] != hiring_manager_id:
        changes.insert(0, "changed the hiring manager")
    if before[1] != panel.bar_raiser_id:
        changes.insert(0, "changed the Bar Raiser")
    if not changes:
        return []  # nothing happened: the page the user holds is still current
    # A change to the interviews alone must move the loop's version on too.
    mark_changed(loop)
    record(
        "loop.panel_changed",
        actor=actor,
        subject=loop,
        now=now,
        changes=changes,
        state=loop.state.value,
    )
    db.session.flush()
    if loop.state is LoopState.SCHEDULED:
        tell_panel_changes(loop, diff, now=now)
    return changes


def panel_plan_of(loop: Loop) -> PanelPlan:
    """The loop's current panel as a plan, to check it again or to edit it."""
    return PanelPlan(
        bar_raiser_id=loop.bar_raiser_id,
        hiring_manager_id=loop.hiring_manager_id,
        shadow_id=next((i.interviewer_id for i in loop.interviews if i.is_shadow), None),
        interviews=tuple(
            InterviewPlan(
                interviewer_id=interview.interviewer_id,
                starts_at=interview.starts_at,
                duration_minutes=interview.duration_minutes,
                principle_ids=tuple(a.principle_id for a in interview.assignments),
            )
            for interview in loop.interviews
            if not interview.is_shadow
        ),
    )


def transition(
    loop: Loop,
    to_state: LoopState,
    *,
    actor: User | None,
    now: datetime,
    expected_version: int | None = None,
    **details: Any,
) -> None:
    """Move the loop to `to_state` if LOOP_TRANSITIONS allows it (else Conflict, 409).

    The caller holds the loop's lock (lock_loop). Callers entering a state that needs columns
    (the debrief's opened_at, the decision's outcome) set them before calling: this flushes them
    together with the new state. `details` go to the audit event.
    """
    # Reading the state must not flush early the columns the caller set for the new state.
    with db.session.no_autoflush:
        allowed = loop.can_move_to(to_state)
    if not allowed:
        raise Conflict(f"A {loop.state.value} loop cannot become {to_state.value}.", field="state")
    _refuse_stale(loop, expected_version)
    from_state = loop.state
    loop.state = to_state
    record(
        "loop.state_changed",
        actor=actor,
        subject=loop,
        now=now,
        from_state=from_state.value,
        to_state=to_state.value,
        **details,
    )
    db.session.flush()


def schedule_loop(
    loop: Loop,
    *,
    actor: User | None,
    now: datetime,
    expected_version: int | None = None,
    confirm_past: bool = False,
) -> None:
    """draft → scheduled, only if every rule passes now (certifications, settings and other loops
    may have changed since the panel was saved), the panel has the minimum size, and interviews
    already in the past are confirmed (`confirm_past`)."""
    loop = lock_loop(loop.id)
    if not loop.can_move_to(LoopState.SCHEDULED):
        raise Conflict(f"A {loop.state.value} loop cannot be scheduled.", field="state")
    panel = panel_plan_of(loop)
    _lock_people(panel)
    _refuse(
        validate_panel(loop.requisition, panel, loop=loop, zone=_zone(actor))
        + scheduling_problems(
            panel,
            now=now,
            min_panel_size=current_settings().min_panel_size,
            past_confirmed=confirm_past,
        )
    )
    transition(loop, LoopState.SCHEDULED, actor=actor, now=now, expected_version=expected_version)
    invite_panel(loop, now=now)


def unschedule_loop(
    loop: Loop, *, actor: User | None, now: datetime, expected_version: int | None = None
) -> None:
    """scheduled → draft, e.g. while the candidate's availability is being settled again."""
    loop = lock_loop(loop.id)
    transition(loop, LoopState.DRAFT, actor=actor, now=now, expected_version=expected_version)
    cancel_panel(loop, now=now, why="The loop is back in draft while its dates are settled again.")


def cancel_loop(
    loop: Loop,
    reason: str,
    *,
    actor: User | None,
    now: datetime,
    expected_version: int | None = None,
) -> None:
    """Cancel a draft or scheduled loop. The reason is kept on the loop, not in the audit trail,
    because it may name the candidate and must go when the candidate is erased."""
    loop = lock_loop(loop.id)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why the loop is cancelled.", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise RuleViolation(
            f"Keep the reason under {MAX_REASON_LENGTH} characters.", field="reason"
        )
    if not loop.can_move_to(LoopState.CANCELLED):
        raise Conflict(f"A {loop.state.value} loop cannot be cancelled.", field="state")
    was_scheduled = loop.state is LoopState.SCHEDULED
    loop.cancel_reason = reason
    transition(loop, LoopState.CANCELLED, actor=actor, now=now, expected_version=expected_version)
    if was_scheduled:  # a draft's panel was never invited
        cancel_panel(loop, now=now, why="The loop is cancelled.")
