"""Who may do what. Small predicates used by views (to refuse) and templates (to hide), so a hidden
button and a refused URL can never disagree."""

from __future__ import annotations

import sqlalchemy as sa

from .auth.models import Role, User
from .errors import Forbidden, NotFound
from .extensions import db
from .feedback.models import Feedback, FeedbackState
from .loops.models import Interview, Loop


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
                Feedback.state == FeedbackState.SUBMITTED,
            )
        )
        is not None
    )


def can_view_panel_feedback(user: User, loop: Loop) -> bool:
    """The rule the mechanism stands on: nobody on the panel — hiring manager and Bar Raiser
    included — sees another panelist's feedback, ratings or vote before submitting their own.

    Recruiters and admins (not on the panel) see submitted feedback; a hiring manager who does not
    interview sees it once the debrief has opened; inspectors see only aggregates.
    """
    if is_on_panel(user, loop):
        return own_feedback_submitted(user, loop)
    if can_manage_loops(user):
        return True
    if user.id == loop.hiring_manager_id:
        return loop.debrief_opened_at is not None
    return False
