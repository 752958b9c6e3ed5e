"""The recruiter's helpers (principle split, Bar Raisers by load) and each person's home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from feedback.writing import submit_for

from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.loops.models import Interview
from barraiser.loops.services import (
    InterviewPlan,
    PanelPlan,
    cancel_loop,
    create_loop,
    schedule_loop,
)
from barraiser.loops.suggest import eligible_bar_raisers, split_principles


@pytest.mark.parametrize(
    ("required", "interviewers", "expected", "uncovered"),
    [
        ([1, 2, 3, 4], 4, [[1], [2], [3], [4]], []),
        ([1, 2, 3, 4, 5, 6, 7], 3, [[1, 4, 7], [2, 5], [3, 6]], []),
        ([1, 2], 4, [[1], [2], [90], [91]], []),  # spares keep everyone on one to three
        ([1, 2, 3, 4, 5, 6, 7], 2, [[1, 3, 5], [2, 4, 6]], [7]),  # three each at most
        ([1, 2, 2, 3], 2, [[1, 3], [2]], []),
        ([1], 0, [], [1]),
    ],
)
def test_split_covers_everything_once_and_stays_balanced(
    required, interviewers, expected, uncovered
):
    split = split_principles(required, interviewers, spare_ids=[1, 90, 91, 92])
    assert split.assignments == expected
    assert split.uncovered == uncovered


def _plan_for(org, bar_raiser, hour):
    """A one-interview loop led by `bar_raiser` (the requisition requires one principle here)."""
    interview = InterviewPlan(bar_raiser.id, org.slot(hour), 60, (org.required[0].id,))
    return PanelPlan(bar_raiser_id=bar_raiser.id, interviews=(interview,))


def test_eligible_bar_raisers_are_ordered_by_their_load_in_the_next_fourteen_days(org, clock):
    org.requisition.required_principles = org.required[:1]
    for day in (1, 2):  # Bea leads two loops within 14 days …
        create_loop(
            candidate_id=org.candidate.id,
            requisition_id=org.requisition.id,
            panel=_plan_for(org, org.bar_raiser, 24 * day),
            actor=None,
            now=clock(),
        )
    # … and Omar one in three weeks, and one cancelled: neither counts.
    create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=_plan_for(org, org.other_bar_raiser, 24 * 21),
        actor=None,
        now=clock(),
    )
    cancelled = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=_plan_for(org, org.other_bar_raiser, 24 * 3),
        actor=None,
        now=clock(),
    )
    cancel_loop(cancelled, "Withdrew.", actor=None, now=clock())
    db.session.commit()
    ranked = eligible_bar_raisers(org.requisition, hiring_manager_id=None, now=clock())
    assert [(r.user.name, r.loops) for r in ranked] == [("Omar Other", 0), ("Bea Raiser", 2)]


def test_a_bar_raiser_who_manages_the_role_is_not_eligible(org, clock):
    ranked = eligible_bar_raisers(
        org.requisition, hiring_manager_id=org.other_bar_raiser.id, now=clock()
    )
    assert [r.user.name for r in ranked] == ["Bea Raiser"]


# --- home page ---------------------------------------------------------------------------------


@pytest.fixture
def scheduled(org, clock):
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(shadow_id=org.trainee.id),
        actor=org.recruiter,
        now=clock(),
    )
    schedule_loop(loop, actor=org.recruiter, now=clock())
    db.session.commit()
    return loop


def test_an_interviewer_sees_their_upcoming_interview_with_principles_and_calendar(
    org, scheduled, login_as
):
    page = login_as(org.interviewers[1]).get("/").get_data(as_text=True)
    interview = next(i for i in scheduled.interviews if i.interviewer_id == org.interviewers[1].id)
    assert "My upcoming interviews" in page
    assert "Casey Candidate" in page
    assert org.required[2].name in page
    assert f"/loops/interviews/{interview.id}.ics" in page


def test_the_shadow_sees_the_interview_they_sit_in_on(org, scheduled, login_as):
    page = login_as(org.trainee).get("/").get_data(as_text=True)
    assert "shadow" in page and org.required[0].name in page


def test_past_and_draft_interviews_are_not_upcoming(org, scheduled, login_as, clock):
    clock.advance(days=2)
    page = login_as(org.interviewers[1]).get("/").get_data(as_text=True)
    assert "No interviews coming up." in page


def test_a_recruiter_sees_loops_by_state_and_drafts_to_schedule(org, login_as, clock, scheduled):
    draft = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(
            interviews=tuple(
                type(i)(i.interviewer_id, i.starts_at + timedelta(days=3), 60, i.principle_ids)
                for i in org.plan().interviews
            )
        ),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    page = login_as(org.recruiter).get("/").get_data(as_text=True)
    assert "Draft: 1" in page and "Scheduled: 1" in page
    assert f'href="/loops/{draft.id}">Casey Candidate' in page
    assert "schedule it" in page


def test_a_bar_raiser_sees_their_loops_load_and_the_debrief_to_open(
    org, scheduled, login_as, clock
):
    page = login_as(org.bar_raiser).get("/").get_data(as_text=True)
    assert "Loops I lead as Bar Raiser" in page
    assert "Load: 1 loop in the next 14 days." in page
    clock.advance(days=2)
    page = login_as(org.bar_raiser).get("/").get_data(as_text=True)
    assert f'href="/loops/{scheduled.id}/debrief"' in page
    assert "Waiting for" in page and "panel feedback" in page


def _loop_row(page: str, loop_id: int) -> str:
    """The row of a loop table (loops/macros.html) that links to the loop."""
    link = page.index(f'<td><a href="/loops/{loop_id}">')
    return page[page.rindex("<tr>", 0, link) : page.index("</tr>", link)]


def test_a_bar_raiser_sees_the_loops_they_lead_as_the_loop_list_shows_them(
    org, scheduled, login_as, clock
):
    def rows() -> tuple[str, str]:
        client = login_as(org.bar_raiser)  # each time: a day later, the last session has ended
        home = client.get("/").get_data(as_text=True)
        led = home[home.index('id="bar-raiser-heading"') :]
        listing = client.get("/loops/").get_data(as_text=True)
        return _loop_row(led, scheduled.id), _loop_row(listing, scheduled.id)

    home_row, list_row = rows()
    assert home_row == list_row
    assert "4 interviews + shadow" in home_row and "Bea Raiser" in home_row
    # On the panel, the Bar Raiser has not submitted yet: the outcome is sealed from them.
    assert 'data-outcome="sealed"' in home_row

    clock.advance(days=1)
    own = next(i for i in scheduled.interviews if i.interviewer_id == org.bar_raiser.id)
    submit_for(own, clock())
    home_row, list_row = rows()
    assert home_row == list_row
    assert 'data-outcome="pending"' in home_row


def test_a_hiring_manager_is_asked_for_a_decision_in_debrief(org, scheduled, login_as):
    scheduled.state = LoopState.DEBRIEF
    db.session.commit()
    page = login_as(org.hiring_manager).get("/").get_data(as_text=True)
    assert "Propose hire or no hire" in page


def test_an_unrelated_user_sees_no_loop(org, scheduled, login_as):
    page = login_as("inspector").get("/").get_data(as_text=True)
    assert "Casey Candidate" not in page
    assert db.session.get(Interview, scheduled.interviews[0].id)
