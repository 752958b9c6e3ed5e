"""An interview as an iCalendar event for its interviewer, with the principles to probe."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

from ..domain import LoopState
from .models import Interview

PRODUCT_ID = "-//Bar Raiser//Interview loops//EN"
# A draft loop is not confirmed to the candidate yet; a cancelled one frees the slot.
STATUS = {LoopState.DRAFT: "TENTATIVE", LoopState.CANCELLED: "CANCELLED"}


def interview_event(interview: Interview, *, now: datetime, loop_url: str, domain: str) -> bytes:
    """The .ics file for one interview. The UID is stable and SEQUENCE follows the loop's version,
    so a calendar that imported an earlier copy updates it instead of adding a second event."""
    loop = interview.loop
    principles = [principle.name for principle in interview.principles]
    role = "Sit in on the Bar Raiser's interview as shadow" if interview.is_shadow else "Interview"
    lines = [
        f"{role}: {loop.candidate.display_name} for {loop.requisition.title} "
        f"(level {loop.requisition.level}, {loop.requisition.department}).",
        "",
        "Principles to probe:",
        *(f"- {name}" for name in principles),
        "",
        f"Bar Raiser: {loop.bar_raiser.name}. Hiring manager: {loop.hiring_manager.name}.",
        f"The loop: {loop_url}",
    ]
    event = Event()
    event.add("uid", f"interview-{interview.id}@{domain}")
    event.add("dtstamp", now)
    event.add("dtstart", interview.starts_at)
    event.add("dtend", interview.ends_at)
    event.add("sequence", loop.version)
    event.add("summary", f"{role}: {loop.candidate.display_name} — {', '.join(principles)}")
    event.add("description", "\n".join(lines))
    event.add("url", loop_url)
    event.add("status", STATUS.get(loop.state, "CONFIRMED"))
    attendee = vCalAddress(f"mailto:{interview.interviewer.email}")
    attendee.params["cn"] = vText(interview.interviewer.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=False)

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
