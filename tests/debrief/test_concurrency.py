"""Two people acting at once end with exactly one result: each attempt runs in its own thread,
with its own app context, session and database connection, released together by a barrier."""

from __future__ import annotations

from collections.abc import Callable

import concurrency
import pytest
import sqlalchemy as sa
from flask import Flask

from barraiser.auth.models import User
from barraiser.debrief import services
from barraiser.debrief.models import FinalVote, Proposal, Verdict
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.errors import Conflict
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.outbox.models import OutboxMessage

OK = "ok"


def race(app: Flask, *attempts: Callable[[], object]) -> list[str]:
    """The attempts at once: OK, or the Conflict's message. Anything else fails the test."""
    outcomes = []
    for result in concurrency.race(app, *attempts):
        if isinstance(result, Conflict):
            outcomes.append(result.message)
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append(OK)
    return outcomes


def _loop(loop_id: int) -> Loop:
    return db.session.get(Loop, loop_id)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _count(model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


def _ids(built) -> dict[str, int]:
    return {
        "loop": built.loop.id,
        "hm": built.hiring_manager.id,
        "br": built.bar_raiser.id,
        "panelist": built.interviewers[1].id,
        "principle": built.panel[0].principles[0].id,
    }


def test_two_proposals_at_once_leave_exactly_one(app, debrief_loop, clock):
    ids, now = _ids(debrief_loop), clock()

    def propose(decision: Outcome) -> Callable[[], object]:
        return lambda: services.propose(
            _loop(ids["loop"]),
            decision=decision,
            rationale=f"Propose {decision}.",
            early_reason="The candidate flies home tonight.",
            actor=_user(ids["hm"]),
            now=now,
        )

    results = race(app, propose(Outcome.HIRE), propose(Outcome.NO_HIRE))
    assert sorted(results, key=lambda result: result != OK)[0] == OK
    assert results.count(OK) == 1
    (refused,) = [result for result in results if result != OK]
    assert "already proposed" in refused
    assert _count(Proposal) == 1


def test_concur_and_veto_at_once_decide_the_loop_once(app, debrief_loop, clock):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason="The candidate flies home tonight.",
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    ids, now = _ids(debrief_loop), clock()

    def concur() -> None:
        services.concur(_loop(ids["loop"]), actor=_user(ids["br"]), now=now)

    def veto() -> None:
        services.veto(
            _loop(ids["loop"]),
            rationale="Below the bar.",
            principle_ids=[ids["principle"]],
            actor=_user(ids["br"]),
            now=now,
        )

    results = race(app, concur, veto)
    assert results.count(OK) == 1
    (refused,) = [result for result in results if result != OK]
    assert "was decided on" in refused and "read-only" in refused
    assert _count(Verdict) == 1
    loop, verdict = _loop(ids["loop"]), db.session.scalar(sa.select(Verdict))
    assert loop.state is LoopState.DECIDED
    # Whichever won, the loop agrees with the verdict that was kept.
    assert (loop.outcome, loop.vetoed) == (
        (Outcome.NO_HIRE, True) if verdict.kind.value == "veto" else (Outcome.HIRE, False)
    )


def test_a_double_clicked_final_vote_is_kept_once(app, debrief_loop, clock):
    ids, now = _ids(debrief_loop), clock()

    def vote(choice: Vote) -> Callable[[], object]:
        return lambda: services.cast_final_vote(
            _loop(ids["loop"]), vote=choice, actor=_user(ids["panelist"]), now=now
        )

    results = race(app, vote(Vote.STRONG_HIRE), vote(Vote.INCLINED_HIRE))
    assert results.count(OK) == 1
    assert _count(FinalVote) == 1


def test_two_openings_at_once_open_once_and_tell_the_panel_once(app, ready_loop, clock):
    ids, now = _ids(ready_loop), clock()

    def open_debrief() -> None:
        services.open_debrief(_loop(ids["loop"]), actor=_user(ids["br"]), now=now)

    results = race(app, open_debrief, open_debrief)
    assert sorted(results) == sorted([OK, "The debrief is already open."])
    assert _loop(ids["loop"]).state is LoopState.DEBRIEF
    assert _count(OutboxMessage) == 5  # three panelists, the shadow, the hiring manager


def test_different_panelists_voting_at_once_all_count(app, debrief_loop, clock):
    people = [person.id for person in debrief_loop.interviewers]
    loop_id, now = debrief_loop.loop.id, clock()

    def vote(person_id: int) -> Callable[[], object]:
        return lambda: services.cast_final_vote(
            _loop(loop_id), vote=Vote.INCLINED_HIRE, actor=_user(person_id), now=now
        )

    assert race(app, *(vote(person) for person in people)) == [OK] * len(people)
    assert _count(FinalVote, loop_id=loop_id) == len(people)


def test_a_double_click_through_the_page_answers_409_with_the_page(app, debrief_loop, login_as):
    url = f"/loops/{debrief_loop.loop.id}/debrief/proposal"
    browsers = [login_as(debrief_loop.hiring_manager) for _ in range(2)]
    data = [
        {
            "proposal-decision": "hire",
            "proposal-rationale": "Hire.",
            "proposal-early_reason": "Now.",
        },
        {
            "proposal-decision": "no_hire",
            "proposal-rationale": "No.",
            "proposal-early_reason": "Now.",
        },
    ]
    responses: list = [None, None]

    def click(index: int) -> Callable[[], object]:
        def post() -> None:
            responses[index] = browsers[index].post(url, data=data[index])

        return post

    race(app, click(0), click(1))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302, 409]
    conflict = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "Someone got there first." in conflict
    assert "Hm</strong> proposed" in conflict  # the winner's proposal, as the page now stands
    assert _count(Proposal) == 1


def test_the_unique_constraint_catches_what_the_checks_miss(debrief_loop, clock, monkeypatch):
    """Were the lock and the check ever bypassed, the database still keeps one proposal."""
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="First.",
        early_reason="The candidate flies home tonight.",
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    monkeypatch.setattr(services, "_proposal_of", lambda loop: None)
    with pytest.raises(Conflict, match="already made"):
        services.propose(
            debrief_loop.loop,
            decision=Outcome.NO_HIRE,
            rationale="Second.",
            early_reason="The candidate flies home tonight.",
            actor=debrief_loop.hiring_manager,
            now=clock(),
        )
    db.session.rollback()
    assert _count(Proposal) == 1
