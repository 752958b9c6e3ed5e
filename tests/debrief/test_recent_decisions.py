"""After a decision or a veto, the hiring manager's and the recruiter's home pages name the
candidate and the outcome; someone with no part in hiring decisions has no such section."""

from __future__ import annotations

import re

import pytest

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
    client = login_as(debrief_loop.hiring_manager)
    clock.advance(days=31)
    assert _decisions(client.get("/").get_data(as_text=True)) is None
