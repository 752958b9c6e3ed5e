"""The feedback deadline: due a configurable number of hours after the interview ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..loops.models import Interview
from ..settings.services import current_settings


def deadline_hours() -> int:
    """The deadline now in force (an admin setting, defaulting to FEEDBACK_DEADLINE_HOURS)."""
    return current_settings().feedback_deadline_hours


def due_at(interview: Interview, *, hours: int) -> datetime:
    """When the interview's feedback is due: `hours` after the interview ends."""
    return interview.ends_at + timedelta(hours=hours)
