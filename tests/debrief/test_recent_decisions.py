"""After a decision or a veto, the hiring manager's and the recruiter's home pages name the
candidate and the outcome; someone with no part in hiring decisions has no such section."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from query_plans import sent_with

from barraiser.auth.models import Role
from barraiser.domain import Outcome


def _decisions(page: str) -> str | None:
    match = re.search(r'data-testid="recent-decisions".*?</section>', page, re.S)
    return match.group(0) if match else None


@pytest.mark.parametrize(
    ("proposal", "verdict", "words"),
    [
        (Outcome.HIRE, "veto", "vetoed (no hire)"),
        (Outcome.HIRE, "concur", "hire"),
        (Outcome.NO_HIRE, "concur", "no hire"),
    ],
)
@pytest.mark.parametrize("who", ["hiring_manager", "recruiter", "admin"])
def test_the_hiring_manager_and_the_recruiter_see_the_decision_at_home(
    debrief_loop, decide, login_as, who, proposal, verdict, words
):
    decide(debrief_loop, proposal, verdict)
    client = login_as(debrief_loop.hiring_manager if who == "hiring_manager" else who)
    section = _decisions(client.get("/").get_data(as_text=True))
    assert section is not None
    assert debrief_loop.loop.candidate.display_name in section
    assert f"<strong>{words}</strong>" in section
    assert f"/loops/{debrief_loop.loop.id}/debrief" in section


@pytest.mark.parametrize("who", ["interviewer", "inspector", "other_hiring_manager"])
def test_others_have_no_recent_decisions(debrief_loop, decide, login_as, make_user, who):
    decide(debrief_loop, Outcome.HIRE, "veto")
    if who == "other_hiring_manager":
        person = make_user("otto@example.com", roles=(Role.HIRING_MANAGER,))
        client = login_as(person)
    else:
        client = login_as(who)
    assert _decisions(client.get("/").get_data(as_text=True)) is None


def test_a_decision_older_than_a_month_leaves_the_home_page(debrief_loop, decide, login_as, clock):
    decide(debrief_loop, Outcome.HIRE, "veto")
    clock.advance(days=31)
    response = login_as(debrief_loop.hiring_manager).get("/")
    assert response.status_code == 200
    assert _decisions(response.get_data(as_text=True)) is None


@pytest.mark.parametrize(
    ("later", "shown"),
    [
        (timedelta(days=30) - timedelta(minutes=1), True),
        (timedelta(days=30) + timedelta(minutes=1), False),
        (timedelta(days=30, hours=23), False),
    ],
    ids=["a minute inside the month", "a minute past it", "a day past it, the same day"],
)
@pytest.mark.parametrize("hour", [0, 11, 23])
def test_the_month_of_recent_decisions_ends_to_the_minute_at_any_time_of_day(
    debrief_loop, decide, login_as, clock, hour, later, shown
):
    """The statement reads from the start of the day the month began on; the page shows to the
    minute what the month holds, whatever the hour of the decision."""
    start = clock().astimezone(UTC)
    to_the_hour = ((hour - start.hour) % 24) * 3600 - start.minute * 60 - start.second
    clock.advance(seconds=to_the_hour if to_the_hour > 0 else to_the_hour + 24 * 3600)
    decide(debrief_loop, Outcome.HIRE, "concur")
    clock.set(debrief_loop.loop.decided_at + later)
    response = login_as(debrief_loop.hiring_manager).get("/")
    assert response.status_code == 200
    section = _decisions(response.get_data(as_text=True))
    assert (section is not None and debrief_loop.loop.candidate.display_name in section) is shown


def test_the_recent_decisions_read_names_the_day_the_month_began(
    debrief_loop, decide, login_as, clock
):
    """Written into the statement's text, one text a day, so that PostgreSQL plans it once for
    every load of that day rather than for each moment bound (and its plan knows how few loops
    the month holds); no moment is bound."""
    decide(debrief_loop, Outcome.HIRE, "concur")
    client = login_as(debrief_loop.hiring_manager)
    day = (clock() - timedelta(days=30)).astimezone(UTC).date().isoformat()
    with sent_with("loop.decided_at >=") as sent:
        assert _decisions(client.get("/").get_data(as_text=True)) is not None
    assert len(sent) == 1
    statement, moments = sent[0]
    assert f"loop.decided_at >= '{day} 00:00:00" in statement
    assert moments == []
