"""An interview as an iCalendar event for its interviewer, with the principles to probe: the one
place that builds it, for the download on the loop page and for the invitations, their updates
and their cancellations sent by email (loops/notices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app

from ..auth.models import User
from ..domain import LoopState
from ..extensions import db
from ..lazy import lazy_module
from ..outbox.emails import external_url
from ..zones import local
from .models import Interview

if TYPE_CHECKING:
    import icalendar
else:  # imported when an invitation is first built, not at start-up (see barraiser.lazy)
    icalendar = lazy_module("icalendar")

PRODUCT_ID = "-//Bar Raiser//Interview loops//EN"
# A draft loop is not confirmed to the candidate yet; a cancelled one frees the slot.
STATUS = {LoopState.DRAFT: "TENTATIVE", LoopState.CANCELLED: "CANCELLED"}
# PUBLISH: a file to import; REQUEST: an invitation (or its update, same UID, higher SEQUENCE);
# CANCEL: the event is off.
METHODS = frozenset({"PUBLISH", "REQUEST", "CANCEL"})


@dataclass(frozen=True)
class Slot:
    """What the event says of one interview, read while the interview still exists: a removal
    deletes the row before its cancellation is written."""

    interview_id: int
    loop_id: int
    interviewer_id: int
    interviewer_name: str
    interviewer_email: str
    starts_at: datetime
    ends_at: datetime
    is_shadow: bool
    principles: tuple[str, ...]
    candidate: str
    title: str
    level: int
    department: str
    bar_raiser: str
    hiring_manager: str
    loop_state: LoopState


def slot_of(interview: Interview) -> Slot:
    loop = interview.loop
    return Slot(
        interview_id=interview.id,
        loop_id=loop.id,
        interviewer_id=interview.interviewer_id,
        interviewer_name=interview.interviewer.name,
        interviewer_email=interview.interviewer.email,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        is_shadow=interview.is_shadow,
        principles=tuple(principle.name for principle in interview.principles),
        candidate=loop.candidate.display_name,
        title=loop.requisition.title,
        level=loop.requisition.level,
        department=loop.requisition.department,
        bar_raiser=loop.bar_raiser.name,
        hiring_manager=loop.hiring_manager.name,
        loop_state=loop.state,
    )


def event_uid(interview_id: int) -> str:
    """Stable for the interview's life, whichever host served the request: the domain is
    BASE_URL's."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "barraiser"
    return f"interview-{interview_id}@{domain}"


def _organizer(created_by_id: int | None) -> icalendar.vCalAddress:
    """The recruiter who built the loop (replies go to them), else the app's own address."""
    recruiter = db.session.get(User, created_by_id) if created_by_id else None
    if recruiter is not None:
        organizer = icalendar.vCalAddress(f"mailto:{recruiter.email}")
        organizer.params["cn"] = icalendar.vText(recruiter.name)
    else:
        organizer = icalendar.vCalAddress(f"mailto:{current_app.config['MAIL_FROM']}")
        organizer.params["cn"] = icalendar.vText("Bar Raiser")
    return organizer


def slot_event(
    slot: Slot,
    *,
    now: datetime,
    sequence: int,
    method: str = "PUBLISH",
    organizer_id: int | None = None,
    zone: str | None = None,
) -> bytes:
    """The .ics for one interview. The UID is stable and SEQUENCE follows the loop's version
    (which every change of the loop moves on), so a calendar that holds an earlier copy updates
    it, or with METHOD:CANCEL removes it, instead of adding a second event."""
    if method not in METHODS:
        raise ValueError(f"unknown calendar method {method}")
    loop_url = external_url("loops.detail", loop_id=slot.loop_id)
    feedback_url = external_url("feedback.write", interview_id=slot.interview_id)
    role = "Sit in on the Bar Raiser's interview as shadow" if slot.is_shadow else "Interview"
    lines = [
        f"{role}: {slot.candidate} for {slot.title} (level {slot.level}, {slot.department}).",
        "",
        "Principles to probe:",
        *(f"- {name}" for name in slot.principles),
        "",
        f"Bar Raiser: {slot.bar_raiser}. Hiring manager: {slot.hiring_manager}.",
        f"Write your feedback: {feedback_url}",
        f"The loop: {loop_url}",
    ]
    event = icalendar.Event()
    event.add("uid", event_uid(slot.interview_id))
    event.add("dtstamp", now)
    # In the recipient's zone, with its TZID and VTIMEZONE, so every calendar shows the time the
    # email names (UTC when no zone is given).
    event.add("dtstart", local(slot.starts_at, zone))
    event.add("dtend", local(slot.ends_at, zone))
    event.add("sequence", sequence)
    event.add("summary", f"{role}: {slot.candidate} — {', '.join(slot.principles)}")
    event.add("description", "\n".join(lines))
    event.add("url", loop_url)
    status = "CANCELLED" if method == "CANCEL" else STATUS.get(slot.loop_state, "CONFIRMED")
    event.add("status", status)
    event.add("organizer", _organizer(organizer_id), encode=False)
    attendee = icalendar.vCalAddress(f"mailto:{slot.interviewer_email}")
    attendee.params["cn"] = icalendar.vText(slot.interviewer_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    if method == "REQUEST":
        attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        attendee.params["rsvp"] = icalendar.vText("TRUE")
    event.add("attendee", attendee, encode=False)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def interview_event(interview: Interview, *, now: datetime, zone: str | None = None) -> bytes:
    """The interview's event as a file to import (METHOD:PUBLISH), as the loop page offers it,
    in `zone` (the reader's)."""
    return slot_event(
        slot_of(interview),
        now=now,
        sequence=interview.loop.version,
        organizer_id=interview.loop.created_by_id,
        zone=zone,
    )
