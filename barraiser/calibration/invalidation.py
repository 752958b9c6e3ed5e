"""What changes the calibration report's data: every write to the rows it reads bumps the
`changes.REPORT_DATA` counter in the same transaction, so a cached report (see `cache`) is
reused exactly while nothing it was built from has changed.

Watched at the session, so no service has to remember it: a transaction that inserts, changes
or deletes a loop, an interview or its principles, a final vote, a proposal or a verdict, a
performance rating, a principle, a requisition, a mechanism setting, a person's name, email or
Bar Raiser status, or feedback other than a draft being saved, counts one change when it
commits; so does an INSERT, UPDATE or DELETE statement run through the session on those tables
(the history import, erasure). What the report never reads leaves it alone: logins and
sessions, a draft's autosave (its text, ratings and notes are its author's alone until
submitted), a password or the roles of an account. A write on a bare connection, bypassing the
session, must call `changes.bump` itself.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from ..auth.models import User
from ..changes import REPORT_DATA, bump
from ..debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from ..domain import FeedbackState
from ..feedback.models import Feedback, PrincipleRating
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition
from ..settings.models import MechanismSetting
from ..surveys.models import CandidateSurvey

ALWAYS = (
    Loop,
    Interview,
    InterviewPrinciple,
    FinalVote,
    Proposal,
    Verdict,
    HirePerformance,
    Principle,
    Requisition,
    MechanismSetting,
    CandidateSurvey,
)
"""Any change to these rows changes the report (or may: proposals and settings are rare)."""

USER_COLUMNS = ("name", "email", "department", "bar_raiser_status", "certified_at", "active")
"""What the report shows of a person; a login or a new password changes none of it."""

WATCHED_TABLES = frozenset(
    str(model.__tablename__) for model in (*ALWAYS, Feedback, PrincipleRating, User)
)
FLAG = "barraiser.report_data_changed"


def _a_draft(session: Session, feedback: Feedback | None) -> bool:
    """Feedback that is a draft and stays one (a new one included): its author's alone, not
    the report's."""
    if feedback is None or feedback.state is not FeedbackState.DRAFT:
        return False
    return feedback in session.new or not sa.inspect(feedback).attrs.state.history.has_changes()


def changes_the_report(session: Session, instance: Any, *, deleted: bool = False) -> bool:
    if isinstance(instance, ALWAYS):
        return True
    if isinstance(instance, Feedback):
        return deleted or not _a_draft(session, instance)
    if isinstance(instance, PrincipleRating):
        feedback = instance.feedback if "feedback" not in sa.inspect(instance).unloaded else None
        if feedback is None and instance.feedback_id is not None:
            feedback = session.get(Feedback, instance.feedback_id)
        return not _a_draft(session, feedback)
    if isinstance(instance, User):
        if deleted or instance in session.new:
            return True
        attrs = sa.inspect(instance).attrs
        return any(attrs[column].history.has_changes() for column in USER_COLUMNS)
    return False


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(FLAG):
        return
    if (
        any(changes_the_report(session, obj) for obj in session.new)
        or any(
            changes_the_report(session, obj) for obj in session.dirty if session.is_modified(obj)
        )
        or any(changes_the_report(session, obj, deleted=True) for obj in session.deleted)
    ):
        session.info[FLAG] = True


def _orm_execute(state: ORMExecuteState) -> None:
    """An INSERT, UPDATE or DELETE statement run through the session on a watched table (of a
    model or a plain table): bulk writes such as the history import's and erasure's."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[FLAG] = True


def _before_commit(session: Session) -> None:
    """The count moves last, just before the commit: the counter's row is locked (PostgreSQL)
    for an instant, by a transaction that waits for nothing else, so writers never deadlock
    over it whatever else they lock."""
    session.flush()
    if session.info.pop(FLAG, False):
        bump(REPORT_DATA, session)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(FLAG, None)


def watch() -> None:
    """Listen to every session of the app (idempotent)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("do_orm_execute", _orm_execute),
        ("before_commit", _before_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)
