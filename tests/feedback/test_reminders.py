"""Reminders: an hour after the interview ends, then daily while feedback is missing; never before
the interview, never twice for a step (even from overlapping cron runs); and the Bar Raiser's
message when the last panel feedback lands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from concurrency import race
from feedback.writing import submit_for

from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.feedback.reminders import queue_due_reminders, reminder_key, reminder_step
from barraiser.outbox.models import OutboxMessage

END = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after_end", "step"),
    [
        (timedelta(hours=-2), None),  # during or before the interview
        (timedelta(0), None),
        (timedelta(minutes=59), None),
        (timedelta(hours=1), "first"),
        (timedelta(hours=24, minutes=59), "first"),
        (timedelta(hours=25), "day1"),
        (timedelta(hours=48), "day1"),
        (timedelta(hours=49), "day2"),
        (timedelta(days=10, hours=1), "day10"),
    ],
)
def test_reminder_steps_are_an_hour_after_the_end_then_daily(after_end, step):
    assert reminder_step(END, END + after_end) == step


def _reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "feedback_reminder")
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def _run(now) -> int:
    queued = queue_due_reminders(now=now)
    db.session.commit()
    return queued


def test_nothing_is_sent_before_or_during_the_interview_nor_in_its_first_hour(built, clock):
    first = built.panel[0]
    for moment in (clock(), first.starts_at, first.ends_at, first.ends_at + timedelta(minutes=59)):
        assert _run(moment) == 0
    assert _reminders() == []


def test_the_first_reminder_goes_an_hour_after_the_interview_ends_to_its_interviewer(built):
    first = built.panel[0]
    assert _run(first.ends_at + timedelta(hours=1)) == 1
    [message] = _reminders()
    assert message.recipient_id == first.interviewer_id
    assert message.dedupe_key == reminder_key(first.id, "first")
    assert "Casey Candidate" in message.subject
    assert f"/interviews/{first.id}/feedback" in message.body


def test_each_step_is_sent_once_however_often_cron_runs(built):
    first = built.panel[0]
    start = first.ends_at + timedelta(hours=1)
    for minutes in range(0, 60 * 30, 5):  # every five minutes for thirty hours
        _run(start + timedelta(minutes=minutes))
    keys = [m.dedupe_key for m in _reminders() if m.recipient_id == first.interviewer_id]
    assert keys == [reminder_key(first.id, "first"), reminder_key(first.id, "day1")]


def test_daily_reminders_continue_while_feedback_is_missing_and_stop_once_submitted(built, clock):
    first = built.panel[0]
    start = first.ends_at + timedelta(hours=1)
    for day in range(3):
        _run(start + timedelta(days=day))
    mine = [m.dedupe_key for m in _reminders() if m.recipient_id == first.interviewer_id]
    assert mine == [reminder_key(first.id, step) for step in ("first", "day1", "day2")]
    assert "Overdue" in _reminders()[-1].subject

    clock.set(start + timedelta(days=2, hours=1))
    submit_for(first, clock())
    _run(start + timedelta(days=3))
    assert reminder_key(first.id, "day3") not in {m.dedupe_key for m in _reminders()}


@pytest.mark.parametrize("state", [LoopState.DRAFT, LoopState.CANCELLED])
def test_loops_not_under_way_send_no_reminders(built, state):
    built.loop.state = state
    built.loop.cancel_reason = "Withdrew." if state is LoopState.CANCELLED else None
    db.session.commit()
    assert _run(built.panel[-1].ends_at + timedelta(days=2)) == 0


def test_a_shadow_is_reminded_too(make_loop):
    built = make_loop(with_shadow=True)
    shadow = next(i for i in built.loop.interviews if i.is_shadow)
    _run(shadow.ends_at + timedelta(hours=1))
    assert shadow.interviewer_id in {m.recipient_id for m in _reminders()}


def test_two_overlapping_runs_queue_each_reminder_once(app, built):
    """Two cron runs at the same moment, each in its own app context and session."""
    moment = built.panel[-1].ends_at + timedelta(hours=1)
    panel_size = len(built.panel)
    counts = race(app, *[lambda: queue_due_reminders(now=moment)] * 2)
    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == panel_size
    assert len(_reminders()) == panel_size


def test_the_remind_command_queues_and_delivers_to_the_log(app, built, clock, caplog):
    clock.set(built.panel[-1].ends_at + timedelta(hours=1))
    db.session.commit()
    runner = app.test_cli_runner()
    with caplog.at_level("INFO"):
        result = runner.invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert f"{len(built.panel)} reminder(s) queued" in result.output
    assert built.interviewers[1].email in caplog.text
    assert all(message.sent_at == clock() for message in _reminders())
    again = runner.invoke(args=["remind"])
    assert "0 reminder(s) queued; 0 message(s) delivered" in again.output


# --- the Bar Raiser hears when the last panel feedback lands ----------------------------------


def _ready_messages() -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "loop_ready"))
    )


def test_the_bar_raiser_is_told_once_when_the_last_panel_feedback_arrives(make_loop, clock):
    built = make_loop(with_shadow=True)
    clock.set(max(i.ends_at for i in built.loop.interviews))
    for interview in built.panel[:-1]:
        submit_for(interview, clock())
    assert _ready_messages() == []
    submit_for(built.panel[-1], clock())
    [message] = _ready_messages()
    assert message.recipient_id == built.bar_raiser.id
    assert message.dedupe_key == f"loop-ready:{built.loop.id}"
    assert "ready for its debrief" in message.body
    # The shadow's feedback comes later and changes nothing.
    submit_for(next(i for i in built.loop.interviews if i.is_shadow), clock())
    assert len(_ready_messages()) == 1
    assert built.loop.state is LoopState.SCHEDULED  # opening the debrief is the Bar Raiser's act
