"""Who may do what. Small predicates used by views (to refuse) and templates (to hide), so a hidden
button and a refused URL can never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import sqlalchemy as sa

from .auth.models import Role, User
from .calibration.models import ActionItem
from .candidates.models import Candidate
from .errors import Forbidden, NotFound
from .extensions import db
from .feedback.models import Feedback
from .loops.models import Interview, Loop
from .outbox.models import OutboxMessage
from .requisitions.models import Requisition


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.ADMIN)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_edit_principles(user: User) -> bool:
    return is_admin(user)


def can_view_principles(user: User) -> bool:
    return user.is_authenticated


def can_view_audit(user: User) -> bool:
    return is_admin(user)


def can_change_settings(user: User) -> bool:
    return is_admin(user)


def can_import_history(user: User) -> bool:
    """Admins load past loops from a file (our CSV, an ATS export); others may not know the
    page exists (404)."""
    return is_admin(user)


def can_manage_messages(user: User) -> bool:
    """Admins see the outbox (who was told what, when, whether it went out) and send stuck
    messages again. Others may not know the page exists (404)."""
    return is_admin(user)


def can_inspect(user: User) -> bool:
    """Inspectors (the hiring committee) and admins: the calibration report and its actions.
    The report holds aggregates only, never feedback text."""
    return (
        user.is_authenticated
        and user.active
        and (user.has_role(Role.INSPECTOR) or user.has_role(Role.ADMIN))
    )


def require(allowed: bool, *, hide: bool = False) -> None:
    """Refuse the request unless `allowed`: 404 when the user may not know the object exists
    (`hide=True`), 403 when they may see it but not do this."""
    if allowed:
        return
    if hide:
        raise NotFound("There is nothing here, or you may not see it.")
    raise Forbidden("Your roles do not allow this. Ask an admin if you need it.")


# --- loops -------------------------------------------------------------------------------------


def can_manage_loops(user: User) -> bool:
    """Recruiters (and admins) build requisitions, candidates and loops."""
    return user.is_authenticated and (user.has_role(Role.RECRUITER) or is_admin(user))


def is_on_panel(user: User, loop: Loop) -> bool:
    """Interviews on the loop, shadow included."""
    return any(interview.interviewer_id == user.id for interview in loop.interviews)


def is_involved(user: User, loop: Loop) -> bool:
    return user.id in (loop.hiring_manager_id, loop.bar_raiser_id) or is_on_panel(user, loop)


def can_view_loop(user: User, loop: Loop) -> bool:
    """Recruiters and admins see every loop; others only the loops they are part of (else 404)."""
    return can_manage_loops(user) or is_involved(user, loop)


def loops_visible_to(user: User) -> sa.ColumnElement[bool]:
    """can_view_loop as a SQL condition on Loop, so a list never shows a loop its page refuses."""
    if can_manage_loops(user):
        return sa.true()
    on_panel = (
        sa.select(Interview.id)
        .where(Interview.loop_id == Loop.id, Interview.interviewer_id == user.id)
        .exists()
    )
    return sa.or_(Loop.hiring_manager_id == user.id, Loop.bar_raiser_id == user.id, on_panel)


def loop_ids_visible_to(user: User) -> sa.CompoundSelect[tuple[int]]:
    """The ids of the loops a non-manager may see (loops_visible_to), as three index lookups
    (their interviews, the loops they manage, the loops they lead), so a list reads what is
    theirs instead of testing every loop of the history."""
    return sa.union(
        sa.select(Interview.loop_id).where(Interview.interviewer_id == user.id),
        sa.select(Loop.id).where(Loop.hiring_manager_id == user.id),
        sa.select(Loop.id).where(Loop.bar_raiser_id == user.id),
    )


def sealed_loop_clause(
    user: User | int | sa.ColumnElement[int] | sa.orm.InstrumentedAttribute[int],
) -> sa.ColumnElement[bool]:
    """loops_sealed_for as a SQL condition on Loop: `user` sits on the loop's panel without
    having submitted their feedback. `user` may be given by id: a number, a bound parameter (a
    statement built once for every reader) or a column (the loop's hiring manager).

    Their feedback is theirs (its author is the interviewer): naming the author lets the
    database read the user's feedback by index rather than every feedback of the history."""
    person = user.id if isinstance(user, User) else user
    submitted = (
        sa.select(Feedback.id)
        .where(
            Feedback.interview_id == Interview.id,
            Feedback.author_id == person,
            Feedback.submitted,
        )
        .exists()
    )
    return (
        sa.select(Interview.id)
        .where(Interview.loop_id == Loop.id, Interview.interviewer_id == person, ~submitted)
        .exists()
    )


def can_list_requisitions(user: User) -> bool:
    """Recruiters and admins see all requisitions; hiring managers see theirs."""
    return can_manage_loops(user) or (user.is_authenticated and user.has_role(Role.HIRING_MANAGER))


def can_view_requisition(user: User, requisition: Requisition) -> bool:
    return can_manage_loops(user) or user.id == requisition.hiring_manager_id


def can_edit_requisition_questions(user: User, requisition: Requisition) -> bool:
    """The role's own interview questions: recruiters and admins, and the role's hiring manager,
    who knows best what this role needs probed."""
    return can_manage_loops(user) or (
        user.is_authenticated
        and user.id == requisition.hiring_manager_id
        and user.has_role(Role.HIRING_MANAGER)
    )


def can_view_candidate(user: User, candidate: Candidate) -> bool:
    """Recruiters and admins; otherwise only someone involved in one of the candidate's loops."""
    if can_manage_loops(user):
        return True
    visible = sa.select(Loop.id).where(Loop.candidate_id == candidate.id, loops_visible_to(user))
    return db.session.scalar(visible.limit(1)) is not None


def can_manage_candidate_data(user: User) -> bool:
    """Export everything held on a candidate, or erase them: personal data, admins only."""
    return is_admin(user)


def can_export_candidate(user: User, candidate: Candidate) -> bool:
    """Admins, except one on the panel of a loop of the candidate who has not submitted their own
    feedback there: the export holds the whole panel's feedback, and independence holds there too
    (the same rule as can_view_panel_feedback)."""
    if not can_manage_candidate_data(user):
        return False
    submitted = sa.and_(Feedback.interview_id == Interview.id, Feedback.submitted)
    waiting = (
        sa.select(Interview.id)
        .join(Loop, Loop.id == Interview.loop_id)
        .outerjoin(Feedback, submitted)
        .where(
            Loop.candidate_id == candidate.id,
            Interview.interviewer_id == user.id,
            Feedback.id.is_(None),
        )
    )
    return db.session.scalar(waiting.limit(1)) is None


# --- feedback independence ---------------------------------------------------------------------


def own_feedback_submitted(user: User, loop: Loop) -> bool:
    """Has `user` submitted the feedback for their own interview on this loop?"""
    return (
        db.session.scalar(
            sa.select(Feedback.id)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(
                Interview.loop_id == loop.id,
                Interview.interviewer_id == user.id,
                Feedback.submitted,
            )
        )
        is not None
    )


def loops_sealed_for(user: User, loop_ids: Iterable[int]) -> set[int]:
    """Of `loop_ids`, the loops on whose panel `user` sits (shadow included) without having
    submitted their feedback: nothing said about them (an outcome, a vote) may reach `user` yet,
    whatever roles they hold. One query for a page of many."""
    wanted = {loop_id for loop_id in loop_ids if loop_id is not None}
    if not wanted:
        return set()
    submitted = (
        sa.select(Feedback.id)
        .where(
            Feedback.interview_id == Interview.id,
            Feedback.author_id == user.id,
            Feedback.submitted,
        )
        .exists()
    )
    return set(
        db.session.scalars(
            sa.select(Interview.loop_id)
            .where(
                Interview.loop_id.in_(wanted),
                Interview.interviewer_id == user.id,
                ~submitted,
            )
            .distinct()
        )
    )


def can_view_panel_feedback(user: User, loop: Loop, *, own_submitted: bool | None = None) -> bool:
    """The rule the mechanism stands on: nobody on the panel — hiring manager and Bar Raiser
    included — sees another panelist's feedback, ratings or vote before submitting their own.

    Recruiters and admins (not on the panel) see submitted feedback; a hiring manager who does not
    interview sees it once the debrief has opened; inspectors see only aggregates.
    `own_submitted`, when the caller has read it already (a page of many loops reads it for all
    of them in one query), is own_feedback_submitted(user, loop).
    """
    if is_on_panel(user, loop):
        if own_submitted is not None:
            return own_submitted
        return own_feedback_submitted(user, loop)
    if can_manage_loops(user):
        return True
    if user.id == loop.hiring_manager_id:
        return loop.debrief_opened_at is not None
    return False


SEALED_EVENT_ACTIONS = frozenset(
    {"debrief.final_vote_cast", "debrief.proposed", "debrief.concurred", "debrief.vetoed"}
)
"""Audit events about a loop whose details carry a vote, the proposal's decision or the verdict:
what the debrief page shows only to whom can_view_panel_feedback allows."""


def can_see_event_details(user: User, action: str, loop: Loop | None, **known: bool) -> bool:
    """Whether `user` may read the details of an audit event about `loop` (None: the event is
    not about a loop, or the loop is gone), wherever events are shown: the audit log and the
    loop page's history. Others see that the event happened (action, time, actor) and no more.

    The same rule as the debrief page: an event carrying a vote, a proposal or a verdict
    (SEALED_EVENT_ACTIONS) only to someone who may read the panel's feedback; `known` passes
    on what the caller has read already (own_submitted, see can_view_panel_feedback)."""
    if action not in SEALED_EVENT_ACTIONS:
        return True
    return loop is not None and can_view_panel_feedback(user, loop, **known)


# --- debrief -------------------------------------------------------------------------------------
# Who may act; when (which state) is the debrief services' business, so an act on a decided loop
# is a 409 that says so, not a 403.


def can_view_debrief(user: User, loop: Loop) -> bool:
    """The panel (shadows included), the hiring manager, the Bar Raiser, recruiters and admins.
    What a panelist reads there still waits on their own feedback (can_view_panel_feedback)."""
    return can_view_loop(user, loop)


def can_open_debrief(user: User, loop: Loop) -> bool:
    return user.is_authenticated and user.id == loop.bar_raiser_id


def can_cast_final_vote(user: User, loop: Loop) -> bool:
    """Panelists only: a shadow's feedback is shown but never counted."""
    return any(i.interviewer_id == user.id and not i.is_shadow for i in loop.interviews)


def can_propose(user: User, loop: Loop) -> bool:
    return user.is_authenticated and user.id == loop.hiring_manager_id


def can_rule(user: User, loop: Loop) -> bool:
    """Concur or veto: the loop's veto holder alone (its Bar Raiser, or the certified shadow of a
    trainee-led loop). No admin override exists, by design."""
    return user.is_authenticated and user.id == loop.veto_holder_id


def can_record_performance(user: User, loop: Loop) -> bool:
    return user.is_authenticated and user.id == loop.hiring_manager_id


class Interviewed(Protocol):
    """An interview as an entity or as a plain row: who interviews."""

    @property
    def interviewer_id(self) -> int: ...


def can_write_feedback(user: User, interview: Interviewed) -> bool:
    """Only the interviewer writes — and ever sees the draft of — their interview's feedback."""
    return user.is_authenticated and user.active and interview.interviewer_id == user.id


def can_read_feedback(user: User, feedback: Feedback) -> bool:
    """One piece of feedback: its author always; anyone else only once it is submitted and the
    panel's feedback is open to them (can_view_panel_feedback)."""
    if feedback.author_id == user.id:
        return True
    return feedback.submitted and can_view_panel_feedback(user, feedback.interview.loop)


# --- Bar Raiser training -------------------------------------------------------------------------


def _mentor(user: User) -> bool:
    """Certified Bar Raisers mentor the trainees; admins run the programme."""
    return is_admin(user) or (
        user.is_authenticated and user.active and user.is_certified_bar_raiser
    )


def can_view_training(user: User) -> bool:
    return _mentor(user)


def can_view_training_record(user: User, trainee: User) -> bool:
    """A trainee's record: the mentors, and the trainee themselves."""
    return _mentor(user) or (user.is_authenticated and user.active and user.id == trainee.id)


def can_write_mentor_note(user: User) -> bool:
    return _mentor(user)


def can_certify(user: User) -> bool:
    """Certifying a Bar Raiser is the programme's call: admins."""
    return is_admin(user)


# --- action items --------------------------------------------------------------------------------


def can_view_action(user: User, action: ActionItem) -> bool:
    """An action item: the hiring committee (inspectors, admins), and its owner — whatever
    roles they hold, an interviewer included."""
    return can_inspect(user) or can_progress_action(user, action)


def can_progress_action(user: User, action: ActionItem) -> bool:
    """Move an action item along (status, notes) and close it: its owner and inspectors."""
    if can_inspect(user):
        return True
    return user.is_authenticated and user.active and action.owner_id == user.id


def can_reassign_action(user: User) -> bool:
    """Change an action's owner or due date: the hiring committee only."""
    return can_inspect(user)


# --- notifications -------------------------------------------------------------------------------


def can_read_notification(user: User, message: OutboxMessage) -> bool:
    """A message is its recipient's alone; admins included, nobody else opens it (404)."""
    return user.is_authenticated and message.recipient_id == user.id
