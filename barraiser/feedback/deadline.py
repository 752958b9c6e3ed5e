"""The feedback deadline: due a configurable number of hours after the interview ends. One rule
for the feedback form and the history importer alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..settings.services import current_settings


def deadline_hours() -> int:
    """The deadline now in force (an admin setting; see settings.mechanism for its default)."""
    return current_settings().feedback_deadline_hours


def due_at(interview_ends_at: datetime, *, hours: int) -> datetime:
    """When an interview's feedback is due: `hours` after the interview ends."""
    return interview_ends_at + timedelta(hours=hours)


def submitted_late(submitted_at: datetime, due: datetime) -> bool:
    """Feedback is late when it is submitted after its due time; at the due time it is on time."""
    return submitted_at > due
