"""Feedback reminders: an hour after an interview ends, then once a day while its feedback is
missing. Each step has its own outbox key, so a step is never sent twice, however often (or how
concurrently) cron runs `flask remind`."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..loops.models import Interview, Loop
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..settings.services import current_settings, zone_of
from ..zones import format_local
from .models import Feedback
from .queries import OPEN_LOOP_STATES

FIRST_REMINDER_AFTER = timedelta(hours=1)
REMINDER_EVERY = timedelta(days=1)
REMINDER_KIND = "feedback_reminder"


def reminder_step(ends_at: datetime, now: datetime) -> str | None:
    """The reminder step reached at `now`: None before the first, "first" an hour after the
    interview ends, then "day1", "day2", … a day apart. Only the latest step is ever sent, so a
    cron that was down for days does not send a backlog."""
    first = ends_at + FIRST_REMINDER_AFTER
    if now < first:
        return None
    days = (now - first) // REMINDER_EVERY
    return "first" if days == 0 else f"day{days}"


def reminder_key(interview_id: int, step: str) -> str:
    return f"feedback-reminder:{interview_id}:{step}"


def _subject(interview: Interview, *, due: datetime, now: datetime) -> str:
    loop = interview.loop
    candidate = loop.candidate.display_name
    if now > due:
        return f"Overdue: your feedback on {candidate} ({loop.requisition.title})"
    return f"Feedback due: {candidate} ({loop.requisition.title})"


def queue_due_reminders(*, now: datetime) -> int:
    """Queue the reminders due at `now`; returns how many were new. The caller commits."""
    # Interviews start at most 8 hours before they end, so SQL filters on starts_at and the exact
    # step is decided below.
    interviews = db.session.scalars(
        sa.select(Interview)
        .join(Loop, Loop.id == Interview.loop_id)
        .join(User, User.id == Interview.interviewer_id)
        .outerjoin(
            Feedback,
            sa.and_(
                Feedback.interview_id == Interview.id,
                Feedback.submitted,
            ),
        )
        .where(
            Loop.state.in_(OPEN_LOOP_STATES),
            Interview.starts_at <= now - FIRST_REMINDER_AFTER,
            Feedback.id.is_(None),
            User.active.is_(True),
        )
        .options(
            joinedload(Interview.interviewer),
            joinedload(Interview.loop).joinedload(Loop.candidate),
            joinedload(Interview.loop).joinedload(Loop.requisition),
        )
        .order_by(Interview.id)
    ).all()
    settings = current_settings()
    queued = 0
    for interview in interviews:
        step = reminder_step(interview.ends_at, now)
        if step is None:
            continue
        due = interview.feedback_due_at
        if queue_message(
            interview.interviewer,
            kind=REMINDER_KIND,
            dedupe_key=reminder_key(interview.id, step),
            subject=_subject(interview, due=due, now=now),
            template="feedback_reminder",
            context={
                "interview": interview,
                "candidate": interview.loop.candidate.display_name,
                "due": format_local(due, zone_of(interview.interviewer, settings)),
                "overdue": now > due,
            },
            now=now,
            link=app_path("feedback.write", interview_id=interview.id),
            loop_id=interview.loop_id,
            candidate_id=interview.loop.candidate_id,
        ):
            queued += 1
    return queued
