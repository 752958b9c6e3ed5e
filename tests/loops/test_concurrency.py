"""Two recruiters acting at once end with exactly one result: each attempt runs in its own thread,
with its own app context, session and connection, released together by a barrier."""

from __future__ import annotations

from collections.abc import Callable

import concurrency
import sqlalchemy as sa
from flask import Flask

from barraiser.auth.models import User
from barraiser.candidates.services import create_candidate
from barraiser.domain import LoopState
from barraiser.errors import DomainError
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.loops.services import cancel_loop, create_loop, schedule_loop

OK = "ok"


def race(app: Flask, *attempts: Callable[[], object]) -> list[object]:
    """The attempts at once: OK, or the refusal's class name. Anything else fails the test."""
    outcomes = []
    for result in concurrency.race(app, *attempts):
        if isinstance(result, DomainError):
            outcomes.append(type(result).__name__)
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append(OK)
    return outcomes


def test_schedule_and_cancel_at_once_one_wins(app, org, clock):
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    loop_id, actor_id = loop.id, org.recruiter.id

    def schedule() -> None:
        schedule_loop(
            db.session.get(Loop, loop_id),
            expected_version=1,
            actor=db.session.get(User, actor_id),
            now=clock(),
        )

    def cancel() -> None:
        cancel_loop(
            db.session.get(Loop, loop_id),
            "Withdrew.",
            expected_version=1,
            actor=db.session.get(User, actor_id),
            now=clock(),
        )

    results = race(app, schedule, cancel)
    assert sorted(results) == ["Conflict", OK]
    final = db.session.get(Loop, loop_id)
    assert final.version == 2
    assert final.state is (LoopState.SCHEDULED if results[0] == OK else LoopState.CANCELLED)


def test_two_loops_cannot_book_the_same_interviewer_at_the_same_time(app, org, clock):
    second = create_candidate(
        name="Dana Second", email=None, source="", notes="", actor=None, now=clock()
    )
    db.session.commit()
    candidates = [org.candidate.id, second.id]
    requisition_id = org.requisition.id
    plan = org.plan()

    def book(candidate_id: int) -> Callable[[], None]:
        def attempt() -> None:
            create_loop(
                candidate_id=candidate_id,
                requisition_id=requisition_id,
                panel=plan,
                actor=None,
                now=clock(),
            )

        return attempt

    results = race(app, *(book(candidate_id) for candidate_id in candidates))
    assert sorted(results) == ["PanelInvalid", OK]
    assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1
