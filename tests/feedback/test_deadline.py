"""The feedback deadline, with the clock injected: due FEEDBACK_DEADLINE_HOURS (a setting) after the
interview ends; late submissions are marked late; dashboards show what is due and overdue."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from feedback.writing import submit_for

from barraiser.extensions import db
from barraiser.feedback.dashboard import dashboard_for
from barraiser.feedback.deadline import deadline_hours, due_at
from barraiser.settings.services import change_settings, current_settings


def test_the_deadline_defaults_to_the_configured_hours_after_the_interview_ends(app, built):
    interview = built.panel[1]
    assert app.config["FEEDBACK_DEADLINE_HOURS"] is None
    assert deadline_hours() == 24
    assert due_at(interview.ends_at, hours=24) == interview.ends_at + timedelta(hours=24)


@pytest.mark.parametrize(
    ("after_end", "late"),
    [
        (timedelta(hours=1), False),
        (timedelta(hours=24), False),  # on the deadline is on time
        (timedelta(hours=24, seconds=1), True),
        (timedelta(days=3), True),
    ],
)
def test_a_submission_after_the_deadline_is_marked_late(built, clock, after_end, late):
    interview = built.panel[1]
    clock.set(interview.ends_at + after_end)
    feedback = submit_for(interview, clock())
    assert feedback.due_at == interview.ends_at + timedelta(hours=24)
    assert feedback.is_late is late


def test_the_deadline_is_fixed_when_the_interview_is_scheduled(
    built, make_loop, clock, user_in_role
):
    """A change of the setting applies to interviews scheduled after it; those already on a
    panel keep their deadline, whichever way the setting moves."""
    admin = user_in_role("admin")
    change_settings(
        current_settings().replace(feedback_deadline_hours=48), actor=admin, now=clock()
    )
    db.session.commit()
    later = make_loop(tag="later")
    first, second = built.panel[1], built.panel[2]
    assert first.feedback_due_at == first.ends_at + timedelta(hours=24)
    fresh = later.panel[1]
    assert fresh.feedback_due_at == fresh.ends_at + timedelta(hours=48)

    clock.set(fresh.ends_at + timedelta(hours=30))
    on_time = submit_for(fresh, clock())
    assert on_time.is_late is False
    assert on_time.due_at == fresh.ends_at + timedelta(hours=48)

    change_settings(current_settings().replace(feedback_deadline_hours=2), actor=admin, now=clock())
    db.session.commit()
    db.session.refresh(on_time)
    assert on_time.is_late is False and on_time.due_at == fresh.ends_at + timedelta(hours=48)
    clock.set(second.ends_at + timedelta(hours=20))
    assert submit_for(second, clock()).is_late is False  # its 24 hours, not the 2 now in force


def test_a_longer_deadline_set_later_leaves_overdue_feedback_overdue(
    built, clock, user_in_role, login_as
):
    interview = built.panel[1]
    clock.set(interview.ends_at + timedelta(hours=30))
    client = login_as(interview.interviewer)
    assert "1 overdue" in client.get("/").get_data(as_text=True)
    change_settings(
        current_settings().replace(feedback_deadline_hours=48),
        actor=user_in_role("admin"),
        now=clock(),
    )
    db.session.commit()
    assert "1 overdue" in client.get("/").get_data(as_text=True)
    page = login_as("recruiter").get(f"/loops/{built.loop.id}/feedback").get_data(as_text=True)
    assert "Overdue" in page
    assert submit_for(interview, clock()).is_late is True


def test_the_home_page_shows_feedback_due_then_overdue(built, clock, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    assert "Nothing to write" in client.get("/").get_data(as_text=True)  # interview tomorrow

    clock.set(interview.ends_at + timedelta(minutes=5))
    client = login_as(interview.interviewer)  # a day later: yesterday's session has ended
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "Feedback to write" in page
    assert "Casey Candidate" in page
    assert f"/interviews/{interview.id}/feedback" in page
    assert ">Due<" in page and "Overdue" not in page

    clock.advance(hours=25)
    client = login_as(interview.interviewer)
    page = client.get("/").get_data(as_text=True)
    assert "1 overdue" in page and ">Overdue<" in page

    submit_for(interview, clock())
    page = client.get("/").get_data(as_text=True)
    assert "Nothing to write" in page
    assert "read the panel&#39;s feedback" in page or "read the panel's feedback" in page


def test_the_dashboard_splits_due_and_overdue_by_the_clock(make_loop, clock):
    early = make_loop(tag="a")
    clock.set(early.panel[-1].ends_at + timedelta(hours=30))
    late_loop = make_loop(tag="b", starts_at=clock() - timedelta(hours=3))
    board = dashboard_for(early.bar_raiser, now=clock())
    # The Bar Raiser (tag a) holds the first interview of loop a; loop b has its own people.
    assert [item.loop_id for item in board.to_write] == [early.loop.id]
    assert board.overdue_count == 1
    other = dashboard_for(late_loop.interviewers[1], now=clock())
    assert [item.overdue for item in other.to_write] == [False]


def test_recruiters_see_overdue_feedback_and_loops_ready_for_debrief(make_loop, clock, login_as):
    behind = make_loop(tag="x")
    ready = make_loop(tag="y")
    clock.set(max(i.ends_at for i in ready.loop.interviews) + timedelta(hours=30))
    for interview in ready.panel:
        submit_for(interview, clock())
    page = html.unescape(login_as("recruiter").get("/").get_data(as_text=True))
    overdue = page[page.index("Overdue feedback") : page.index("Loops ready for debrief")]
    assert behind.interviewers[1].name in overdue
    assert ready.interviewers[1].name not in overdue
    ready_section = page[page.index("Loops ready for debrief") :]
    assert f"/loops/{ready.loop.id}/feedback" in ready_section
    assert f"/loops/{behind.loop.id}/feedback" not in ready_section


def test_the_loop_page_marks_late_and_overdue_feedback(over, clock, login_as):
    clock.set(over.panel[-1].ends_at + timedelta(hours=30))
    submit_for(over.panel[1], clock())
    page = login_as("recruiter").get(f"/loops/{over.loop.id}/feedback").get_data(as_text=True)
    assert "Late" in page
    assert "Overdue" in page
    assert "1 of 4 submitted" in page
