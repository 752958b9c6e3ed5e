"""Two recruiters acting at once end with exactly one result: each attempt runs in its own thread,
with its own app context, session and connection, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable

import concurrency
import sqlalchemy as sa
from flask import Flask

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import User
from barraiser.candidates.services import create_candidate
from barraiser.domain import LoopState
from barraiser.errors import DomainError
from barraiser.extensions import db
from barraiser.loops.models import Interview, Loop
from barraiser.loops.services import cancel_loop, create_loop, schedule_loop, update_panel

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


def test_two_panel_edits_of_one_loop_at_once_one_wins_and_the_other_gets_a_conflict(
    app, org, clock
):
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    loop_id, actor_id = loop.id, org.recruiter.id
    # Each recruiter moves a different interview: either edit alone is valid, and changes the
    # loop's interviews only, never a column of the loop itself.
    edits = [
        org.with_interview(org.plan(), 3, starts_at=org.slot(5)),
        org.with_interview(org.plan(), 2, starts_at=org.slot(6)),
    ]
    barrier = threading.Barrier(2)
    on_postgres = db.engine.dialect.name == "postgresql"

    def edit(plan) -> Callable[[], object]:
        def attempt() -> object:
            mine = db.session.get(Loop, loop_id)
            assert mine is not None
            if on_postgres:  # both hold version 1 before either writes (SQLite queues readers)
                barrier.wait(timeout=30)
            return update_panel(
                mine, plan, expected_version=1, actor=db.session.get(User, actor_id), now=clock()
            )

        return attempt

    results = race(app, *(edit(plan) for plan in edits))
    assert sorted(results) == ["Conflict", OK]
    winner = edits[results.index(OK)]
    final = db.session.get(Loop, loop_id)
    db.session.refresh(final)
    assert final.version == 2
    starts = db.session.execute(
        sa.select(Interview.interviewer_id, Interview.starts_at).where(Interview.loop_id == loop_id)
    ).all()
    assert sorted(starts) == sorted((p.interviewer_id, p.starts_at) for p in winner.interviews)
    changed = sa.select(sa.func.count()).where(AuditEvent.action == "loop.panel_changed")
    assert db.session.scalar(changed) == 1
