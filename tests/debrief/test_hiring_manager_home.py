"""The hiring manager's home after a decision: what comes next (a veto included), the hires whose
performance rating is due, and the notice when one falls due — once, however many workers sweep,
and never to a panelist who still owes their feedback."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from concurrency import race

from barraiser.auth.models import Role, UserRole
from barraiser.debrief import services
from barraiser.debrief.performance import add_months, queue_performance_due
from barraiser.domain import LoopState, Outcome
from barraiser.extensions import db
from barraiser.loops.models import Interview
from barraiser.outbox.models import OutboxMessage


def _section(page: str, testid: str) -> str | None:
    match = re.search(rf'data-testid="{testid}".*?</section>', html.unescape(page), re.S)
    return match.group(0) if match else None


def _notices() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "performance_due")
            .order_by(OutboxMessage.id)
        )
    )


@pytest.mark.parametrize(
    ("proposal", "verdict", "words"),
    [
        (Outcome.HIRE, "veto", "the veto is final. To consider Casey Candidate again, a recruiter"),
        (Outcome.HIRE, "concur", "Make the offer. Rate Casey Candidate's performance from"),
        (Outcome.NO_HIRE, "concur", "Let Casey Candidate know."),
    ],
)
def test_a_decided_loop_says_what_comes_next(
    debrief_loop, decide, login_as, proposal, verdict, words
):
    decide(debrief_loop, proposal, verdict)
    section = _section(
        login_as(debrief_loop.hiring_manager).get("/").get_data(True), "recent-decisions"
    )
    assert section is not None and words in section
    if verdict == "veto":
        assert f"Vetoed by {debrief_loop.bar_raiser.name}" in section
        recruiter = _section(login_as("recruiter").get("/").get_data(True), "recent-decisions")
        assert "Start a new loop" in recruiter


def _hired(built, clock):
    """The loop decided as a hire, straight in the models."""
    loop = built.loop
    loop.state, loop.outcome, loop.decided_at = LoopState.DECIDED, Outcome.HIRE, clock()
    db.session.commit()
    return loop


def test_a_hire_awaits_its_rating_at_six_and_twelve_months_told_once_each(
    app, make_loop, clock, login_as
):
    built = make_loop()
    loop = _hired(built, clock)
    manager = login_as(built.hiring_manager)
    clock.set(loop.decided_at + timedelta(days=150))
    assert queue_performance_due(now=clock()) == 0
    assert _section(manager.get("/").get_data(True), "ratings-due") is None

    clock.set(loop.decided_at + timedelta(days=190))
    manager = login_as(built.hiring_manager)
    results = race(app, *[lambda: queue_performance_due(now=clock())] * 2)
    assert sorted(results) == [0, 1]  # two workers at once: one notice
    assert queue_performance_due(now=clock()) == 0
    (notice,) = _notices()
    assert notice.recipient_id == built.hiring_manager.id and "6 months" in notice.subject
    assert notice.link == f"/loops/{loop.id}/debrief"
    section = _section(manager.get("/").get_data(True), "ratings-due")
    assert section is not None and "the 6-month rating was due" in section

    services.record_hire_performance(
        loop, rating=4, rated_on=clock().date(), actor=built.hiring_manager, now=clock()
    )
    db.session.commit()
    assert _section(manager.get("/").get_data(True), "ratings-due") is None
    clock.set(loop.decided_at + timedelta(days=370))
    manager = login_as(built.hiring_manager)
    assert queue_performance_due(now=clock()) == 1
    assert [n.dedupe_key for n in _notices()] == [
        f"performance-due:{loop.id}:6",
        f"performance-due:{loop.id}:12",
    ]
    assert "12-month rating" in _section(manager.get("/").get_data(True), "ratings-due")


@pytest.mark.parametrize("vetoed", [False, True])
@pytest.mark.parametrize("extra", [(), (Role.ADMIN, Role.INSPECTOR, Role.RECRUITER)])
def test_a_hiring_manager_who_owes_feedback_learns_nothing_of_the_outcome(
    make_loop, clock, login_as, extra, vetoed
):
    built = make_loop()
    manager = built.hiring_manager
    manager.role_rows.extend(UserRole(role=role) for role in extra)
    built.loop.interviews.append(
        Interview(
            interviewer=manager,
            starts_at=built.panel[-1].ends_at,
            duration_minutes=45,
        )
    )
    loop = _hired(built, clock)
    if vetoed:
        loop.outcome, loop.vetoed = Outcome.NO_HIRE, True
        db.session.commit()
    page = login_as(manager).get("/").get_data(as_text=True)
    decisions = _section(page, "recent-decisions")
    assert decisions is not None and "decided" in decisions  # that it was, not how
    assert "<strong>" not in decisions and "Next:" not in decisions
    assert "Vetoed" not in decisions and "offer" not in decisions
    # Not even a recruiter's way to start again, which would tell of a veto.
    assert "Start a new loop" not in decisions and "/loops/new" not in decisions
    clock.set(loop.decided_at + timedelta(days=400))
    assert queue_performance_due(now=clock()) == 0 and _notices() == []
    page = login_as(manager).get("/").get_data(as_text=True)
    assert 'data-testid="ratings-due"' not in page


def test_an_erased_candidate_is_named_at_home_as_everywhere(make_loop, clock, login_as):
    built = make_loop()
    loop = _hired(built, clock)
    loop.candidate.erased_at = clock()
    db.session.commit()
    erased = f"Erased candidate #{loop.candidate_id}"
    name = loop.candidate.name
    decisions = _section(login_as(built.hiring_manager).get("/").get_data(True), "recent-decisions")
    assert decisions is not None
    assert f"{erased} for" in decisions and f"Rate {erased}'s performance" in decisions
    assert name not in decisions
    clock.set(loop.decided_at + timedelta(days=190))
    ratings = _section(login_as(built.hiring_manager).get("/").get_data(True), "ratings-due")
    assert ratings is not None and f"{erased} for" in ratings and name not in ratings


def test_months_run_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 12) == date(2027, 11, 30)
