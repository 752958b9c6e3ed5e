"""A small hiring history written straight into the models, whose calibration report is worked
out by hand in test_report.py: five loops in the period, one before it, one cancelled.

Every loop has the same panel (tag ""): the Bar Raiser "br" holds the first interview, then
"panel1", "panel2", "panel3", one hour apart, one principle each. Written votes, by loop, in
that order (None: feedback never submitted):

    loop  day   votes          decision              performance
    L1    -10   3, 4, 3, 2     hire                  4 (an earlier rating of 2 is superseded)
    L2    -9    2, 4, 2, 1     no hire, vetoed       -
    L3    -8    3, 4, 4, 3     hire                  5
    L4    -7    4, 4, 3, 3     hire                  2
    L5    -6    3, 4, 3, None  undecided (in flight)  -
    L6    -120  1, 1, 1, 1     hire                  (before the period)
    L7    -5    -              cancelled             (never counted)

L1 also has a shadow ("brit", in training) who voted 4: never counted. Feedback is submitted 2 h
after the interview ends except panel3's on L1 (30 h: late, and after L1's debrief opened).
Debriefs of L1..L4 open 24 h after the first interview. Final votes: on L1 3, 3, 3, 2 (panel1
changed from 4), on L2 panel2 3 (changed from 2). The Bar Raiser was certified between L2 and L3.
L5's requisition requires a fifth principle nobody was assigned. panel1 writes four words of
evidence per principle, everybody else none.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa
from builders import BuiltLoop

from barraiser.auth.models import User
from barraiser.debrief.models import FinalVote, HirePerformance
from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.feedback.services import stamp_assignments
from barraiser.loops.models import Interview
from barraiser.principles.models import Principle

VOTES = {
    4: Vote.STRONG_HIRE,
    3: Vote.INCLINED_HIRE,
    2: Vote.INCLINED_NO_HIRE,
    1: Vote.STRONG_NO_HIRE,
}
P1_EVIDENCE = "asked, traced, fixed, measured"


def write_feedback(
    interview: Interview,
    score: int,
    *,
    hours_after_end: float = 2,
    evidence: str = "",
    submitted: bool = True,
) -> Feedback:
    """Feedback on one interview with the given written vote; a draft when not `submitted`."""
    end = interview.starts_at + timedelta(minutes=interview.duration_minutes)
    at = end + timedelta(hours=hours_after_end)
    feedback = Feedback(
        interview=interview,
        author_id=interview.interviewer_id,
        state=FeedbackState.SUBMITTED if submitted else FeedbackState.DRAFT,
        vote=VOTES[score],
        raises_bar=score >= 3 if submitted else None,
        summary="Never shown in the calibration report.",
        created_at=at,
        updated_at=at,
        submitted_at=at if submitted else None,
        due_at=end + timedelta(hours=24) if submitted else None,
        is_late=hours_after_end > 24,
    )
    feedback.ratings = [
        PrincipleRating(principle_id=principle.id, rating=score, evidence=evidence)
        for principle in interview.principles
    ]
    if submitted:
        stamp_assignments(interview, feedback.ratings)
    db.session.add(feedback)
    return feedback


def decide(built: BuiltLoop, outcome: Outcome, *, vetoed: bool = False) -> None:
    loop = built.loop
    loop.debrief_opened_at = loop.first_interview_at + timedelta(hours=24)
    loop.state = LoopState.DECIDED
    loop.outcome = outcome
    loop.vetoed = vetoed
    loop.decided_at = loop.first_interview_at + timedelta(hours=26)


def final_vote(built: BuiltLoop, index: int, score: int) -> None:
    interview = built.panel[index]
    db.session.add(
        FinalVote(
            loop_id=built.loop.id,
            interview_id=interview.id,
            voter_id=interview.interviewer_id,
            vote=VOTES[score],
            cast_at=built.loop.first_interview_at + timedelta(hours=25),
        )
    )


def rate_hire(built: BuiltLoop, rating: int, rated_on: date) -> None:
    db.session.add(
        HirePerformance(
            loop_id=built.loop.id,
            rating=rating,
            rated_on=rated_on,
            recorded_at=built.loop.first_interview_at + timedelta(days=200),
        )
    )


def panel_loop(
    make_loop: Callable[..., BuiltLoop],
    start: datetime,
    votes: tuple[int | None, ...],
    *,
    with_shadow: bool = False,
    state: LoopState = LoopState.SCHEDULED,
) -> BuiltLoop:
    """A loop of the shared panel starting at `start`, its written votes in panel order."""
    built = make_loop(starts_at=start, with_shadow=with_shadow, state=state)
    for index, (interview, score) in enumerate(zip(built.panel, votes, strict=True)):
        if score is None:
            continue
        write_feedback(interview, score, evidence=P1_EVIDENCE if index == 1 else "")
    db.session.commit()
    return built


@dataclass
class History:
    loops: dict[str, BuiltLoop]

    @property
    def bar_raiser(self) -> User:
        return self.loops["L1"].bar_raiser

    def panelist(self, index: int) -> User:
        return self.loops["L1"].interviewers[index]


def build_history(make_loop: Callable[..., BuiltLoop], now: datetime) -> History:
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    loops: dict[str, BuiltLoop] = {}
    loops["L1"] = panel_loop(make_loop, day - timedelta(days=10), (3, 4, 3, None), with_shadow=True)
    # panel3's feedback on L1 comes in late, after the debrief opened.
    write_feedback(loops["L1"].panel[3], 2, hours_after_end=30)
    shadow = next(i for i in loops["L1"].loop.interviews if i.is_shadow)
    write_feedback(shadow, 4, evidence="the shadow wrote a great deal here")
    loops["L2"] = panel_loop(make_loop, day - timedelta(days=9), (2, 4, 2, 1))
    loops["L3"] = panel_loop(make_loop, day - timedelta(days=8), (3, 4, 4, 3))
    loops["L4"] = panel_loop(make_loop, day - timedelta(days=7), (4, 4, 3, 3))
    loops["L5"] = panel_loop(make_loop, day - timedelta(days=6), (3, 4, 3, None))
    write_feedback(loops["L5"].panel[3], 3, submitted=False)
    loops["L6"] = panel_loop(make_loop, day - timedelta(days=120), (1, 1, 1, 1))
    loops["L7"] = make_loop(starts_at=day - timedelta(days=5), state=LoopState.CANCELLED)

    decide(loops["L1"], Outcome.HIRE)
    decide(loops["L2"], Outcome.NO_HIRE, vetoed=True)
    decide(loops["L3"], Outcome.HIRE)
    decide(loops["L4"], Outcome.HIRE)
    decide(loops["L6"], Outcome.HIRE)
    for index, score in enumerate((3, 3, 3, 2)):
        final_vote(loops["L1"], index, score)
    final_vote(loops["L2"], 2, 3)
    # The later rating counts although it was written first (it has the smaller id).
    rate_hire(loops["L1"], 4, date(2026, 9, 1))
    rate_hire(loops["L1"], 2, date(2026, 6, 1))
    rate_hire(loops["L3"], 5, date(2026, 9, 1))
    rate_hire(loops["L4"], 2, date(2026, 9, 1))
    rate_hire(loops["L6"], 5, date(2026, 9, 1))

    # Certified after L2's first interview and before L3's.
    loops["L1"].bar_raiser.certified_at = day - timedelta(days=8, hours=12)
    # L5's requisition requires a principle that no interview was assigned.
    fifth = db.session.scalars(sa.select(Principle).order_by(Principle.position).offset(4)).first()
    requisition = loops["L5"].loop.requisition
    requisition.required_principles = [*requisition.required_principles, fifth]
    db.session.commit()
    return History(loops)


def build_history_with_l5_decided(make_loop: Callable[..., BuiltLoop], now: datetime) -> History:
    """The history with L5 decided too (a hire, panel3's feedback still a draft): five decided
    loops (the report reads decided loops only, so the plain history has four)."""
    history = build_history(make_loop, now)
    decide(history.loops["L5"], Outcome.HIRE)
    db.session.commit()
    return history


def build_history_with_a_lenient_panelist(
    make_loop: Callable[..., BuiltLoop], now: datetime
) -> History:
    """The history with L5 decided and the loops of `add_loops_for_the_model`: enough decided
    loops for the model that adjusts leniency for the candidate, which finds panel1 lenient
    (and flags only them)."""
    history = build_history_with_l5_decided(make_loop, now)
    add_loops_for_the_model(make_loop, now)
    return history


def loop_ids(history: History, *names: str) -> list[int]:
    return [history.loops[name].loop.id for name in names]


def add_loops_for_the_model(make_loop: Callable[..., BuiltLoop], now: datetime) -> None:
    """36 more decided loops, 45 to 80 days back, enough for the model that adjusts leniency
    for the candidate (at least 30 loops with two voters, five interviewers): half with the
    shared panel, half with another ("x": brx, panel1x, ...). Each loop's candidate has a level
    (1..3) that every vote starts from, give or take a point now and then (seeded); panel1
    votes a point above it every time (capped at 4): lenient, whoever the candidate."""
    rng = random.Random(17)
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    for index in range(36):
        tag = "" if index % 2 == 0 else "x"
        built = make_loop(starts_at=day - timedelta(days=80 - index), tag=tag)
        level = rng.choice([1, 2, 3])
        votes = []
        for seat, interview in enumerate(built.panel):
            lean = 1 if seat == 1 and tag == "" else 0
            score = min(4, max(1, level + lean + rng.choice([0, 0, 0, 1, -1])))
            write_feedback(interview, score)
            votes.append(score)
        decide(built, Outcome.HIRE if sum(votes) / len(votes) >= 2.5 else Outcome.NO_HIRE)
    db.session.commit()


def not_built(*_args, **_kwargs):
    """In place of the report's reads: a test that expects the cache to serve it."""
    raise AssertionError("the report was built again: it should have come from the cache")


def servers_sharing_redis(app) -> dict:
    """The config of another server (app) on this test's database whose report cache is the
    local Redis (the suite needs one: a clear failure says so when there is none)."""
    server = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.fail("No Redis at 127.0.0.1:6379: start one (apt-get install redis-server)")
    return {
        key: app.config[key]
        for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CLOCK")
    } | {"CALIBRATION_CACHE_SECONDS": 300, "CALIBRATION_CACHE_URL": "redis://127.0.0.1:6379/0"}
