"""Feedback reminders: an hour after an interview ends, then once a day while its feedback is
missing. Each step has its own outbox key, so a step is never sent twice, however often (or how
concurrently) cron runs `flask remind`."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..loops.models import Interview, Loop
from ..outbox.services import queue_message
from .deadline import deadline_hours, due_at
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


def _message(interview: Interview, *, due: datetime, now: datetime) -> tuple[str, str]:
    loop = interview.loop
    candidate = loop.candidate.display_name
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/interviews/{interview.id}/feedback"
    when = f"{due:%Y-%m-%d %H:%M} UTC"
    if now > due:
        subject = f"Overdue: your feedback on {candidate} ({loop.requisition.title})"
        status = f"It was due at {when} and the panel is waiting for it."
    else:
        subject = f"Feedback due: {candidate} ({loop.requisition.title})"
        status = f"It is due at {when}."
    body = (
        f"Please write and submit your feedback on your interview with {candidate} for "
        f"{loop.requisition.title}. {status}\n\n"
        "Until you submit, you cannot read the rest of the panel's feedback.\n\n"
        f"{link}\n"
    )
    return subject, body


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
    hours = deadline_hours()
    queued = 0
    for interview in interviews:
        step = reminder_step(interview.ends_at, now)
        if step is None:
            continue
        subject, body = _message(interview, due=due_at(interview, hours=hours), now=now)
        if queue_message(
            interview.interviewer,
            kind=REMINDER_KIND,
            dedupe_key=reminder_key(interview.id, step),
            subject=subject,
            body=body,
            now=now,
        ):
            queued += 1
    return queued
