"""An interviewer's calendar follows their interview: the invitation (METHOD:REQUEST), an update
for each move (same UID, SEQUENCE up), a cancellation when they leave the panel (METHOD:CANCEL).
Each .ics is read back by two parsers — icalendar, which wrote it, and vobject, strict, which
did not — and the email carries it as a text/calendar part a mail client offers to accept."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket

import pytest
import sqlalchemy as sa
import vobject
from aiosmtpd.controller import Controller
from icalendar import Calendar

from barraiser.extensions import db
from barraiser.loops.services import cancel_loop, create_loop, schedule_loop, update_panel
from barraiser.outbox.emails import Envelope, build_email
from barraiser.outbox.models import OutboxMessage

BASE_URL = "https://hiring.example.com/bar-raiser"


@pytest.fixture
def sequence(app, org, clock, monkeypatch) -> list[OutboxMessage]:
    """The messages one interviewer (the second panelist) gets as their loop is scheduled, their
    interview moved twice, then they are taken off the panel."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    plan = org.plan()
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=plan,
        actor=org.recruiter,
        now=clock(),
    )
    schedule_loop(loop, actor=org.recruiter, now=clock())
    for hour in (5, 6):
        clock.advance(minutes=10)
        plan = org.with_interview(plan, 1, starts_at=org.slot(hour))
        update_panel(loop, plan, expected_version=None, actor=org.recruiter, now=clock())
    clock.advance(minutes=10)
    plan = org.with_interview(plan, 1, interviewer_id=org.interviewers[3].id)
    update_panel(loop, plan, expected_version=None, actor=org.recruiter, now=clock())
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient_id == org.interviewers[0].id)
            .order_by(OutboxMessage.id)
        )
    )


def _both(text: str):
    """The calendar's one event, as each parser reads it."""
    ours = Calendar.from_ical(text)
    (event,) = ours.walk("VEVENT")
    strict = vobject.readOne(text, validate=True)
    return ours, event, strict


def test_request_update_update_cancel_keep_the_uid_and_raise_the_sequence(sequence, org):
    assert [m.kind for m in sequence] == [
        "interview_invitation",
        "interview_moved",
        "interview_moved",
        "interview_cancelled",
    ]
    methods, uids, sequences, starts = [], [], [], []
    for message in sequence:
        assert message.calendar
        ours, event, strict = _both(message.calendar)
        methods.append((str(ours["method"]), strict.method.value))
        uids.append((str(event["uid"]), strict.vevent.uid.value))
        sequences.append((int(event["sequence"]), int(strict.vevent.sequence.value)))
        starts.append(strict.vevent.dtstart.value)
        assert str(event["organizer"]) == f"mailto:{org.recruiter.email}"
        assert strict.vevent.organizer.value == f"mailto:{org.recruiter.email}"
        assert strict.vevent.attendee.value == f"mailto:{org.interviewers[0].email}"
        assert strict.vevent.dtstamp.value is not None
        description = strict.vevent.description.value
        assert org.required[1].name in description  # the principle to probe
        assert f"{BASE_URL}/interviews/" in description and "/feedback" in description
    assert methods == [("REQUEST", "REQUEST")] * 3 + [("CANCEL", "CANCEL")]
    assert len({uid for pair in uids for uid in pair}) == 1
    assert all(a == b for a, b in sequences)
    numbers = [a for a, _ in sequences]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4  # strictly increasing
    assert [s.hour for s in starts] == [10, 14, 15, 15]
    assert _both(sequence[-1].calendar)[2].vevent.status.value == "CANCELLED"


def test_the_email_carries_the_calendar_as_text_calendar_with_its_method(app, sequence):
    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for message in (sequence[0], sequence[-1]):
            with smtplib.SMTP(controller.hostname, port) as smtp:
                smtp.send_message(build_email(Envelope.of(message), app.config))
    finally:
        controller.stop()
    methods = []
    for raw in received:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
        methods.append(part.get_param("method"))
        text = part.get_content()
        text = text.decode() if isinstance(text, bytes) else text
        assert vobject.readOne(text, validate=True).vevent.uid.value.startswith("interview-")
        assert (
            parsed.get_body(("plain",)).get_content().startswith("You are on")
            or methods[-1] == "CANCEL"
        )
    assert methods == ["REQUEST", "CANCEL"]


def test_a_draft_panel_is_told_nothing_until_the_loop_is_scheduled(app, org, clock):
    plan = org.plan()
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=plan,
        actor=org.recruiter,
        now=clock(),
    )
    plan = org.with_interview(plan, 1, starts_at=org.slot(5))
    update_panel(loop, plan, expected_version=None, actor=org.recruiter, now=clock())
    plan = org.with_interview(plan, 2, interviewer_id=org.interviewers[3].id)
    update_panel(loop, plan, expected_version=None, actor=org.recruiter, now=clock())
    cancel_loop(loop, "Not needed after all.", actor=org.recruiter, now=clock())
    db.session.commit()
    kinds = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.loop_id == loop.id)
    ).all()
    assert kinds == []
